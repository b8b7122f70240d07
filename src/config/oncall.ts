// The on-call calendar feeds' key (ONCALL_ICAL_SECRET or ONCALL_ICAL_SECRET_FILE, read by the intake): a feed URL's
// token is an HMAC of the feed's path with it (src/oncall/ical-tokens.ts). Problems never contain the key.
import { readSecretSetting, secretSource, type Env } from './read';

/** The shortest key taken, in characters. */
export const ICAL_SECRET_MIN_CHARS = 32;

/** The feeds' key, or undefined when neither variable is set (the intake then serves no feed). */
export function loadIcalSecret(env: Env, problems: string[]): Buffer | undefined {
  const secret = readSecretSetting(env, 'ONCALL_ICAL_SECRET', problems);
  const chars = secret ? [...secret.toString('utf8')].length : 0;
  if (secret && chars < ICAL_SECRET_MIN_CHARS) {
    problems.push(`${secretSource(env, 'ONCALL_ICAL_SECRET')}: is ${chars} characters, at least ${ICAL_SECRET_MIN_CHARS} needed (e.g. openssl rand -base64 48)`);
  }
  return secret;
}
