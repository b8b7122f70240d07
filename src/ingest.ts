// The ingest process: reads the alert stream through a consumer group and starts one workflow per entry.
import { Client, Connection } from '@temporalio/client';
import { Ingestor } from './ingestor';
import { registerStreamGauges, serveMetrics } from './metrics';
import { exitOnStartupError, openService } from './service';
import { clientInterceptors } from './tracing/temporal';

async function main(): Promise<void> {
  const svc = await openService('ingest');
  const { cfg, log } = svc;
  const connection = await Connection.connect(cfg.temporal.connection);
  const client = new Client({ connection, namespace: cfg.namespace, dataConverter: cfg.temporal.dataConverter, interceptors: clientInterceptors(svc.tracing) });
  const ingestor = new Ingestor({ ...svc, client });
  log.info({ payloadEncryption: cfg.temporal.encryption }, `payload encryption: ${cfg.temporal.encryption}`);
  registerStreamGauges(() => ingestor.streamState());
  await serveMetrics(cfg.metricsPort, cfg.metricsHost, () => ingestor.running);
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.once(sig, () => {
      log.info({ signal: sig }, 'stopping: no new reads, finishing in-flight starts');
      ingestor.stop();
    });
  }
  await ingestor.run();
  await connection.close();
  await svc.close();
  log.info(ingestor.stats, 'ingest stopped');
}

main().catch((e) => exitOnStartupError('ingest', e));
