// The report on standard output: per server the points, CPU per alert, the floor, scale-out, backlog, the summary;
// then the profiles side by side.
import { table } from '../harness';
import type { ServerSummary, Summary } from './summary';
import type { ServerRun } from './types';

const out = (s: string) => process.stdout.write(s);
const PROCS = ['worker', 'ingest', 'combined', 'baseline', 'server', 'temporal', 'postgres', 'opensearch', 'redis'];

function serverReport(run: ServerRun, s: ServerSummary): void {
  const { points, backlogs } = run;
  out(`\n==== server profile: ${run.profile} (${Object.values(run.versions).join(', ')}) ====\n`);
  const procs = PROCS.filter((k) => points.some((r) => r.cpuMsPerAlert[k] !== undefined));
  const cpu = (r: { cpuPct: Record<string, number> }, k: string) => (r.cpuPct[k] === undefined ? '-' : `${Math.round(r.cpuPct[k])}`);
  if (points.length) {
    out('\nEnd to end (XADD → first 2xx at the receiver); CPU in % of one core over the point (server = temporal + PostgreSQL)\n');
    out(table(
      ['path', 'offered/s', 'published/s', 'alerts/s', 'steady/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'POSTs', ...procs, 'bench', 'machine %'],
      points.map((r) => [
        r.path, r.offered ?? 'max', r.publishedPerSec, r.throughput + (r.timedOut ? ' (timeout)' : ''), r.steadyThroughput, r.latencyMs.p50, r.latencyMs.p95, r.latencyMs.p99, r.latencyMs.max,
        r.posts, ...procs.map((k) => cpu(r, k)), cpu(r, 'bench'), r.machineCpuPct,
      ]),
    ) + '\n');
    out('\nCPU ms per delivered alert over the point\n');
    out(table(['path', 'offered/s', 'round', 'alerts', ...procs], points.map((r) => [r.path, r.offered ?? 'max', r.round, r.delivered, ...procs.map((k) => r.cpuMsPerAlert[k] ?? '-')])) + '\n');
    if (points.some((r) => r.latencyOf === 'notification')) {
      out('temporal-grouped: POSTs are group notifications (alerts = the sum of their group.counts.new); its latency is per notification:\n' +
        '  arrival − the publish time of the earliest new alert it lists, i.e. group_wait / group_interval plus the queue, not comparable per alert\n');
    }
  }
  if (s.pathsAtMax.length) {
    out('\nPaths at max (mean over rounds; CPU ms per alert)\n');
    out(table(
      ['path', 'points', 'alerts/s', 'each', 'steady/s', 'p50 ms', 'p99 ms', ...procs],
      s.pathsAtMax.map((x) => [x.path, x.points, x.alertsPerSec, x.alertsPerSecEach.join(' / '), x.steadyPerSec, x.p50Ms, x.p99Ms, ...procs.map((k) => x.cpuMsPerAlert[k] ?? '-')]),
    ) + '\n');
  }
  if (run.floors.length) {
    out('\nEngine floor: empty workflows, eager start from the worker\'s own client (CPU ms per workflow)\n');
    out(table(
      ['round', 'workflows', 'in flight', 'eager', 'per s', 'seconds', 'server', 'temporal', 'postgres', 'floor proc', 'server idle %', 'machine %'],
      run.floors.map((f) => [f.round, f.workflows, f.concurrency, `${f.eagerlyStarted}/${f.workflows}`, f.perSec, f.seconds, f.cpuMsPerWorkflow.server, f.cpuMsPerWorkflow.temporal, f.cpuMsPerWorkflow.postgres, f.cpuMsPerWorkflow.floor, f.serverIdleCpuPct, f.machineCpuPct]),
    ) + '\n');
  }
  if (run.scale.length) {
    out(`\nScale-out (${run.scale[0].path}; N of each process on one stream and group, at max)\n`);
    out(table(
      ['N', 'round', 'alerts', 'delivered', 'alerts/s', 'steady/s', 'p99 ms', 'duplicates', 'max running', 'limit', 'server ms/alert'],
      run.scale.map((x) => [x.processes, x.round, x.alerts, x.delivered, x.throughput + (x.timedOut ? ' (timeout)' : ''), x.steadyThroughput, x.latencyMs.p99, x.duplicates, x.maxRunning, x.maxInFlight, x.cpuMsPerAlert.server]),
    ) + '\n');
  }
  if (s.lifecycleCost) {
    const c = s.lifecycleCost;
    const sign = (v: number) => `${v >= 0 ? '+' : ''}${v}`;
    out(`\nLifecycle cost (temporal − temporal-nolifecycle, at max): alerts/s ×${c.alertsPerSecOnOverOff}, p50 ${sign(c.p50MsDelta)} ms, p99 ${sign(c.p99MsDelta)} ms; CPU ms/alert ${Object.entries(c.cpuMsPerAlertDelta).map(([k, v]) => `${k} ${sign(v)}`).join(', ')}\n`);
  }
  if (s.groupingCost) {
    const g = s.groupingCost;
    const sign = (v: number | null) => (v === null ? '-' : `${v >= 0 ? '+' : ''}${v}`);
    out(`\nGrouping cost (temporal-grouped − temporal-combined, at max): alerts/s ${g.alertsPerSec.grouped} vs ${g.alertsPerSec.combined} (×${g.alertsPerSecGroupedOverCombined ?? '-'}); ` +
      `CPU ms/alert ${Object.entries(g.cpuMsPerAlertDelta).map(([k, v]) => `${k} ${sign(v)}`).join(', ')}; all processes ${g.totalCpuMsPerAlert.grouped} vs ${g.totalCpuMsPerAlert.combined} (${sign(g.totalCpuMsPerAlert.delta)}); ` +
      `${g.notificationsPerPoint ?? '-'} notifications per point, ${g.alertsPerNotification ?? '-'} alerts each\n`);
  }
  for (const [what, c] of Object.entries(s.privacyCost ?? {})) {
    if (!c) continue;
    const sign = (v: number) => `${v >= 0 ? '+' : ''}${v}`;
    out(`\n${what === 'encryption' ? 'Payload encryption' : 'Tracing'} cost (temporal-${what === 'encryption' ? 'encrypted' : 'traced'} − temporal-combined, at max): ` +
      `alerts/s ${c.alertsPerSec.on} vs ${c.alertsPerSec.off} (×${c.alertsPerSecOnOverOff ?? '-'}); CPU ms/alert ${Object.entries(c.cpuMsPerAlertDelta).map(([k, v]) => `${k} ${sign(v)}`).join(', ')}\n`);
  }
  if (backlogs.length) {
    out('\nBacklog drain (alerts queued before the service starts)\n');
    out(table(
      ['path', 'alerts', 'drain s', 'alerts/s', 'proc', 'start MiB', 'Q2 mean', 'Q4 mean', 'peak MiB', 'cpu %'],
      backlogs.flatMap((b) =>
        Object.entries(b.memory).map(([k, m], i) => [
          i === 0 ? b.path : '', i === 0 ? b.alerts : '', i === 0 ? b.drainSeconds + (b.timedOut ? ' (timeout)' : '') : '', i === 0 ? b.throughput : '',
          k, m.startRssMiB, m.q2MeanMiB, m.q4MeanMiB, m.peakRssMiB, Math.round(b.cpuPct[k] ?? 0),
        ]),
      ),
    ) + '\n');
  }
  out(`\nSummary (${run.profile})\n`);
  out(table(['figure', 'value'], [
    ['summary path (delivered alerts)', s.summaryPath],
    ['engine floor: eager empty workflows/s', s.floorPerSec === null ? null : `${s.floorPerSec} (${s.floorEagerlyStarted} of ${s.floorWorkflows} eagerly started)`],
    ['delivered alerts/s at max', s.alertsPerSec],
    ['engineFloorRatio (alerts/s / floor/s)', s.engineFloorRatio],
    ['server CPU ms per alert / per empty workflow', `${s.serverCpuMsPerAlert ?? '-'} / ${s.serverCpuMsPerWorkflow ?? '-'} (serverCpuRatio ${s.serverCpuRatio ?? '-'})`],
    [`worker CPU ms per alert (${s.workerCpuProcess})`, s.workerCpuMsPerAlert],
    ['all processes, CPU ms per alert / per empty workflow', `${s.allCpuMsPerAlert ?? '-'} / ${s.allCpuMsPerWorkflow ?? '-'} (allCpuRatio ${s.allCpuRatio ?? '-'})`],
    ['Temporal max alerts/s / baseline', `${s.temporalMaxThroughput} / ${s.baselineMaxThroughput} (ratio ${s.ratioTemporalToBaseline ?? '-'})`],
    ['sustained rate (>= 95% of offered)', s.temporalSustainedRate],
    ['half-max point', s.halfMax ? `${s.halfMax.offered}/s → p99 ${s.halfMax.p99Ms} ms` : null],
    ['scale-out alerts/s', s.scale ? s.scale.byProcesses.map((b) => `${b.processes}: ${b.alertsPerSec}`).join(', ') + (s.scale.speedup ? ` (×${s.scale.speedup})` : '') : null],
    ['alerts not delivered', s.lostAlerts],
    ...Object.entries(s.targets).map(([k, v]) => [`target: ${k}`, v === null ? 'n/a' : v ? 'met' : 'NOT met']),
  ]) + '\n');
}

export function printReport(runs: ServerRun[], summary: Summary): void {
  for (const run of runs) serverReport(run, summary.servers[run.profile]);
  const c = summary.comparison;
  if (c) {
    out('\nServer profiles side by side (server = temporal + PostgreSQL; CPU ms per delivered alert / per empty workflow)\n');
    out(table(
      ['server', 'floor/s', 'alerts/s', 'server ms/alert', 'temporal', 'postgres', 'server ms/empty wf'],
      c.byServer.map((r) => [r.server, r.floorPerSec, r.alertsPerSec, r.serverCpuMsPerAlert, r.temporalCpuMsPerAlert, r.postgresCpuMsPerAlert, r.serverCpuMsPerWorkflow]),
    ) + '\n');
    out(`${c.why}\n`);
  }
}
