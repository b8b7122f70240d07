// The local receiver's configuration (src/receiver.ts): RECEIVER_HOST, RECEIVER_PORT, RECEIVER_STATUS.
import { ConfigError } from '../errors';
import { environmentOf, readVariables, type Env } from './read';

export function loadReceiverSettings(env: Env = process.env): { host: string; port: number; status: number } {
  const problems: string[] = [];
  const s = readVariables(environmentOf(env, 'receiver'), ['RECEIVER_HOST', 'RECEIVER_PORT', 'RECEIVER_STATUS'], problems);
  if (problems.length) throw new ConfigError('Invalid configuration (environment):', problems);
  return { host: s.RECEIVER_HOST, port: s.RECEIVER_PORT, status: s.RECEIVER_STATUS };
}
