// The summary: per server profile the headline figures and the targets, and the profiles side by side.
import { round } from '../harness';
import { groupingCost } from './grouping';
import { allProcessesCpuMs } from './total-cpu';
import { privacyCost } from './privacy';
import { isTemporal, primaryPath, type PathName } from './paths';
import type { BacklogResult, FloorResult, PointResult, ScaleResult, ServerRun } from './types';

const mean = (xs: number[]) => {
  const ok = xs.filter(Number.isFinite);
  return ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : NaN;
};
/** A ratio, or null when either side is missing (JSON has no NaN). */
const ratio = (a: number | null | undefined, b: number | null | undefined, digits = 2): number | null =>
  a !== null && a !== undefined && b && Number.isFinite(a) && Number.isFinite(b) ? round(a / b, digits) : null;
const num = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** Per path: the mean of its points at max (rounds) — throughput, latency percentiles, CPU ms per alert per process. */
export function comparePaths(points: PointResult[]) {
  return [...new Set(points.map((x) => x.path))].map((path) => {
    const ps = points.filter((x) => x.path === path);
    const procs = [...new Set(ps.flatMap((x) => Object.keys(x.cpuMsPerAlert)))].filter((k) => k !== 'bench');
    return {
      path,
      points: ps.length,
      alerts: ps.reduce((a, x) => a + x.delivered, 0),
      alertsPerSec: round(mean(ps.map((x) => x.throughput)), 1),
      /** each round's alerts/s, to see the spread */
      alertsPerSecEach: ps.map((x) => x.throughput),
      steadyPerSec: round(mean(ps.map((x) => x.steadyThroughput)), 1),
      p50Ms: round(mean(ps.map((x) => x.latencyMs.p50)), 1),
      p99Ms: round(mean(ps.map((x) => x.latencyMs.p99)), 1),
      /** temporal-grouped: p50/p99 are per group notification (its arrival − its earliest listed alert's publish time) */
      ...(ps.some((x) => x.latencyOf === 'notification') ? { latencyOf: 'notification' as const } : {}),
      cpuMsPerAlert: Object.fromEntries(procs.map((k) => [k, round(mean(ps.map((x) => x.cpuMsPerAlert[k])), 2)])),
      cpuMsPerAlertEach: Object.fromEntries(procs.map((k) => [k, ps.map((x) => x.cpuMsPerAlert[k])])),
    };
  });
}

/** The floor's rounds: mean completions/s and CPU ms per empty workflow. */
export function floorSummary(floors: FloorResult[]) {
  if (!floors.length) return null;
  const procs = [...new Set(floors.flatMap((f) => Object.keys(f.cpuMsPerWorkflow)))].filter((k) => k !== 'bench');
  return {
    rounds: floors.length,
    perSec: round(mean(floors.map((f) => f.perSec)), 1),
    perSecEach: floors.map((f) => f.perSec),
    workflows: floors.reduce((a, f) => a + f.workflows, 0),
    eagerlyStarted: floors.reduce((a, f) => a + f.eagerlyStarted, 0),
    concurrency: floors[0].concurrency,
    cpuMsPerWorkflow: Object.fromEntries(procs.map((k) => [k, round(mean(floors.map((f) => f.cpuMsPerWorkflow[k])), 2)])),
    serverIdleCpuPct: round(mean(floors.map((f) => f.serverIdleCpuPct)), 1),
  };
}

export function scaleSummary(scale: ScaleResult[]) {
  if (!scale.length) return null;
  const by = [...new Set(scale.map((s) => s.processes))].sort((a, b) => a - b).map((processes) => {
    const xs = scale.filter((s) => s.processes === processes);
    return {
      processes,
      alertsPerSec: round(mean(xs.map((s) => s.throughput)), 1),
      alerts: xs.reduce((a, s) => a + s.alerts, 0),
      delivered: xs.reduce((a, s) => a + s.delivered, 0),
      duplicates: xs.reduce((a, s) => a + s.duplicates, 0),
      maxRunning: Math.max(...xs.map((s) => s.maxRunning)),
      maxInFlight: xs[0].maxInFlight,
      /** what each ingest's own limit guarantees: N × INGEST_MAX_IN_FLIGHT (each ingest counts the running ones itself) */
      perIngestBound: processes * xs[0].maxInFlight,
      serverCpuMsPerAlert: num(round(mean(xs.map((s) => s.cpuMsPerAlert.server)), 2)),
    };
  });
  const one = by.find((b) => b.processes === 1);
  const top = by[by.length - 1];
  return { path: scale[0].path, byProcesses: by, speedup: one && top !== one ? ratio(top.alertsPerSec, one.alertsPerSec) : null };
}

function backlogSummary(b: BacklogResult | undefined) {
  if (!b) return null;
  const svc = Object.entries(b.memory).filter(([k]) => ['worker', 'ingest', 'combined'].includes(k));
  return {
    path: b.path, alerts: b.alerts, drainSeconds: b.drainSeconds, throughput: b.throughput, timedOut: b.timedOut,
    peakRssMiB: Object.fromEntries(Object.entries(b.memory).map(([k, v]) => [k, v.peakRssMiB])),
    /** the service's processes: last-quarter mean within 20 % of the second-quarter mean */
    memoryFlat: svc.length ? svc.every(([, m]) => m.q4MeanMiB <= m.q2MeanMiB * 1.2) : null,
  };
}

/** Everything the result says about one server profile. */
export function summarizeServer(run: ServerRun) {
  const { points, backlogs } = run;
  const temporalPaths = [...new Set(points.map((x) => x.path))].filter(isTemporal);
  const primary = primaryPath(temporalPaths);
  const best = (p: PathName | undefined) => Math.max(0, ...points.filter((x) => x.path === p).map((x) => x.throughput));
  const temporalMax = best(primary);
  const baselineMax = best('baseline');
  const half = points.find((x) => x.label.startsWith('half-max'));
  const sustained = points.filter((x) => x.path === primary && !x.timedOut && x.delivered === x.alerts && x.offered !== null && x.throughput >= 0.95 * x.offered);
  const atMax = comparePaths(points.filter((x) => x.offered === null && !x.timedOut));
  const on = atMax.find((x) => x.path === 'temporal');
  const off = atMax.find((x) => x.path === 'temporal-nolifecycle');
  const main = atMax.find((x) => x.path === primary);
  const floor = floorSummary(run.floors);
  const scale = scaleSummary(run.scale);
  const backlog = backlogSummary(backlogs.find((b) => b.path === primary) ?? backlogs.find((b) => isTemporal(b.path)));
  const workerProc = primary === 'temporal-combined' ? 'combined' : 'worker';
  const lost = points.reduce((a, x) => a + (x.alerts - x.delivered), 0) + run.scale.reduce((a, s) => a + (s.alerts - s.delivered), 0);
  const figures = {
    /** the delivered-alert path of the headline figures (the combined process when it ran) */
    summaryPath: primary ?? null,
    floorPerSec: floor?.perSec ?? null,
    floorEagerlyStarted: floor?.eagerlyStarted ?? null,
    floorWorkflows: floor?.workflows ?? null,
    /** delivered alerts/s of the summary path at max (mean over rounds) */
    alertsPerSec: main?.alertsPerSec ?? null,
    /** alertsPerSec / floorPerSec, same run, same server (target >= 0.9) */
    engineFloorRatio: ratio(main?.alertsPerSec, floor?.perSec),
    engineFloorRatioByPath: Object.fromEntries(atMax.filter((x) => isTemporal(x.path)).map((x) => [x.path, ratio(x.alertsPerSec, floor?.perSec)])),
    /** server = the Temporal process (+ its PostgreSQL process tree on the real server profile) */
    serverCpuMsPerAlert: num(main?.cpuMsPerAlert.server ?? NaN),
    serverCpuMsPerWorkflow: num(floor?.cpuMsPerWorkflow.server ?? NaN),
    /** server CPU per delivered alert / per empty workflow (target <= 1.1) */
    serverCpuRatio: ratio(main?.cpuMsPerAlert.server, floor?.cpuMsPerWorkflow.server),
    serverCpuRatioByPath: Object.fromEntries(atMax.filter((x) => isTemporal(x.path)).map((x) => [x.path, ratio(x.cpuMsPerAlert.server, floor?.cpuMsPerWorkflow.server)])),
    /**
     * Every process's CPU per delivered alert (server, OpenSearch, Redis, worker and ingest) and per empty workflow
     * (server, the floor process, OpenSearch and Redis idling), same run, same server; their ratio (target <= 2)
     */
    allCpuMsPerAlert: allProcessesCpuMs(main?.cpuMsPerAlert),
    allCpuMsPerWorkflow: allProcessesCpuMs(floor?.cpuMsPerWorkflow),
    allCpuRatio: ratio(allProcessesCpuMs(main?.cpuMsPerAlert), allProcessesCpuMs(floor?.cpuMsPerWorkflow)),
    /** the worker process's CPU ms per delivered alert (combined path: the whole process, ingest included; target <= 5) */
    workerCpuMsPerAlert: num(main?.cpuMsPerAlert[workerProc] ?? NaN),
    workerCpuProcess: workerProc,
    floorProcessCpuMsPerWorkflow: num(floor?.cpuMsPerWorkflow.floor ?? NaN),
    p99HalfMaxMs: half ? half.latencyMs.p99 : null,
    lostAlerts: lost,
    ratioTemporalToBaseline: ratio(temporalMax, baselineMax),
  };
  return {
    server: run.profile,
    ...figures,
    floor,
    /** per path at `max` (unbounded offer), means over the rounds (--repeat) */
    pathsAtMax: atMax,
    /**
     * What the incident lifecycle adds per alert: temporal (on) − temporal-nolifecycle (off), at max, same run.
     * CPU in ms per delivered alert; alerts/s as the ratio on/off.
     */
    lifecycleCost: on && off ? {
      alertsPerSecOnOverOff: ratio(on.alertsPerSec, off.alertsPerSec, 3),
      steadyPerSecOnOverOff: ratio(on.steadyPerSec, off.steadyPerSec, 3),
      p50MsDelta: round(on.p50Ms - off.p50Ms, 1),
      p99MsDelta: round(on.p99Ms - off.p99Ms, 1),
      cpuMsPerAlertDelta: Object.fromEntries(Object.keys(on.cpuMsPerAlert).filter((k) => k in off.cpuMsPerAlert).map((k) => [k, round(on.cpuMsPerAlert[k] - off.cpuMsPerAlert[k], 2)])),
    } : null,
    /** What grouping adds per alert: temporal-grouped − temporal-combined at max, same run (grouping.ts) */
    groupingCost: groupingCost(atMax, points),
    /** What payload encryption and tracing each add per alert: temporal-encrypted / temporal-traced − temporal-combined (privacy.ts) */
    privacyCost: privacyCost(atMax),
    temporalMaxThroughput: temporalMax,
    baselineMaxThroughput: baselineMax,
    perRateRatio: Object.fromEntries(
      [...new Set(points.map((x) => x.label))].flatMap((l) => {
        const t = points.find((x) => x.label === l && x.path === primary);
        const b = points.find((x) => x.label === l && x.path === 'baseline');
        return t && b && b.throughput ? [[l, round(t.throughput / b.throughput, 2)]] : [];
      }),
    ),
    /** the highest offered rate the summary path kept up with (throughput ≥ 95 % of offered, nothing lost) */
    temporalSustainedRate: sustained.length ? Math.max(...sustained.map((x) => x.offered!)) : null,
    halfMax: half ? { path: half.path, offered: half.offered, throughput: half.throughput, p99Ms: half.latencyMs.p99 } : null,
    lostInPoints: points.reduce((a, x) => a + (x.alerts - x.delivered), 0),
    backlog,
    /** a critical published behind a backlog of lower-severity alerts: seconds to the receiver, beside the drain */
    criticalBehindBacklog: run.priority[0] ? { alerts: run.priority[0].alerts, behind: run.priority[0].behind, seconds: run.priority[0].criticalSeconds, deliveredBefore: run.priority[0].deliveredBeforeCritical, drainSeconds: run.priority[0].drainSeconds } : null,
    scale,
    targets: {
      'CPU of all processes per delivered alert <= 2x per empty workflow (allCpuRatio)': figures.allCpuRatio === null ? null : figures.allCpuRatio <= 2,
      'server CPU per delivered alert <= 1.1x per empty workflow (serverCpuRatio)': figures.serverCpuRatio === null ? null : figures.serverCpuRatio <= 1.1,
      'worker CPU <= 5 ms per delivered alert': figures.workerCpuMsPerAlert === null ? null : figures.workerCpuMsPerAlert <= 5,
      'p99 < 1 s at half the maximum rate': half ? half.latencyMs.p99 < 1000 : null,
      'flat memory on the backlog (last-quarter mean within 20% of second-quarter mean)': backlog?.memoryFlat ?? null,
      'a critical behind a backlog of 10,000 notified within 10 s': run.priority[0] && run.priority[0].alerts >= 10_000 ? (run.priority[0].criticalSeconds ?? Infinity) <= 10 : null,
      'zero loss': lost === 0 && !backlogs.some((b) => b.timedOut) && !run.priority.some((x) => x.timedOut),
      'scale-out: every alert delivered once': scale ? scale.byProcesses.every((b) => b.delivered === b.alerts && b.duplicates === 0) : null,
      'scale-out: running workflows <= INGEST_MAX_IN_FLIGHT across ingests': scale ? scale.byProcesses.every((b) => b.maxRunning <= b.maxInFlight) : null,
      'sustained >= 300/s with zero loss': sustained.some((x) => x.offered! >= 300),
      'temporal >= 0.5x baseline': baselineMax ? temporalMax / baselineMax >= 0.5 : null,
    } as Record<string, boolean | null>,
  };
}

export type ServerSummary = ReturnType<typeof summarizeServer>;

/** The profiles side by side, and which one is cheaper on one machine (server CPU per delivered alert). */
export function compareServers(sums: ServerSummary[]) {
  if (sums.length < 2) return null;
  const rows = sums.map((s) => ({
    server: s.server,
    floorPerSec: s.floorPerSec,
    alertsPerSec: s.alertsPerSec,
    serverCpuMsPerAlert: s.serverCpuMsPerAlert,
    serverCpuMsPerWorkflow: s.serverCpuMsPerWorkflow,
    temporalCpuMsPerAlert: num(s.pathsAtMax.find((x) => x.path === s.summaryPath)?.cpuMsPerAlert.temporal ?? NaN),
    postgresCpuMsPerAlert: num(s.pathsAtMax.find((x) => x.path === s.summaryPath)?.cpuMsPerAlert.postgres ?? NaN),
  }));
  const cost = (r: (typeof rows)[number]) => r.serverCpuMsPerAlert ?? r.serverCpuMsPerWorkflow ?? Infinity;
  const sorted = [...rows].sort((a, b) => cost(a) - cost(b));
  const [cheap, dear] = sorted;
  const known = Number.isFinite(cost(cheap)) && Number.isFinite(cost(dear));
  const per = cheap.serverCpuMsPerAlert !== null && dear.serverCpuMsPerAlert !== null ? 'per delivered alert' : 'per empty workflow';
  const name = (s: string) => (s === 'dev' ? 'the dev server (one process, SQLite)' : 'the real server (temporal + PostgreSQL)');
  const why = !known ? 'not measured on both profiles' : [
    `${name(cheap.server).replace(/^t/, 'T')} is cheaper on this machine: ${cost(cheap)} vs ${cost(dear)} ms of server CPU ${per}`,
    `(${rows.map((r) => `${r.server}: floor ${r.floorPerSec ?? '-'}/s, alerts ${r.alertsPerSec ?? '-'}/s`).join('; ')}).`,
    cheap.server === 'dev'
      ? 'On one machine the real server only adds work: every state transition crosses from its history service to PostgreSQL (a process of its own, with its WAL and SQL visibility) instead of one SQLite connection in the same process.'
      : 'Here the real server spent less per alert than the dev server: its several history shards run in parallel where the dev server serialises every transition on one SQLite connection.',
    'The real server is the path past one machine (frontend, history shards and matching as separate services on more hosts, PostgreSQL on its own), not a one-machine speed-up.',
  ].join(' ');
  return { byServer: rows, cheaperOnOneMachine: known ? cheap.server : null, why };
}

const DETAIL = ['floor', 'pathsAtMax', 'lifecycleCost', 'groupingCost', 'privacyCost', 'perRateRatio', 'halfMax', 'backlog', 'engineFloorRatioByPath', 'serverCpuRatioByPath'] as const;
type Headline = Omit<ServerSummary, (typeof DETAIL)[number]>;

/** The headline figures: those of the first profile; every profile's full summary under `servers`. */
export function summarize(runs: ServerRun[]) {
  const sums = runs.map(summarizeServer);
  const first = sums[0];
  const headline: Partial<Headline> = first ? Object.fromEntries(Object.entries(first).filter(([k]) => !(DETAIL as readonly string[]).includes(k))) : {};
  return { ...headline, servers: Object.fromEntries(sums.map((s) => [s.server, s])), comparison: compareServers(sums) };
}

export type Summary = ReturnType<typeof summarize>;

/** The figures a run must have for what it was asked to measure; returns what is missing or wrong. */
export function problems(runs: ServerRun[], floorAsked: boolean): string[] {
  const out: string[] = [];
  for (const run of runs) {
    const s = summarizeServer(run);
    const at = `${run.profile}:`;
    if (run.failure) out.push(`${at} failed: ${run.failure.split('\n')[0]}`);
    if (s.lostAlerts > 0) out.push(`${at} ${s.lostAlerts} alert(s) not delivered`);
    const want: (keyof typeof s)[] = ['alertsPerSec', 'serverCpuMsPerAlert', 'workerCpuMsPerAlert', ...(floorAsked ? (['floorPerSec', 'serverCpuMsPerWorkflow', 'engineFloorRatio', 'serverCpuRatio', 'allCpuMsPerAlert', 'allCpuMsPerWorkflow', 'allCpuRatio'] as const) : [])];
    if (run.points.some((x) => x.offered === null && isTemporal(x.path))) {
      for (const k of want) if (typeof s[k] !== 'number' || !Number.isFinite(s[k])) out.push(`${at} summary.${k} missing`);
    }
    for (const x of run.priority) {
      if (x.criticalSeconds === null) out.push(`${at} the critical behind the backlog never arrived`);
      if (x.timedOut) out.push(`${at} the backlog behind which the critical was published did not drain`);
    }
  }
  return out;
}
