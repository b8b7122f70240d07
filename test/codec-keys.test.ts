// Payload encryption keys from the environment (src/codec/keys.ts): every bad value is a ConfigError naming the
// variable and the key ID, never the key; and loadConfig lists them with the other settings' problems.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describePayloadKeys, loadPayloadKeys } from '../src/codec';
import { loadConfig } from '../src/config';
import { ConfigError } from '../src/errors';

const b64 = (n = 32) => randomBytes(n).toString('base64');
const A = b64();
const B = b64();

function problem(env: Record<string, string>): string {
  try {
    loadPayloadKeys(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('no ConfigError');
}

describe('loadPayloadKeys', () => {
  it('none configured: undefined (payloads stay plain)', () => {
    expect(loadPayloadKeys({})).toBeUndefined();
    expect(describePayloadKeys(undefined)).toBe('off');
  });

  it('inline keys; the first is current unless PAYLOAD_ENCRYPTION_KEY_ID says otherwise', () => {
    const k = loadPayloadKeys({ PAYLOAD_ENCRYPTION_KEYS: `k1:${A}, k2:${B}` })!;
    expect(k.currentKeyId).toBe('k1');
    expect([...k.keys.keys()]).toEqual(['k1', 'k2']);
    expect(k.keys.get('k2')!.toString('base64')).toBe(B);
    expect(loadPayloadKeys({ PAYLOAD_ENCRYPTION_KEYS: `k1:${A},k2:${B}`, PAYLOAD_ENCRYPTION_KEY_ID: 'k2' })!.currentKeyId).toBe('k2');
    expect(describePayloadKeys(k)).toBe('on (current key k1, keys k1, k2)');
    // URL-safe base64 is accepted too
    const urlSafe = randomBytes(32).toString('base64url');
    expect(loadPayloadKeys({ PAYLOAD_ENCRYPTION_KEYS: `u:${urlSafe}` })!.keys.get('u')!.length).toBe(32);
  });

  it('a keys file: one id:base64 per line, # comments and blank lines ignored', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keys-'));
    const file = path.join(dir, 'keys');
    fs.writeFileSync(file, `# rotated 2026-11\n\nold.2026-10:${A}   # keep until no workflow uses it\nnew_2026-11:${B}\n`);
    const k = loadPayloadKeys({ PAYLOAD_ENCRYPTION_KEYS_FILE: file, PAYLOAD_ENCRYPTION_KEY_ID: 'new_2026-11' })!;
    expect([...k.keys.keys()]).toEqual(['old.2026-10', 'new_2026-11']);
    expect(k.currentKeyId).toBe('new_2026-11');
    fs.writeFileSync(file, '# nothing yet\n');
    expect(problem({ PAYLOAD_ENCRYPTION_KEYS_FILE: file })).toContain(`PAYLOAD_ENCRYPTION_KEYS_FILE=${file}: no key in it`);
    fs.rmSync(dir, { recursive: true });
    expect(problem({ PAYLOAD_ENCRYPTION_KEYS_FILE: file })).toContain(`PAYLOAD_ENCRYPTION_KEYS_FILE=${file}: cannot read it (ENOENT)`);
  });

  it.each([
    ['a short key', { PAYLOAD_ENCRYPTION_KEYS: `k1:${b64(16)}` }, 'PAYLOAD_ENCRYPTION_KEYS (entry 1): key k1 decodes to 16 bytes, expected 32'],
    ['a long key', { PAYLOAD_ENCRYPTION_KEYS: `k1:${A},k2:${b64(33)}` }, 'PAYLOAD_ENCRYPTION_KEYS (entry 2): key k2 decodes to 33 bytes, expected 32'],
    ['not base64', { PAYLOAD_ENCRYPTION_KEYS: `k1:${A.slice(0, 10)}!${A.slice(11)}` }, 'PAYLOAD_ENCRYPTION_KEYS (entry 1): key k1 is not valid base64'],
    ['no id', { PAYLOAD_ENCRYPTION_KEYS: A }, 'PAYLOAD_ENCRYPTION_KEYS (entry 1): expected id:base64key'],
    ['a bad id', { PAYLOAD_ENCRYPTION_KEYS: `k 1:${A}` }, "PAYLOAD_ENCRYPTION_KEYS (entry 1): the key ID (before the ':') must be 1-64 letters"],
    ['an id too long', { PAYLOAD_ENCRYPTION_KEYS: `${'k'.repeat(65)}:${A}` }, 'must be 1-64 letters'],
    ['key and id the wrong way round', { PAYLOAD_ENCRYPTION_KEYS: `${A}:k1` }, "PAYLOAD_ENCRYPTION_KEYS (entry 1): the key ID (before the ':')"],
    ['a key as the current id', { PAYLOAD_ENCRYPTION_KEYS: `k1:${A}`, PAYLOAD_ENCRYPTION_KEY_ID: B }, 'PAYLOAD_ENCRYPTION_KEY_ID: must be 1-64 letters, digits'],
    ['a duplicate id', { PAYLOAD_ENCRYPTION_KEYS: `k1:${A},k1:${B}` }, 'PAYLOAD_ENCRYPTION_KEYS (entry 2): key ID k1 is listed twice'],
    ['an unknown current id', { PAYLOAD_ENCRYPTION_KEYS: `k1:${A}`, PAYLOAD_ENCRYPTION_KEY_ID: 'k9' }, 'PAYLOAD_ENCRYPTION_KEY_ID=k9: no key with this ID among the configured ones (k1)'],
    ['a current id without keys', { PAYLOAD_ENCRYPTION_KEY_ID: 'k1' }, 'PAYLOAD_ENCRYPTION_KEY_ID=k1: no keys are configured'],
    ['both sources', { PAYLOAD_ENCRYPTION_KEYS: `k1:${A}`, PAYLOAD_ENCRYPTION_KEYS_FILE: '/nonexistent' }, 'PAYLOAD_ENCRYPTION_KEYS and PAYLOAD_ENCRYPTION_KEYS_FILE are both set'],
  ])('%s is named, the key never shown', (_what, env, expected) => {
    const message = problem(env);
    expect(message).toContain(expected);
    for (const key of [A, B]) expect(message).not.toContain(key.slice(0, 12));
    for (const v of Object.values(env)) for (const part of v.split(/[,:]/)) if (/[A-Za-z0-9+/]{20,}/.test(part) && !/^k+$/.test(part)) expect(message).not.toContain(part.slice(0, 12));
  });

  it('a keys file line that is a bare key is not echoed', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keys-'));
    fs.writeFileSync(path.join(dir, 'keys'), `${A}\n`);
    const message = problem({ PAYLOAD_ENCRYPTION_KEYS_FILE: path.join(dir, 'keys') });
    expect(message).toContain('PAYLOAD_ENCRYPTION_KEYS_FILE (line 1): expected id:base64key');
    expect(message).not.toContain(A.slice(0, 12));
    fs.rmSync(dir, { recursive: true });
  });

  it('loadConfig lists key problems with the other settings, and the Temporal target carries the codec', () => {
    let message = '';
    try {
      loadConfig('combined', { PAYLOAD_ENCRYPTION_KEYS: `k1:${b64(16)}`, INGEST_BATCH_SIZE: 'lots', HOME: '/nonexistent' });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('key k1 decodes to 16 bytes');
    expect(message).toContain('INGEST_BATCH_SIZE');
    const cfg = loadConfig('worker', { PAYLOAD_ENCRYPTION_KEYS: `k1:${A},k2:${B}`, PAYLOAD_ENCRYPTION_KEY_ID: 'k2', HOME: '/nonexistent' });
    expect(cfg.temporal.encryption).toBe('on (current key k2, keys k1, k2)');
    expect(cfg.temporal.dataConverter.payloadCodecs).toHaveLength(1);
    expect(JSON.stringify(cfg)).not.toContain(A.slice(0, 12));
    const off = loadConfig('worker', { HOME: '/nonexistent' });
    expect(off.temporal.encryption).toBe('off');
    expect(off.temporal.dataConverter.payloadCodecs ?? []).toHaveLength(0);
  });
});
