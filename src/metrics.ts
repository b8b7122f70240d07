// Prometheus metrics and health endpoints for both processes (METRICS_PORT; 0 = off).
//   GET /metrics   this process's metrics (prom-client, incl. Node process metrics)
//   GET /healthz   200 while the process runs
//   GET /readyz    200 once start-up checks passed and the main loop runs, else 503
// The worker also exports Temporal's own worker metrics on TEMPORAL_METRICS_PORT (see worker.ts).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry });

/** One notify attempt: outcome delivered | transient (will be retried) | permanent. */
export const channelAttempts = new Counter({
  name: 'alert_channel_attempts_total', help: 'Notification attempts per channel and outcome', labelNames: ['channel', 'outcome'], registers: [registry],
});
export const channelLatency = new Histogram({
  name: 'alert_channel_request_seconds', help: 'Duration of one notification call', labelNames: ['channel', 'outcome'],
  buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [registry],
});
/** Per channel, the result recorded at the end of each round: delivered | failed. */
export const channelResults = new Counter({
  name: 'alert_channel_results_total', help: 'Per-round channel results (delivered or failed after retries)', labelNames: ['channel', 'status'], registers: [registry],
});
export const deliveriesRecorded = new Counter({
  name: 'alert_deliveries_recorded_total', help: 'Delivery outcomes recorded, by status', labelNames: ['status'], registers: [registry],
});
/** Writes OpenSearch refused for good (operation create | update | reject | conflict): each ends its delivery visibly. */
export const storeRefused = new Counter({
  name: 'alert_store_refused_total', help: 'Store writes refused permanently (the delivery ends as rejected or failed)', labelNames: ['operation'], registers: [registry],
});
/** Ingest: started | duplicate | rejected | dead-lettered. */
export const ingestEntries = new Counter({
  name: 'alert_ingest_entries_total', help: 'Stream entries handled by the ingest, by result', labelNames: ['result'], registers: [registry],
});
/** Starts the server answered with the first workflow task (eager start: the combined process only). */
export const ingestEagerStarts = new Counter({
  name: 'alert_ingest_eager_starts_total', help: 'Workflow starts that came back with their first workflow task (eager start, combined process)', registers: [registry],
});
export const ingestReclaimed = new Counter({
  name: 'alert_ingest_reclaimed_total', help: 'Entries reclaimed from idle consumers (XAUTOCLAIM)', registers: [registry],
});

export const ingestInFlight = new Gauge({
  name: 'alert_ingest_in_flight', help: 'Deliveries in flight on the task queue at the last backpressure check (INGEST_MAX_IN_FLIGHT)', registers: [registry],
});
export const ingestReadAhead = new Gauge({
  name: 'alert_ingest_read_ahead', help: 'Stream entries read and held by this ingest, not started yet (INGEST_READ_AHEAD)', registers: [registry],
});
export const ingestThrottled = new Counter({
  name: 'alert_ingest_throttled_seconds_total', help: 'Seconds the ingest waited because INGEST_MAX_IN_FLIGHT deliveries were in flight', registers: [registry],
});

/** Stream gauges read from Redis at scrape time (ingest only). */
export function registerStreamGauges(read: () => Promise<{ pending: number; lag: number }>): void {
  let last = { pending: 0, lag: 0 };
  const refresh = async () => {
    last = await read().catch(() => last);
  };
  new Gauge({ name: 'alert_ingest_pending', help: 'Entries read but not yet acked (XPENDING)', registers: [registry], collect: async function () { await refresh(); this.set(last.pending); } });
  new Gauge({ name: 'alert_ingest_lag', help: 'Entries in the stream not yet read by the group (XINFO GROUPS lag)', registers: [registry], collect: function () { this.set(last.lag); } });
}

/** /metrics, /healthz and /readyz on host:port (METRICS_HOST, METRICS_PORT); port 0: none. */
export function serveMetrics(port: number, host: string, ready: () => boolean): Promise<http.Server | undefined> {
  if (!port) return Promise.resolve(undefined);
  const server = http.createServer((req, res) => {
    if (req.url === '/metrics') {
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (e: Error) => res.writeHead(500).end(e.message),
      );
    } else if (req.url === '/healthz') res.writeHead(200).end('ok\n');
    else if (req.url === '/readyz') res.writeHead(ready() ? 200 : 503).end(ready() ? 'ready\n' : 'not ready\n');
    else res.writeHead(404).end();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.unref();
      resolve(server);
    });
  });
}

export function boundPort(server: http.Server | undefined): number | undefined {
  return (server?.address() as AddressInfo | null)?.port;
}

/** Group notifications sent (storm control), by route and outcome: delivered | failed. */
export const groupNotifications = new Counter({
  name: 'alert_group_notifications_total', help: 'Group notifications (one per group per interval), by route and outcome', labelNames: ['route', 'outcome'], registers: [registry],
});

/** Silences created and expired (storm control), by action: add | expire. Counted by the process that made the change (the intake; alertctl has no metrics). */
export const silencesChanged = new Counter({
  name: 'alert_silences_changed_total', help: 'Silences created or expired, by action', labelNames: ['action'], registers: [registry],
});

/** The on-call file in force (ONCALL_FILE): 1 for its version (a content hash), no series for the versions before. */
export const oncallFileVersion = new Gauge({
  name: 'alert_oncall_file_info', help: 'The on-call file in force: 1 for its version (sha256 of its text and its iCal files, 12 hex digits)', labelNames: ['version'], registers: [registry],
});

/** Reloads of the on-call file, by result: applied (a new version) | unchanged | refused (invalid: the old one stays). */
export const oncallFileReloads = new Counter({
  name: 'alert_oncall_file_reloads_total', help: 'Reloads of the on-call file (file change, SIGHUP, daily refresh), by result', labelNames: ['result'], registers: [registry],
});
