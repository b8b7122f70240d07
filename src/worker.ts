// The worker process: runs deliverAlert workflows and their activities (see src/workers.ts).
import { NativeConnection } from '@temporalio/worker';
import { serveMetrics } from './metrics';
import { exitOnStartupError, openService } from './service';
import { createWorkers, installRuntime, workerSettings } from './workers';

async function main(): Promise<void> {
  const svc = await openService('worker');
  const { cfg, log } = svc;
  const temporalMetricsPort = installRuntime(cfg, log);
  const connection = await NativeConnection.connect(cfg.temporal.connection);
  const workers = await createWorkers(svc, connection);
  await serveMetrics(cfg.metricsPort, cfg.metricsHost, () => workers.ready());
  log.info(workerSettings(svc, temporalMetricsPort), 'worker started');
  await workers.run(); // returns after SIGINT/SIGTERM and a graceful drain
  await connection.close();
  await svc.close();
  log.info('worker stopped');
}

main().catch((e) => exitOnStartupError('worker', e));
