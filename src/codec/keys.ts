// Payload encryption keys from the environment (never logged: only their IDs are): PAYLOAD_ENCRYPTION_KEYS
// (`id1:base64key,id2:base64key`) or PAYLOAD_ENCRYPTION_KEYS_FILE (one `id:base64key` per line, # comments and
// blank lines ignored), and PAYLOAD_ENCRYPTION_KEY_ID, the current key, which encrypts (default: the first listed).
// Each key is 32 random bytes (AES-256), e.g. `openssl rand -base64 32`.
import fs from 'node:fs';
import { readVariables, type Env } from '../config/read';
import { ConfigError } from '../errors';

/** A key ID: it travels in every payload's metadata in plain text, so it is a name, never key material. */
export const KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
export const KEY_BYTES = 32;

export interface PayloadKeys {
  /** The key that encrypts new payloads. */
  currentKeyId: string;
  /** Every key that may decrypt, by ID (the current one included), in the order listed. */
  keys: ReadonlyMap<string, Buffer>;
}

/** The keys, or undefined when none are configured (payloads stay plain). Throws one ConfigError listing every problem. */
export function loadPayloadKeys(env: Env): PayloadKeys | undefined {
  const problems: string[] = [];
  const s = readVariables(env, ['PAYLOAD_ENCRYPTION_KEYS', 'PAYLOAD_ENCRYPTION_KEYS_FILE', 'PAYLOAD_ENCRYPTION_KEY_ID'], problems);
  const inline = s.PAYLOAD_ENCRYPTION_KEYS?.trim();
  const file = s.PAYLOAD_ENCRYPTION_KEYS_FILE?.trim();
  const chosen = s.PAYLOAD_ENCRYPTION_KEY_ID?.trim();
  if (inline && file) problems.push('PAYLOAD_ENCRYPTION_KEYS and PAYLOAD_ENCRYPTION_KEYS_FILE are both set: use one');
  let entries: { text: string; where: string }[] = [];
  if (inline) {
    entries = inline.split(',').map((text, i) => ({ text: text.trim(), where: `PAYLOAD_ENCRYPTION_KEYS (entry ${i + 1})` }));
  } else if (file) {
    let content: string | undefined;
    try {
      content = fs.readFileSync(file, 'utf8');
    } catch (e) {
      problems.push(`PAYLOAD_ENCRYPTION_KEYS_FILE=${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    entries = (content ?? '').split('\n')
      .map((line, i) => ({ text: line.replace(/#.*$/, '').trim(), where: `PAYLOAD_ENCRYPTION_KEYS_FILE (line ${i + 1})` }))
      .filter((e) => e.text !== '');
    if (content !== undefined && entries.length === 0) problems.push(`PAYLOAD_ENCRYPTION_KEYS_FILE=${file}: no key in it (one id:base64key per line)`);
  } else {
    if (chosen) problems.push(`PAYLOAD_ENCRYPTION_KEY_ID=${chosen}: no keys are configured (set PAYLOAD_ENCRYPTION_KEYS or PAYLOAD_ENCRYPTION_KEYS_FILE)`);
    if (problems.length) throw new ConfigError('Invalid payload encryption settings:', problems);
    return undefined;
  }
  const keys = new Map<string, Buffer>();
  for (const { text, where } of entries) {
    const colon = text.indexOf(':');
    if (colon < 0) {
      problems.push(`${where}: expected id:base64key`); // the entry itself may be a key: not shown
      continue;
    }
    const id = text.slice(0, colon).trim();
    const material = text.slice(colon + 1).trim();
    if (!KEY_ID_PATTERN.test(id)) {
      // not echoed: a malformed ID may be key material written the wrong way round
      problems.push(`${where}: the key ID (before the ':') must be 1-64 letters, digits, '.', '_' or '-'`);
      continue;
    }
    if (keys.has(id)) {
      problems.push(`${where}: key ID ${id} is listed twice`);
      continue;
    }
    const bytes = decodeBase64Strict(material);
    if (!bytes) problems.push(`${where}: key ${id} is not valid base64`);
    else if (bytes.length !== KEY_BYTES) problems.push(`${where}: key ${id} decodes to ${bytes.length} bytes, expected ${KEY_BYTES} (make one with: openssl rand -base64 32)`);
    else keys.set(id, bytes);
  }
  const currentKeyId = chosen || entries.map((e) => e.text.slice(0, e.text.indexOf(':')).trim()).find((id) => keys.has(id)) || '';
  if (chosen && !KEY_ID_PATTERN.test(chosen)) problems.push("PAYLOAD_ENCRYPTION_KEY_ID: must be 1-64 letters, digits, '.', '_' or '-' (a key ID, not a key)");
  else if (chosen && !keys.has(chosen) && !problems.some((p) => p.includes(`key ${chosen} `))) {
    problems.push(`PAYLOAD_ENCRYPTION_KEY_ID=${chosen}: no key with this ID among the configured ones (${[...keys.keys()].join(', ') || 'none'})`);
  }
  if (problems.length) throw new ConfigError('Invalid payload encryption settings:', problems);
  return { currentKeyId, keys };
}

/** Standard or URL-safe base64 with optional padding; undefined for anything else (Buffer.from would skip bad characters). */
function decodeBase64Strict(s: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(s)) return undefined;
  return Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

/** For logs: the key IDs, never a key. */
export function describePayloadKeys(keys: PayloadKeys | undefined): string {
  return keys ? `on (current key ${keys.currentKeyId}, keys ${[...keys.keys.keys()].join(', ')})` : 'off';
}
