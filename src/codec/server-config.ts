// The codec endpoint's settings (CODEC_*), validated at start-up with every bad value named at once (never a
// token's value). The keys are the service's: PAYLOAD_ENCRYPTION_KEYS[_FILE], PAYLOAD_ENCRYPTION_KEY_ID.
import { envInt } from '../env-int';
import { readSecretSetting } from '../intake/ack-secret';
import { parseByteSize } from '../intake/config';

type Env = Record<string, string | undefined>;

export interface CodecServerConfig {
  /** CODEC_HOST (127.0.0.1): the Web UI calls the endpoint from the browser, so it must be reachable from there. */
  host: string;
  /** CODEC_PORT (8089; 0 = any free port) */
  port: number;
  /** CODEC_AUTH (bearer): `none` turns the check off (local use only; logged as a warning). */
  auth: 'bearer' | 'none';
  /** CODEC_TOKENS or CODEC_TOKENS_FILE: accepted bearer tokens (commas or new lines; several for rotation). */
  tokens: string[];
  /** CODEC_CORS_ORIGINS: the Web UI origins allowed to call from a browser (exact scheme://host:port). */
  corsOrigins: string[];
  /** TEMPORAL_NAMESPACE (default): the one namespace whose payloads this endpoint decodes (X-Namespace). */
  namespace: string;
  /** CODEC_BODY_LIMIT (8mb): larger bodies are refused with 413. */
  bodyLimit: number;
  /** CODEC_METRICS_PORT (0 = off): /metrics on 127.0.0.1 (METRICS_HOST). */
  metricsPort: number;
}

export const DEFAULT_CORS_ORIGINS = 'http://127.0.0.1:8233,http://localhost:8233';
const MIN_TOKEN_LENGTH = 16;

export function loadCodecServerConfig(env: Env, problems: string[]): CodecServerConfig {
  const str = (name: string, def: string) => (env[name] === undefined || env[name] === '' ? def : env[name]);
  const auth = str('CODEC_AUTH', 'bearer');
  if (auth !== 'bearer' && auth !== 'none') problems.push(`CODEC_AUTH=${JSON.stringify(auth)}: expected bearer (the default) or none`);
  const tokenText = readSecretSetting(env, 'CODEC_TOKENS', problems)?.toString('utf8');
  const tokens = (tokenText ?? '').split(/[,\n\r]+/).map((t) => t.trim()).filter(Boolean);
  const source = env.CODEC_TOKENS ? 'CODEC_TOKENS' : 'CODEC_TOKENS_FILE';
  if (auth === 'bearer') {
    if (tokenText === undefined) problems.push('CODEC_TOKENS or CODEC_TOKENS_FILE: no bearer token configured (set one, e.g. openssl rand -hex 32; CODEC_AUTH=none turns the check off for local use)');
    else if (!tokens.length) problems.push(`${source}: holds no token`);
    for (const [i, t] of tokens.entries()) {
      if (t.length < MIN_TOKEN_LENGTH) problems.push(`${source}: token ${i + 1} is ${t.length} characters, at least ${MIN_TOKEN_LENGTH} needed`);
      else if (!/^[\x21-\x7e]+$/.test(t)) problems.push(`${source}: token ${i + 1} must be printable ASCII without spaces`);
    }
  } else if (auth === 'none' && tokenText !== undefined) {
    problems.push(`CODEC_AUTH=none and ${source} exclude each other: unset one`);
  }
  const corsOrigins = str('CODEC_CORS_ORIGINS', DEFAULT_CORS_ORIGINS).split(',').map((s) => s.trim()).filter(Boolean);
  for (const o of corsOrigins) {
    if (!/^https?:\/\/[^/\s]+$/.test(o)) problems.push(`CODEC_CORS_ORIGINS: ${JSON.stringify(o)} is not an origin (scheme://host[:port], no path)`);
  }
  const bodyRaw = str('CODEC_BODY_LIMIT', '8mb');
  const bodyLimit = parseByteSize(bodyRaw);
  if (bodyLimit === undefined || bodyLimit < 1024 || bodyLimit > 256 * 1024 * 1024) problems.push(`CODEC_BODY_LIMIT=${JSON.stringify(bodyRaw)}: expected a size from 1kb to 256mb`);
  return {
    host: str('CODEC_HOST', '127.0.0.1'),
    port: envInt(env, problems, 'CODEC_PORT', 8089, 0, 65535),
    auth: auth === 'none' ? 'none' : 'bearer',
    tokens,
    corsOrigins,
    namespace: str('TEMPORAL_NAMESPACE', 'default'),
    bodyLimit: bodyLimit ?? 0,
    metricsPort: envInt(env, problems, 'CODEC_METRICS_PORT', 0, 0, 65535),
  };
}
