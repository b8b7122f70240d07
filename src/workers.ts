// The worker side of a process, on one NativeConnection: the deliverAlert worker, one worker per
// rate-limited channel's task queue, and the reconciler. Used by the worker process (src/worker.ts) and
// by the combined process (src/combined.ts, worker + ingest sharing the connection for eager starts).
import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { DefaultLogger, Runtime, Worker, type LogLevel, type NativeConnection } from '@temporalio/worker';
import { createActivities } from './activities';
import { onCallLookup } from './oncall/lookup';
import { OverrideStore } from './oncall/overrides';
import type { GroupDeps } from './activities/groups';
import { SA_GROUP } from './contracts/search-attributes';
import type { Logger } from './logger';
import { Reconciler } from './reconciler';
import type { Service } from './service';
import { clientInterceptors, withWorkerTracing } from './tracing/temporal';
import { installWorkflowWatchdog } from './workflow-runtime/watchdog';

/** Routes the SDK's own log lines to our logger; exposes Temporal's worker metrics (TEMPORAL_METRICS_PORT, default METRICS_PORT+10). */
export function installRuntime(cfg: Service['cfg'], log: Logger): number {
  const port = cfg.temporalMetricsPort;
  Runtime.install({
    logger: new DefaultLogger(cfg.logLevel === 'debug' ? 'DEBUG' : 'INFO', (e) => log[e.level.toLowerCase() as Lowercase<LogLevel>]({ ...e.meta }, e.message)),
    ...(port ? { telemetryOptions: { metrics: { prometheus: { bindAddress: `${cfg.metricsHost}:${port}` } } } } : {}),
  });
  return port;
}

export interface Workers {
  /** Runs until SIGINT/SIGTERM (the SDK installs the handlers) and a graceful drain. */
  run(): Promise<void>;
  ready(): boolean;
}

/**
 * @param options.workflowTaskSlots maxConcurrentWorkflowTaskExecutions (default: the SDK's, 40). The combined
 *   process raises it: an eager start is only handed to a worker with a free slot, and the pollers hold some.
 */
export async function createWorkers(svc: Service, connection: NativeConnection, options: { workflowTaskSlots?: number } = {}): Promise<Workers> {
  const { cfg, log } = svc;
  const client = new Client({ connection, namespace: cfg.namespace, dataConverter: cfg.temporal.dataConverter, interceptors: clientInterceptors(svc.tracing) });
  const groups: GroupDeps = {
    client, taskQueue: cfg.taskQueue, memberTimeoutMs: cfg.incidentTimeoutMs,
    ...(cfg.uiUrl ? { listUrlFor: (groupId: string) => `${cfg.uiUrl}/namespaces/${cfg.namespace}/workflows?query=${encodeURIComponent(`${SA_GROUP.name}="${groupId}"`)}` } : {}),
  };
  // Overrides are read from the index the intake writes (cached 2 s): every worker sees a new one within seconds.
  const oncall = svc.oncall && onCallLookup(svc.oncall, new OverrideStore(svc.store.client, OverrideStore.indexFor(cfg.index), svc.oncall));
  const activities = createActivities({ store: svc.store, channels: svc.channels, park: cfg.park, lifecycle: cfg.lifecycle, ackLinks: cfg.ackLinks, groups, silences: svc.silences, ...(oncall ? { oncall } : {}) });
  const bundle = path.join(__dirname, '..', 'workflow-bundle.js');
  if (cfg.workflowWatchdog === 'thread') installWorkflowWatchdog(log, { stackTraces: cfg.workflowStackTraces }); // before the Worker starts its threads
  const worker = await Worker.create(withWorkerTracing(svc.tracing, {
    connection,
    namespace: cfg.namespace,
    dataConverter: cfg.temporal.dataConverter,
    taskQueue: cfg.taskQueue,
    ...(fs.existsSync(bundle) ? { workflowBundle: { codePath: bundle } } : { workflowsPath: require.resolve('./workflows') }),
    activities,
    shutdownGraceTime: '10s',
    ...(options.workflowTaskSlots ? { maxConcurrentWorkflowTaskExecutions: options.workflowTaskSlots } : {}),
  }));
  // A rate-limited channel's notifications run on its own task queue, throttled by the server for all workers.
  const limited = await Promise.all(
    svc.channels.rateLimited().map((rl) =>
      Worker.create(withWorkerTracing(svc.tracing, { connection, namespace: cfg.namespace, dataConverter: cfg.temporal.dataConverter, taskQueue: rl.taskQueue, activities, maxTaskQueueActivitiesPerSecond: rl.perSecond, shutdownGraceTime: '10s' })),
    ),
  );
  log.info({ payloadEncryption: cfg.temporal.encryption }, `payload encryption: ${cfg.temporal.encryption}`);
  // Deliveries terminated from the UI/CLI get their final state recorded here (their workflow cannot).
  const reconciler = new Reconciler({ client, store: svc.store, log, namespace: cfg.namespace, taskQueue: cfg.taskQueue, intervalMs: cfg.reconcileIntervalMs });
  return {
    ready: () => worker.getState() === 'RUNNING',
    async run() {
      reconciler.start();
      try {
        await Promise.all([worker.run(), ...limited.map((w) => w.run())]);
      } finally {
        await reconciler.stop();
      }
    },
  };
}

/** What the worker logs at start: settings, never a secret (ack links: the base and the lifetime only). */
export function workerSettings(svc: Service, temporalMetricsPort: number): Record<string, unknown> {
  const { cfg } = svc;
  return {
    taskQueue: cfg.taskQueue, namespace: cfg.namespace, metricsPort: cfg.metricsPort, temporalMetricsPort, rateLimited: svc.channels.rateLimited(),
    lifecycle: cfg.lifecycle ? 'on' : 'off', workflowWatchdog: cfg.workflowWatchdog, workflowStackTraces: cfg.workflowStackTraces ? 'on' : 'off',
    ackLinks: cfg.ackLinks ? `on (${cfg.ackLinks.base}/ack/…, valid ${Math.round(cfg.ackLinks.ttlMs / 1000)} s after receipt)` : 'off',
  };
}
