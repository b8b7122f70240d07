// Reading ACK_SECRET / ACK_SECRET_FILE: the intake (which verifies ack links) and the worker (which signs
// them in its messages) read the one secret through this module, so both get the same bytes by the same
// rules. Free of fastify; it reads the file named by `<NAME>_FILE` once, at start-up.
import { envFile } from '../connections/env-file';
import { ackSecretProblem } from './ack-token';

type Env = Record<string, string | undefined>;

/**
 * A secret setting given as `NAME` (the value) or `NAME_FILE` (a file holding it; surrounding white space,
 * such as the trailing newline, is not part of it). Both set is a problem; so is an unreadable file.
 * Problems are pushed to `problems` and never contain the secret.
 */
export function readSecretSetting(env: Env, name: string, problems: string[]): Buffer | undefined {
  if (env[name] && env[`${name}_FILE`]) problems.push(`${name} and ${name}_FILE exclude each other: set one`);
  if (env[name]) return Buffer.from(env[name], 'utf8');
  const file = envFile(env, `${name}_FILE`, problems);
  return file ? Buffer.from(file.toString('utf8').trim(), 'utf8') : undefined;
}

/** The ack-link secret (ACK_SECRET or ACK_SECRET_FILE, at least 32 bytes), or undefined when neither is set. */
export function loadAckSecret(env: Env, problems: string[]): Buffer | undefined {
  const secret = readSecretSetting(env, 'ACK_SECRET', problems);
  if (secret) {
    const problem = ackSecretProblem(secret);
    if (problem) problems.push(`${env.ACK_SECRET ? 'ACK_SECRET' : 'ACK_SECRET_FILE'}: ${problem}`);
  }
  return secret;
}
