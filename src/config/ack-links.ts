// The ack links' settings: the secret the worker signs with and the intake verifies with (ACK_SECRET or
// ACK_SECRET_FILE, read the same way by both, so both get the same bytes), and the worker's ACK_LINK_BASE and
// ACK_LINK_TTL. Problems never contain the secret.
import { ackSecretProblem, type AckLinkSettings } from '../ack-links';
import { readSecretSetting, readVariables, secretSource, type Env } from './read';

/** The ack-link secret (at least 32 bytes), or undefined when neither ACK_SECRET nor ACK_SECRET_FILE is set. */
export function loadAckSecret(env: Env, problems: string[]): Buffer | undefined {
  const secret = readSecretSetting(env, 'ACK_SECRET', problems);
  const problem = secret && ackSecretProblem(secret);
  if (problem) problems.push(`${secretSource(env, 'ACK_SECRET')}: ${problem}`);
  return secret;
}

const EXAMPLE = 'e.g. https://alerts.example.com';

/** The intake's public URL as ack links start with it (no trailing slash), or a problem. */
export function linkBase(raw: string, problems: string[]): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    problems.push(`ACK_LINK_BASE=${JSON.stringify(raw)}: not a URL (expected the intake's public URL, ${EXAMPLE})`);
    return raw;
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') problems.push(`ACK_LINK_BASE: protocol ${u.protocol} is not one of http:, https:`);
  else if (u.username || u.password || u.search || u.hash) problems.push(`ACK_LINK_BASE: expected the intake's public URL without credentials, query or fragment (${EXAMPLE})`);
  else if (u.href.length > 512) problems.push(`ACK_LINK_BASE: ${u.href.length} characters, at most 512`);
  return u.href.replace(/\/+$/, '');
}

/**
 * The worker's ack-link settings: ACK_LINK_BASE and ACK_SECRET/ACK_SECRET_FILE both set (links on) or neither
 * (off); one without the other is a problem. With the incident lifecycle off there is nothing to acknowledge.
 */
export function loadAckLinks(env: Env, problems: string[], lifecycle: boolean): AckLinkSettings | undefined {
  const { ACK_LINK_BASE: raw, ACK_LINK_TTL: ttlMs } = readVariables(env, ['ACK_LINK_BASE', 'ACK_LINK_TTL'], problems);
  const secret = loadAckSecret(env, problems);
  if (!raw && !secret) return undefined;
  if (!raw) {
    const name = secretSource(env, 'ACK_SECRET');
    problems.push(`${name} is set but ACK_LINK_BASE is not: ack links need both. Set ACK_LINK_BASE to the intake's public URL (${EXAMPLE}), or unset ${name} for messages without ack links`);
    return undefined;
  }
  if (!secret) {
    problems.push('ACK_LINK_BASE is set but neither ACK_SECRET nor ACK_SECRET_FILE is: ack links need both (the intake\'s secret, to sign them), or unset ACK_LINK_BASE');
    return undefined;
  }
  if (!lifecycle) {
    problems.push('ACK_LINK_BASE: ack links need the incident lifecycle, and ALERT_LIFECYCLE=off leaves nothing to acknowledge: unset ACK_LINK_BASE and ACK_SECRET/ACK_SECRET_FILE, or turn the lifecycle on');
    return undefined;
  }
  const settings = { base: linkBase(raw, problems), ttlMs } as AckLinkSettings;
  Object.defineProperty(settings, 'secret', { value: secret, enumerable: false });
  return settings;
}
