// The combined process (a deployment mode): the worker and the ingest in one process, on one NativeConnection.
// The ingest then starts each workflow with eager start: the server hands the first workflow task back in the
// start's response, to this process's worker, so a delivered alert costs one round trip less (no poll) and
// its first task never waits in the task queue. Separate worker and ingest processes stay the default.
import { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { Ingestor } from './ingestor';
import { registerStreamGauges, serveMetrics } from './metrics';
import { exitOnStartupError, openService } from './service';
import { clientInterceptors } from './tracing/temporal';
import { createWorkers, installRuntime, workerSettings } from './workers';

async function main(): Promise<void> {
  const svc = await openService('combined');
  const { cfg, log } = svc;
  const temporalMetricsPort = installRuntime(cfg, log);
  const connection = await NativeConnection.connect(cfg.temporal.connection);
  // Room for every start in flight to come back eager, beside the slots the pollers hold (measured: 40 slots → 2 in 3 eager).
  const workers = await createWorkers(svc, connection, { workflowTaskSlots: Math.max(100, 4 * cfg.ingest.concurrency) });
  const ingestor = new Ingestor({ ...svc, client: new Client({ connection, namespace: cfg.namespace, dataConverter: cfg.temporal.dataConverter, interceptors: clientInterceptors(svc.tracing) }), eagerStart: true });
  registerStreamGauges(() => ingestor.streamState());
  await serveMetrics(cfg.metricsPort, cfg.metricsHost, () => workers.ready() && ingestor.running);
  // The SDK's signal handlers drain the worker; the ingest stops reading (its in-flight starts finish) first.
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => ingestor.stop());
  log.info({ ...workerSettings(svc, temporalMetricsPort), stream: cfg.stream, group: cfg.group, consumer: cfg.consumer, eagerStart: true }, 'combined worker and ingest started');
  await Promise.all([workers.run(), ingestor.run()]);
  await connection.close();
  await svc.close();
  log.info(ingestor.stats, 'combined worker and ingest stopped');
}

main().catch((e) => exitOnStartupError('combined', e));
