// The codec endpoint's settings (CODEC_*), validated at start-up with every bad value named at once (never a
// token's value). The keys are the service's: PAYLOAD_ENCRYPTION_KEYS[_FILE], PAYLOAD_ENCRYPTION_KEY_ID (./keys.ts).
import { bearerTokens } from '../config/tokens';
import { readVariables, type Env } from '../config/read';

export interface CodecServerConfig {
  /** CODEC_HOST: the Web UI calls the endpoint from the browser, so it must be reachable from there. */
  host: string;
  /** CODEC_PORT (0 = any free port) */
  port: number;
  /** CODEC_AUTH: `none` turns the check off (local use only; logged as a warning). */
  auth: 'bearer' | 'none';
  /** CODEC_TOKENS or CODEC_TOKENS_FILE: accepted bearer tokens (commas or new lines; several for rotation). */
  tokens: string[];
  /** CODEC_CORS_ORIGINS: the Web UI origins allowed to call from a browser (exact scheme://host:port). */
  corsOrigins: string[];
  /** TEMPORAL_NAMESPACE: the one namespace whose payloads this endpoint decodes (X-Namespace). */
  namespace: string;
  /** CODEC_BODY_LIMIT: larger bodies are refused with 413. */
  bodyLimit: number;
  /** CODEC_METRICS_PORT (0 = off): /metrics on METRICS_HOST. */
  metricsPort: number;
}

export function loadCodecServerConfig(env: Env, problems: string[]): CodecServerConfig {
  const s = readVariables(env, ['CODEC_HOST', 'CODEC_PORT', 'CODEC_AUTH', 'CODEC_CORS_ORIGINS', 'CODEC_BODY_LIMIT', 'CODEC_METRICS_PORT', 'TEMPORAL_NAMESPACE'], problems);
  return {
    host: s.CODEC_HOST,
    port: s.CODEC_PORT,
    auth: s.CODEC_AUTH,
    tokens: bearerTokens(env, 'CODEC_TOKENS', s.CODEC_AUTH, problems),
    corsOrigins: s.CODEC_CORS_ORIGINS,
    namespace: s.TEMPORAL_NAMESPACE ?? 'default',
    bodyLimit: s.CODEC_BODY_LIMIT,
    metricsPort: s.CODEC_METRICS_PORT,
  };
}
