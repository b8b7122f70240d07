// The worker process: runs deliverAlert workflows and their activities.
import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, type LogLevel } from '@temporalio/worker';
import { createActivities } from './activities';
import { serveMetrics } from './metrics';
import { Reconciler } from './reconciler';
import { exitOnStartupError, openService } from './service';

async function main(): Promise<void> {
  const svc = await openService('worker');
  const { cfg, log } = svc;
  const temporalMetricsPort = Number(process.env.TEMPORAL_METRICS_PORT ?? (cfg.metricsPort ? cfg.metricsPort + 10 : 0));
  Runtime.install({
    logger: new DefaultLogger(cfg.logLevel === 'debug' ? 'DEBUG' : 'INFO', (e) => log[e.level.toLowerCase() as Lowercase<LogLevel>]({ ...e.meta }, e.message)),
    // Temporal's own worker metrics (task latencies, slots, polls) next to ours.
    ...(temporalMetricsPort ? { telemetryOptions: { metrics: { prometheus: { bindAddress: `${process.env.METRICS_HOST ?? '127.0.0.1'}:${temporalMetricsPort}` } } } } : {}),
  });
  const connection = await NativeConnection.connect(cfg.temporal.connection);
  const activities = createActivities({ redis: svc.redis, store: svc.store, channels: svc.channels, park: cfg.park, lifecycle: cfg.lifecycle, ackLinks: cfg.ackLinks });
  const bundle = path.join(__dirname, '..', 'workflow-bundle.js');
  const worker = await Worker.create({
    connection,
    namespace: cfg.namespace,
    taskQueue: cfg.taskQueue,
    ...(fs.existsSync(bundle) ? { workflowBundle: { codePath: bundle } } : { workflowsPath: require.resolve('./workflows') }),
    activities,
    shutdownGraceTime: '10s',
  });
  // A rate-limited channel's notifications run on its own task queue, throttled by the server for all workers.
  const limited = await Promise.all(
    svc.channels.rateLimited().map((rl) =>
      Worker.create({ connection, namespace: cfg.namespace, taskQueue: rl.taskQueue, activities, maxTaskQueueActivitiesPerSecond: rl.perSecond, shutdownGraceTime: '10s' }),
    ),
  );
  // Deliveries terminated from the UI/CLI get their final state recorded here (their workflow cannot).
  const reconciler = new Reconciler({ client: new Client({ connection, namespace: cfg.namespace }), store: svc.store, log, namespace: cfg.namespace, taskQueue: cfg.taskQueue, intervalMs: cfg.reconcileIntervalMs });
  reconciler.start();
  await serveMetrics(cfg.metricsPort, () => worker.getState() === 'RUNNING');
  log.info({
    taskQueue: cfg.taskQueue, namespace: cfg.namespace, metricsPort: cfg.metricsPort, temporalMetricsPort, rateLimited: svc.channels.rateLimited(),
    lifecycle: cfg.lifecycle ? 'on' : 'off',
    // the base and the lifetime only, never the secret
    ackLinks: cfg.ackLinks ? `on (${cfg.ackLinks.base}/ack/…, valid ${Math.round(cfg.ackLinks.ttlMs / 1000)} s after receipt)` : 'off',
  }, 'worker started');
  // Returns after SIGINT/SIGTERM (the SDK installs the handlers) and a graceful drain.
  await Promise.all([worker.run(), ...limited.map((w) => w.run())]);
  await reconciler.stop();
  await connection.close();
  await svc.close();
  log.info('worker stopped');
}

main().catch((e) => exitOnStartupError('worker', e));
