// The codec endpoint process (`npm run start:codec`): decodes and encodes payloads for the Temporal Web UI
// (`--ui-codec-endpoint`, codec.endpoint) and `temporal … --codec-endpoint`, with the service's payload keys.
// See src/codec/server.ts and docs/encryption.md, "The codec endpoint".
import { AesGcmCodec, describePayloadKeys } from './codec';
import { buildCodecServer } from './codec/server';
import { loadCodecSettings } from './config/codec';
import { createLogger } from './logger';
import { boundPort, serveMetrics } from './metrics';
import { exitOnStartupError } from './service';

async function main(): Promise<void> {
  const { cfg, keys, logLevel, metricsHost } = loadCodecSettings();
  const log = createLogger('codec-server', logLevel);
  if (cfg.auth === 'none') log.warn('CODEC_AUTH=none: anyone who reaches this port can decrypt payloads (local use only)');
  const app = buildCodecServer({ cfg, codecs: [new AesGcmCodec(keys)], log });
  const metrics = await serveMetrics(cfg.metricsPort, metricsHost, () => true);
  const address = await app.listen({ host: cfg.host, port: cfg.port });
  log.info({ address, namespace: cfg.namespace, auth: cfg.auth, corsOrigins: cfg.corsOrigins, metricsPort: boundPort(metrics) }, `codec endpoint listening; payload encryption: ${describePayloadKeys(keys)}`);
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.once(sig, () => void app.close().then(() => process.exit(0), () => process.exit(1)));
  }
}

main().catch((e) => exitOnStartupError('codec-server', e));
