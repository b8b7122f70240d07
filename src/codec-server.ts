// The codec endpoint process (`npm run start:codec`): decodes and encodes payloads for the Temporal Web UI
// (`--ui-codec-endpoint`, codec.endpoint) and `temporal … --codec-endpoint`, with the service's payload keys.
// See src/codec/server.ts and docs/encryption.md, "The codec endpoint".
import { ConfigError } from './errors';
import { AesGcmCodec, describePayloadKeys, loadPayloadKeys } from './codec';
import { buildCodecServer } from './codec/server';
import { loadCodecServerConfig } from './codec/server-config';
import { createLogger } from './logger';
import { boundPort, serveMetrics } from './metrics';
import { exitOnStartupError } from './service';

async function main(): Promise<void> {
  const problems: string[] = [];
  const cfg = loadCodecServerConfig(process.env, problems);
  const keys = loadPayloadKeys(process.env); // throws its own ConfigError naming the variable and key ID
  if (!keys) problems.push('PAYLOAD_ENCRYPTION_KEYS or PAYLOAD_ENCRYPTION_KEYS_FILE: no keys configured (the codec endpoint decrypts with the service\'s keys)');
  if (problems.length || !keys) throw new ConfigError('Invalid codec endpoint settings:', problems);
  const log = createLogger('codec-server');
  if (cfg.auth === 'none') log.warn('CODEC_AUTH=none: anyone who reaches this port can decrypt payloads (local use only)');
  const app = buildCodecServer({ cfg, codecs: [new AesGcmCodec(keys)], log });
  const metrics = await serveMetrics(cfg.metricsPort, () => true);
  const address = await app.listen({ host: cfg.host, port: cfg.port });
  log.info({ address, namespace: cfg.namespace, auth: cfg.auth, corsOrigins: cfg.corsOrigins, metricsPort: boundPort(metrics) }, `codec endpoint listening; payload encryption: ${describePayloadKeys(keys)}`);
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.once(sig, () => void app.close().then(() => process.exit(0), () => process.exit(1)));
  }
}

main().catch((e) => exitOnStartupError('codec-server', e));
