// The codec endpoint process's configuration: its own settings (src/codec/server-config.ts), the service's
// payload keys (required here), its log level and the metrics address, checked together.
import { loadPayloadKeys, type PayloadKeys } from '../codec/keys';
import { loadCodecServerConfig, type CodecServerConfig } from '../codec/server-config';
import { ConfigError } from '../errors';
import { environmentOf, readVariables, type Env } from './read';

export interface CodecSettings {
  cfg: CodecServerConfig;
  keys: PayloadKeys;
  /** LOG_LEVEL */
  logLevel: string;
  /** METRICS_HOST: where CODEC_METRICS_PORT listens. */
  metricsHost: string;
}

export function loadCodecSettings(env: Env = process.env): CodecSettings {
  const own = environmentOf(env, 'codec');
  const problems: string[] = [];
  const cfg = loadCodecServerConfig(own, problems);
  const s = readVariables(own, ['LOG_LEVEL', 'METRICS_HOST'], problems);
  let keys: PayloadKeys | undefined;
  try {
    keys = loadPayloadKeys(own);
    if (!keys) problems.push('PAYLOAD_ENCRYPTION_KEYS or PAYLOAD_ENCRYPTION_KEYS_FILE: no keys configured (the codec endpoint decrypts with the service\'s keys)');
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    problems.push(...e.problems); // each naming the variable and the key ID, never a key
  }
  if (problems.length || !keys) throw new ConfigError('Invalid codec endpoint settings:', problems);
  return { cfg, keys, logLevel: s.LOG_LEVEL, metricsHost: s.METRICS_HOST };
}
