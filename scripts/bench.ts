// The benchmark (`npm run bench`): end-to-end throughput and latency of the Temporal path (ingest →
// workflow → receiver) against a direct baseline (scripts/baseline.ts: XREADGROUP → OpenSearch → POST →
// XACK, no Temporal), at several offered rates up to saturation, and a backlog drain with the memory of
// the service processes. Results: bench/results/bench-<stamp>.json, bench-latest.json, bench-latest.svg.
//
//   npm run bench -- [--alerts 2000] [--rates 10,20,50,100,200,400,max] [--all-rates] [--paths temporal,baseline]
//                    [--repeat 1] [--warmup 100] [--backlog 100000] [--no-backlog-baseline] [--no-half-max]
//                    [--point-timeout 300] [--backlog-timeout 1800] [--cpu-prof] [--logs] [--series]
//
// Paths: `temporal` (the service), `temporal-nolifecycle` (the same with the worker's ALERT_LIFECYCLE=off: no
// incident claim per alert; to measure what the lifecycle costs in the same run), `baseline` (no Temporal).
// --repeat N runs every rate point N times, the paths alternating each time (A B A B …), so drift and noisy
// neighbours hit all of them alike. Per point, besides CPU % of each process, CPU ms per delivered alert.
//
// A path's finite rates above the first one it cannot keep up with (< 80 % of offered) are skipped
// unless --all-rates; `max` (unbounded) always runs, and then the Temporal path at half its maximum.
//
// Service settings come from this process's environment (INGEST_CONCURRENCY, INGEST_MAX_IN_FLIGHT, INGEST_BATCH_SIZE,
// INGEST_BLOCK, LOG_LEVEL, BASELINE_CONCURRENCY) and are recorded in the result file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client as OpenSearch } from '@opensearch-project/opensearch';
import {
  Proc,
  Receiver,
  RESULTS_DIR,
  Sampler,
  Supervised,
  dropData,
  enqueueBacklog,
  killAll,
  machine,
  numArg,
  opensearchClient,
  parseArgs,
  percentile,
  pointLatest,
  publish,
  redisClient,
  round,
  runId,
  say,
  serviceEnv,
  sleep,
  stackPid,
  stackUp,
  stamp,
  streamState,
  strArg,
  table,
  temporalClient,
  terminateOpen,
  versions,
  writeChannelsFile,
  writeResult,
  type Published,
  type ServiceNames,
} from '../bench/harness';

const PATHS = ['temporal', 'temporal-nolifecycle', 'baseline'] as const;
type PathName = (typeof PATHS)[number];
/** Paths through the service (ingest → workflow): they differ only in the worker's settings. */
const isTemporal = (p: PathName): boolean => p !== 'baseline';
/** What a Temporal path's worker gets on top of the common service environment. */
const PATH_ENV: Record<PathName, Record<string, string>> = { temporal: {}, 'temporal-nolifecycle': { ALERT_LIFECYCLE: 'off' }, baseline: {} };

interface Latency {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

interface PointResult {
  path: PathName;
  /** offered alerts/s; null = unbounded */
  offered: number | null;
  label: string;
  /** 1 … --repeat: which round of the rate points this is */
  round: number;
  alerts: number;
  delivered: number;
  /** the rate the publisher achieved */
  publishedPerSec: number;
  /** alerts/s from the first XADD to the last first-2xx at the receiver */
  throughput: number;
  seconds: number;
  latencyMs: Latency;
  posts: number;
  repeatedOk: number;
  /** CPU in % of one core over the point, per process */
  cpuPct: Record<string, number>;
  /** CPU ms per delivered alert over the point, per process (the process's CPU time / alerts delivered) */
  cpuMsPerAlert: Record<string, number>;
  machineCpuPct: number;
  timedOut: boolean;
  docsDelivered: number;
  /** service processes that exited by themselves during the point (restarted) */
  unexpectedExits: number;
  /** alerts/s between the 10th and the 90th percentile of arrivals (the plateau, without ramp-up and tail) */
  steadyThroughput: number;
}

interface BacklogResult {
  path: PathName;
  alerts: number;
  enqueueSeconds: number;
  /** service start → last alert at the receiver */
  drainSeconds: number;
  /** first delivery → last delivery */
  deliverySeconds: number;
  throughput: number;
  timedOut: boolean;
  /** delivered count every ~5 s: [seconds since start, delivered] (with --series only) */
  progress?: [number, number][];
  /** `series`: RSS every second, [seconds, MiB] (with --series only) */
  memory: Record<string, { peakRssMiB: number; startRssMiB: number; q2MeanMiB: number; q4MeanMiB: number; series?: [number, number][] }>;
  cpuPct: Record<string, number>;
  machineCpuPct: number;
  unexpectedExits: number;
}

const USAGE = `npm run bench -- [--alerts 2000] [--rates 10,20,50,100,200,400,max] [--all-rates] [--paths temporal,baseline]
                 [--repeat 1] [--warmup 100] [--backlog 100000] [--no-backlog-baseline] [--no-half-max]
                 [--point-timeout 300] [--backlog-timeout 1800] [--cpu-prof] [--logs] [--series]
Paths: ${PATHS.join(', ')} (temporal-nolifecycle = the service with ALERT_LIFECYCLE=off).
--repeat N: every rate point N times, paths alternating. --series: keep the backlog's RSS and progress series in the result.
Service settings from the environment: INGEST_CONCURRENCY, INGEST_MAX_IN_FLIGHT, INGEST_BATCH_SIZE, INGEST_BLOCK, LOG_LEVEL, BASELINE_CONCURRENCY.
`;

/** Set by SIGINT/SIGTERM: the run stops at the next check and cleans up. */
let interrupted = false;

const PASS_ENV = ['INGEST_CONCURRENCY', 'INGEST_MAX_IN_FLIGHT', 'INGEST_BATCH_SIZE', 'INGEST_BLOCK', 'LOG_LEVEL', 'BASELINE_CONCURRENCY', 'INGEST_RECLAIM_IDLE', 'MAX_EVENT_BYTES'];

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const alerts = numArg(args, 'alerts', 2000);
  const warmup = numArg(args, 'warmup', 100);
  const rates = strArg(args, 'rates', '10,20,50,100,200,400,max').split(',').map((r) => (r === 'max' ? Infinity : Number(r)));
  if (rates.some((r) => !(r > 0))) throw new Error('--rates: positive numbers or "max"');
  const paths = strArg(args, 'paths', 'temporal,baseline').split(',') as PathName[];
  if (!paths.length || paths.some((p) => !(PATHS as readonly string[]).includes(p))) throw new Error(`--paths: one or more of ${PATHS.join(', ')}`);
  const repeat = numArg(args, 'repeat', 1);
  if (!(Number.isInteger(repeat) && repeat >= 1)) throw new Error('--repeat: a whole number >= 1');
  const keepSeries = args.series === true;
  const backlog = numArg(args, 'backlog', 100_000);
  const backlogBaseline = !args['no-backlog-baseline'] && paths.includes('baseline');
  const halfMax = !args['no-half-max'] && rates.includes(Infinity) && paths.includes('temporal');
  const pointTimeoutMs = numArg(args, 'point-timeout', 300) * 1000;
  const backlogTimeoutMs = numArg(args, 'backlog-timeout', 1800) * 1000;
  const cpuProf = args['cpu-prof'] === true;
  const logs = args.logs === true;
  const allRates = args['all-rates'] === true;

  const started = new Date();
  const machineAtStart = machine();
  const rid = runId();
  const passedEnv = Object.fromEntries(PASS_ENV.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]!]));
  const settings: Record<string, unknown> = {
    alertsPerPoint: alerts, warmup, rates: rates.map((r) => (Number.isFinite(r) ? r : 'max')), paths, repeat, backlog, backlogBaseline, halfMax,
    pathEnv: Object.fromEntries(paths.filter((p) => Object.keys(PATH_ENV[p]).length).map((p) => [p, PATH_ENV[p]])),
    env: passedEnv,
    serviceDefaults: { INGEST_CONCURRENCY: 32, INGEST_MAX_IN_FLIGHT: 1000, INGEST_BATCH_SIZE: 100, INGEST_BLOCK: '1s', LOG_LEVEL: 'info' },
    channel: { type: 'webhook', timeout: '5s', retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '2s', maximumAttempts: 0 } },
    worker: 'dist/src/worker.js unchanged: SDK default worker options (maxConcurrentActivityTaskExecutions 100, maxConcurrentWorkflowTaskExecutions 40)',
    baselineConcurrency: Number(process.env.BASELINE_CONCURRENCY ?? 32),
    runId: rid,
  };
  say('bench', `run ${rid}: ${alerts} alerts per point at ${settings.rates as string} alerts/s on ${paths.join(' and ')}; backlog ${backlog}`);

  await stackUp();
  const redis = redisClient();
  const osc = opensearchClient();
  const temporal = await temporalClient();
  const receiver = await new Receiver().start();
  const channelsFile = writeChannelsFile(receiver.url, '5s', { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '2s', maximumAttempts: 0 });
  const created: { streams: string[]; indices: string[]; queues: string[] } = { streams: [], indices: [], queues: [] };
  let serial = 0;
  const names = (what: string): ServiceNames => {
    const base = `bench-${rid}-${++serial}-${what}`;
    created.streams.push(base);
    created.indices.push(base);
    created.queues.push(base);
    return { stream: base, group: 'alert-processor', index: base, taskQueue: base, channelsFile };
  };
  const env = (n: ServiceNames, p: PathName = 'temporal') =>
    serviceEnv(n, { ...passedEnv, ...PATH_ENV[p] });
  const profDir = path.join(RESULTS_DIR, 'profiles', stamp(started));
  {
    const { PATH: _p, HOME: _h, ...shown } = env({ stream: '<unique per point>', group: 'alert-processor', index: '<unique per point>', taskQueue: '<unique per point>', channelsFile: '<temp file>' });
    settings.serviceEnv = { ...shown, METRICS_PORT: '<free port per process, for /readyz>' };
  }
  const nodeArgs = (on: boolean) => (cpuProf && on ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []);

  const stackTargets = () => ({ temporal: stackPid('temporal'), opensearch: stackPid('opensearch'), redis: stackPid('redis'), bench: process.pid });

  const notes: string[] = [];
  const note = (msg: string) => {
    notes.push(`${new Date().toISOString()} ${msg}`);
    say('bench', msg);
  };

  /** Starts the processes of one path on fresh names (kept running: restarted if one exits by itself). */
  async function startPath(p: PathName, n: ServiceNames, profile = false): Promise<Supervised[]> {
    const logDir = logs ? path.join(RESULTS_DIR, 'logs', `bench-${stamp(started)}`, n.stream) : undefined;
    const procs =
      isTemporal(p)
        ? [Supervised.service('worker', env(n, p), logDir, note, nodeArgs(profile)), Supervised.service('ingest', env(n, p), logDir, note, nodeArgs(profile))]
        : [
            new Supervised('baseline', async (logFile) => {
              const b = new Proc({ name: 'baseline', script: 'dist/scripts/baseline.js', env: env(n), nodeArgs: nodeArgs(profile), logFile });
              await b.waitForLine(/baseline started/, 90_000).catch(async (e: Error) => {
                await b.kill('SIGKILL');
                throw e;
              });
              return b;
            }, logDir, note),
          ];
    try {
      for (const x of procs) await x.start();
    } catch (e) {
      await Promise.all(procs.map((x) => x.stop()));
      throw e;
    }
    return procs;
  }

  /** Waits until the receiver has `count` keys answered 2xx; false on deadline. */
  async function waitDelivered(count: number, deadline: number): Promise<boolean> {
    while (receiver.okKeys < count) {
      if (interrupted) throw new Error('interrupted');
      if (Date.now() > deadline) return false;
      await sleep(50);
    }
    return true;
  }

  /** Waits until OpenSearch says `count` documents are delivered (the workflows recorded it). */
  async function docsDelivered(index: string, count: number, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const n = await countDelivered(osc, index).catch(() => -1);
      if (n >= count || Date.now() > deadline) return n;
      await sleep(500);
    }
  }

  async function finishPath(p: PathName, n: ServiceNames, procs: Supervised[], expected: number, profile: boolean): Promise<number> {
    const docs = await docsDelivered(n.index, expected, 60_000);
    if (isTemporal(p)) {
      // Let the workflows finish their last task before the worker goes.
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        const open = await temporal.client.workflow.count(`TaskQueue="${n.taskQueue}" AND ExecutionStatus="Running"`).catch(() => ({ count: -1 }));
        if (open.count === 0) break;
        await sleep(500);
      }
    }
    await Promise.all(procs.map((x) => x.stop(profile ? 'SIGTERM' : 'SIGKILL', 20_000)));
    if (isTemporal(p)) await terminateOpen(temporal.client, n.taskQueue);
    await dropData(redis, osc, [n.stream], [n.index]);
    return docs;
  }

  async function runPoint(p: PathName, rate: number, label: string, roundNo = 1): Promise<PointResult> {
    const n = names(`${p}-${label}${roundNo > 1 ? `-r${roundNo}` : ''}`);
    receiver.reset();
    const profile = cpuProf && !Number.isFinite(rate);
    const procs = await startPath(p, n, profile);
    try {
      if (warmup > 0) {
        await publish({ redis, stream: n.stream, tag: `${n.stream}-w`, count: warmup, rate: Math.min(rate, 200), shouldStop: () => interrupted });
        if (!(await waitDelivered(warmup, Date.now() + 120_000))) {
          throw new Error(`${p} @ ${label}: warm-up not delivered within 120 s (${receiver.okKeys} of ${warmup}). ${await diagnose(n, procs)}`);
        }
      }
      const restarts0 = procs.reduce((a, x) => a + x.unexpectedExits.length, 0);
      const sampler = new Sampler(() => ({ ...stackTargets(), ...Object.fromEntries(procs.map((x) => [x.name, x.pid])) })).start();
      const pub = await publish({ redis, stream: n.stream, tag: n.stream, count: alerts, rate, firstSeq: warmup, shouldStop: () => interrupted });
      const pubDone = Date.now();
      const ok = await waitDelivered(warmup + alerts, pubDone + pointTimeoutMs);
      const usage = sampler.stop();
      if (!ok) note(`${p} @ ${label}: only ${receiver.okKeys - warmup} of ${alerts} delivered within ${pointTimeoutMs / 1000} s. ${await diagnose(n, procs)}`);
      const r = measure(p, rate, label, roundNo, pub, receiver, warmup, ok, usage);
      r.unexpectedExits = procs.reduce((a, x) => a + x.unexpectedExits.length, 0) - restarts0;
      r.docsDelivered = await finishPath(p, n, procs, warmup + alerts, profile);
      return r;
    } catch (e) {
      await Promise.all(procs.map((x) => x.stop()));
      throw e;
    }
  }

  /** What the pipeline looks like when a point is stuck: stream state, workflows, process output. */
  async function diagnose(n: ServiceNames, procs: Supervised[]): Promise<string> {
    const st = await streamState(redis, n.stream, n.group);
    const open = await temporal.client.workflow.count(`TaskQueue="${n.taskQueue}" AND ExecutionStatus="Running"`).catch(() => ({ count: -1 }));
    const all = await temporal.client.workflow.count(`TaskQueue="${n.taskQueue}"`).catch(() => ({ count: -1 }));
    const tails = procs.map((x) => `--- ${x.name} (${x.running ? 'running' : 'not running'}):\n${x.output().split('\n').slice(-15).join('\n')}`).join('\n');
    return `stream ${JSON.stringify(st)}, workflows ${all.count} (${open.count} running), receiver ${receiver.posts} POSTs\n${tails}`;
  }

  async function runBacklog(p: PathName): Promise<BacklogResult> {
    const n = names(`${p}-backlog`);
    receiver.reset();
    const t0 = Date.now();
    await enqueueBacklog(redis, n.stream, n.stream, backlog);
    const enqueueSeconds = (Date.now() - t0) / 1000;
    say('bench', `backlog ${p}: ${backlog} alerts queued in ${round(enqueueSeconds, 1)} s; starting the service`);
    let procs: Supervised[] = [];
    const sampler = new Sampler(() => ({ ...stackTargets(), ...Object.fromEntries(procs.map((x) => [x.name, x.pid])) })).start();
    const start = Date.now();
    const progress: [number, number][] = [];
    const tick = setInterval(() => progress.push([round((Date.now() - start) / 1000, 1), receiver.okKeys]), 5_000);
    try {
      procs = await startPath(p, n);
      const ok = await waitDelivered(backlog, start + backlogTimeoutMs);
      if (!ok) note(`backlog ${p}: only ${receiver.okKeys} of ${backlog} delivered within ${backlogTimeoutMs / 1000} s. ${await diagnose(n, procs)}`);
      clearInterval(tick);
      progress.push([round((Date.now() - start) / 1000, 1), receiver.okKeys]);
      const usage = sampler.stop();
      const end = receiver.lastOkAt || Date.now();
      const memory: BacklogResult['memory'] = {};
      for (const [name, s] of Object.entries(usage.processes)) {
        if (name === 'bench' || name === 'redis') continue;
        const series = s.rssMiB;
        const q = (a: number, b: number) => {
          const part = series.filter(([t]) => t >= a * usage.seconds && t <= b * usage.seconds).map(([, v]) => v);
          return part.length ? round(part.reduce((x, y) => x + y, 0) / part.length, 1) : 0;
        };
        memory[name] = { peakRssMiB: s.peakRssMiB, startRssMiB: series.find(([, v]) => v > 0)?.[1] ?? 0, q2MeanMiB: q(0.25, 0.5), q4MeanMiB: q(0.75, 1), ...(keepSeries ? { series } : {}) };
      }
      const result: BacklogResult = {
        path: p, alerts: backlog, enqueueSeconds: round(enqueueSeconds, 1),
        drainSeconds: round((end - start) / 1000, 1),
        deliverySeconds: round((end - receiver.firstOkAt) / 1000, 1),
        throughput: round(receiver.okKeys / ((end - start) / 1000), 1),
        timedOut: !ok, ...(keepSeries ? { progress } : {}), memory, unexpectedExits: procs.reduce((a, x) => a + x.unexpectedExits.length, 0),
        cpuPct: Object.fromEntries(Object.entries(usage.processes).map(([k, v]) => [k, v.cpuPct])),
        machineCpuPct: usage.machineCpuPct,
      };
      await finishPath(p, n, procs, backlog, false);
      return result;
    } catch (e) {
      clearInterval(tick);
      await Promise.all(procs.map((x) => x.stop()));
      throw e;
    }
  }

  const points: PointResult[] = [];
  const backlogs: BacklogResult[] = [];
  let failure: string | undefined;
  try {
    const saturated = new Set<PathName>();
    for (let roundNo = 1; roundNo <= repeat; roundNo++) {
      for (const rate of rates) {
        for (const p of paths) {
          const label = Number.isFinite(rate) ? String(rate) : 'max';
          const what = `${p} @ ${label}/s${repeat > 1 ? ` (round ${roundNo} of ${repeat})` : ''}`;
          if (Number.isFinite(rate) && saturated.has(p) && !allRates) {
            note(`${what} skipped: ${p} already saturated at a lower rate (--all-rates runs it)`);
            continue;
          }
          say('bench', `${what}: ${alerts} alerts (+${warmup} warm-up)`);
          const r = await runPoint(p, rate, label, roundNo);
          points.push(r);
          if (Number.isFinite(rate) && (r.timedOut || r.throughput < 0.8 * rate)) saturated.add(p);
          say('bench', `${what}: ${r.throughput} alerts/s (steady ${r.steadyThroughput}), p50 ${r.latencyMs.p50} ms, p95 ${r.latencyMs.p95} ms, p99 ${r.latencyMs.p99} ms${r.timedOut ? ' (TIMED OUT)' : ''}; cpu ms/alert ${JSON.stringify(r.cpuMsPerAlert)}`);
        }
      }
    }
    const maxT = points.find((x) => x.path === 'temporal' && x.offered === null);
    if (halfMax && maxT) {
      const half = Math.max(1, Math.round((Number.isFinite(maxT.steadyThroughput) ? Math.max(maxT.steadyThroughput, maxT.throughput) : maxT.throughput) / 2));
      say('bench', `temporal @ half the maximum (${half}/s)`);
      const r = await runPoint('temporal', half, `half-max-${half}`);
      points.push(r);
      say('bench', `temporal @ ${half}/s: ${r.throughput} alerts/s, p50 ${r.latencyMs.p50} ms, p95 ${r.latencyMs.p95} ms, p99 ${r.latencyMs.p99} ms`);
    }
    if (backlog > 0) {
      for (const p of backlogBaseline ? (['temporal', 'baseline'] as const) : (['temporal'] as const)) {
        const r = await runBacklog(p);
        backlogs.push(r);
        say('bench', `backlog ${p}: ${r.alerts} drained in ${r.drainSeconds} s (${r.throughput}/s)${r.timedOut ? ' (TIMED OUT)' : ''}; peak RSS ${Object.entries(r.memory).map(([k, v]) => `${k} ${v.peakRssMiB} MiB`).join(', ')}`);
      }
    }
  } catch (e) {
    failure = (e as Error).stack ?? String(e);
    say('bench', `FAILED: ${failure}`);
  } finally {
    await killAll();
    await dropData(redis, osc, created.streams, created.indices);
    for (const q of created.queues) await terminateOpen(temporal.client, q).catch(() => 0);
    await receiver.stop();
    fs.rmSync(path.dirname(channelsFile), { recursive: true, force: true });
    await stackUp().catch((e: Error) => say('bench', `scripts/stack up at exit failed: ${e.message}`));
  }

  const summary = summarize(points, backlogs);
  const result = {
    kind: 'bench', startedAt: started.toISOString(), finishedAt: new Date().toISOString(), notes,
    machine: { ...machineAtStart, loadAvgAtEnd: os.loadavg().map((l) => round(l, 2)) },
    versions: await versions(), settings, summary, points, backlogs, failure: failure ?? null,
  };
  const file = writeResult('bench', started, result);
  fs.writeFileSync(path.join(RESULTS_DIR, `bench-${stamp(started)}.svg`), svg(result.points, result.machine, result.versions, started));
  pointLatest(`bench-${stamp(started)}.svg`, 'bench-latest.svg');

  printReport(points, backlogs, summary);
  process.stdout.write(`\nresult: ${path.relative(process.cwd(), file)} (+ bench-latest.json, bench-latest.svg)\n`);
  redis.disconnect();
  await osc.close();
  await temporal.close();
  return failure ? 1 : 0;
}

async function countDelivered(osc: OpenSearch, index: string): Promise<number> {
  await osc.indices.refresh({ index });
  const res = await osc.count({ index, body: { query: { term: { delivered: true } } } });
  return res.body.count;
}

function measure(
  p: PathName, rate: number, label: string, roundNo: number, pub: Published[], receiver: Receiver, warmup: number, ok: boolean,
  usage: ReturnType<Sampler['stop']>,
): PointResult {
  const lat: number[] = [];
  const arrivals: number[] = [];
  let last = 0;
  for (const k of receiver.keys.values()) {
    if (k.seq < warmup || !k.firstOkAt) continue;
    lat.push(k.firstOkAt - k.publishedAt);
    arrivals.push(k.firstOkAt);
    last = Math.max(last, k.firstOkAt);
  }
  lat.sort((a, b) => a - b);
  const first = pub[0]?.at ?? 0;
  const pubSpan = Math.max(1, (pub[pub.length - 1]?.at ?? first) - first) / 1000;
  const seconds = Math.max(0.001, (last - first) / 1000);
  return {
    path: p, offered: Number.isFinite(rate) ? rate : null, label, round: roundNo, alerts: pub.length, delivered: lat.length,
    publishedPerSec: round(pub.length / pubSpan, 1),
    throughput: round(lat.length / seconds, 1), seconds: round(seconds, 2),
    latencyMs: { p50: percentile(lat, 50), p95: percentile(lat, 95), p99: percentile(lat, 99), max: lat[lat.length - 1] ?? NaN, mean: round(lat.reduce((a, b) => a + b, 0) / Math.max(1, lat.length)) },
    posts: receiver.posts, repeatedOk: receiver.repeatedOk(),
    cpuPct: Object.fromEntries(Object.entries(usage.processes).map(([k, v]) => [k, v.cpuPct])),
    cpuMsPerAlert: Object.fromEntries(Object.entries(usage.processes).map(([k, v]) => [k, lat.length ? round((v.cpuSeconds * 1000) / lat.length, 2) : NaN])),
    machineCpuPct: usage.machineCpuPct, timedOut: !ok, docsDelivered: 0, unexpectedExits: 0, steadyThroughput: steady(arrivals),
  };
}

/** Deliveries per second between the 10th and the 90th percentile of arrival times. */
function steady(arrivals: number[]): number {
  if (arrivals.length < 20) return NaN;
  arrivals.sort((a, b) => a - b);
  const a = percentile(arrivals, 10);
  const b = percentile(arrivals, 90);
  return b > a ? round((arrivals.filter((t) => t >= a && t <= b).length - 1) / ((b - a) / 1000), 1) : NaN;
}

function summarize(points: PointResult[], backlogs: BacklogResult[]) {
  const best = (p: PathName) => Math.max(0, ...points.filter((x) => x.path === p).map((x) => x.throughput));
  const temporalMax = best('temporal');
  const baselineMax = best('baseline');
  const half = points.find((x) => x.label.startsWith('half-max'));
  const sustained = points.filter((x) => x.path === 'temporal' && !x.timedOut && x.delivered === x.alerts && x.offered !== null && x.throughput >= 0.95 * x.offered);
  const bt = backlogs.find((b) => b.path === 'temporal');
  const atMax = comparePaths(points.filter((x) => x.offered === null && !x.timedOut));
  const on = atMax.find((x) => x.path === 'temporal');
  const off = atMax.find((x) => x.path === 'temporal-nolifecycle');
  return {
    /** per path at `max` (unbounded offer), means over the rounds (--repeat) */
    pathsAtMax: atMax,
    /**
     * What the incident lifecycle adds per alert: temporal (on) − temporal-nolifecycle (off), at max, same run.
     * CPU in ms per delivered alert; alerts/s as the ratio on/off.
     */
    lifecycleCost: on && off ? {
      alertsPerSecOnOverOff: off.alertsPerSec ? round(on.alertsPerSec / off.alertsPerSec, 3) : null,
      steadyPerSecOnOverOff: off.steadyPerSec ? round(on.steadyPerSec / off.steadyPerSec, 3) : null,
      p50MsDelta: round(on.p50Ms - off.p50Ms, 1),
      p99MsDelta: round(on.p99Ms - off.p99Ms, 1),
      cpuMsPerAlertDelta: Object.fromEntries(Object.keys(on.cpuMsPerAlert).filter((k) => k in off.cpuMsPerAlert).map((k) => [k, round(on.cpuMsPerAlert[k] - off.cpuMsPerAlert[k], 2)])),
    } : null,
    temporalMaxThroughput: temporalMax,
    baselineMaxThroughput: baselineMax,
    ratioTemporalToBaseline: baselineMax ? round(temporalMax / baselineMax, 2) : null,
    perRateRatio: Object.fromEntries(
      [...new Set(points.map((x) => x.label))].flatMap((l) => {
        const t = points.find((x) => x.label === l && x.path === 'temporal');
        const b = points.find((x) => x.label === l && x.path === 'baseline');
        return t && b && b.throughput ? [[l, round(t.throughput / b.throughput, 2)]] : [];
      }),
    ),
    /** the highest offered rate the Temporal path kept up with (throughput ≥ 95 % of offered, nothing lost) */
    temporalSustainedRate: sustained.length ? Math.max(...sustained.map((x) => x.offered!)) : null,
    halfMax: half ? { offered: half.offered, throughput: half.throughput, p99Ms: half.latencyMs.p99 } : null,
    lostInPoints: points.reduce((a, x) => a + (x.alerts - x.delivered), 0),
    backlog: bt ? { alerts: bt.alerts, drainSeconds: bt.drainSeconds, throughput: bt.throughput, peakRssMiB: Object.fromEntries(Object.entries(bt.memory).map(([k, v]) => [k, v.peakRssMiB])) } : null,
    targets: {
      'sustained >= 300/s with zero loss': sustained.some((x) => x.offered! >= 300),
      'temporal >= 0.5x baseline': baselineMax ? temporalMax / baselineMax >= 0.5 : null,
      'p99 < 1 s at half the maximum rate': half ? half.latencyMs.p99 < 1000 : null,
      'flat memory on the backlog (last-quarter mean within 20% of second-quarter mean)': bt
        ? Object.entries(bt.memory).filter(([k]) => k === 'worker' || k === 'ingest').every(([, m]) => m.q4MeanMiB <= m.q2MeanMiB * 1.2)
        : null,
    },
  };
}

/** Per path: the mean of its points (rounds) — throughput, latency percentiles, CPU ms per alert per process. */
function comparePaths(points: PointResult[]) {
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
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
      steadyPerSec: round(mean(ps.map((x) => x.steadyThroughput).filter(Number.isFinite)), 1),
      p50Ms: round(mean(ps.map((x) => x.latencyMs.p50)), 1),
      p99Ms: round(mean(ps.map((x) => x.latencyMs.p99)), 1),
      cpuMsPerAlert: Object.fromEntries(procs.map((k) => [k, round(mean(ps.map((x) => x.cpuMsPerAlert[k]).filter(Number.isFinite)), 2)])),
      cpuMsPerAlertEach: Object.fromEntries(procs.map((k) => [k, ps.map((x) => x.cpuMsPerAlert[k])])),
    };
  });
}

function printReport(points: PointResult[], backlogs: BacklogResult[], summary: ReturnType<typeof summarize>): void {
  const cpu = (r: { cpuPct: Record<string, number> }, k: string) => (r.cpuPct[k] === undefined ? '-' : `${Math.round(r.cpuPct[k])}`);
  process.stdout.write('\nEnd to end (XADD → first 2xx at the receiver); CPU in % of one core over the point\n');
  process.stdout.write(
    table(
      ['path', 'offered/s', 'published/s', 'alerts/s', 'steady/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'POSTs', 'cpu worker', 'ingest', 'baseline', 'temporal srv', 'opensearch', 'redis', 'bench', 'machine %'],
      points.map((r) => [
        r.path, r.offered ?? 'max', r.publishedPerSec, r.throughput + (r.timedOut ? ' (timeout)' : ''), r.steadyThroughput, r.latencyMs.p50, r.latencyMs.p95, r.latencyMs.p99, r.latencyMs.max,
        r.posts, cpu(r, 'worker'), cpu(r, 'ingest'), cpu(r, 'baseline'), cpu(r, 'temporal'), cpu(r, 'opensearch'), cpu(r, 'redis'), cpu(r, 'bench'), r.machineCpuPct,
      ]),
    ) + '\n',
  );
  const ms = (r: { cpuMsPerAlert: Record<string, number> }, k: string) => (r.cpuMsPerAlert[k] === undefined ? '-' : String(r.cpuMsPerAlert[k]));
  process.stdout.write('\nCPU ms per delivered alert over the point\n');
  process.stdout.write(
    table(
      ['path', 'offered/s', 'round', 'alerts', 'worker', 'ingest', 'baseline', 'temporal srv', 'opensearch', 'redis'],
      points.map((r) => [r.path, r.offered ?? 'max', r.round, r.delivered, ms(r, 'worker'), ms(r, 'ingest'), ms(r, 'baseline'), ms(r, 'temporal'), ms(r, 'opensearch'), ms(r, 'redis')]),
    ) + '\n',
  );
  if (summary.pathsAtMax.length) {
    process.stdout.write('\nPaths at max (mean over rounds; CPU ms per alert)\n');
    process.stdout.write(
      table(
        ['path', 'points', 'alerts/s', 'each', 'steady/s', 'p50 ms', 'p99 ms', 'worker', 'ingest', 'baseline', 'temporal srv', 'opensearch', 'redis'],
        summary.pathsAtMax.map((x) => [
          x.path, x.points, x.alertsPerSec, x.alertsPerSecEach.join(' / '), x.steadyPerSec, x.p50Ms, x.p99Ms,
          ...['worker', 'ingest', 'baseline', 'temporal', 'opensearch', 'redis'].map((k) => x.cpuMsPerAlert[k] ?? '-'),
        ]),
      ) + '\n',
    );
  }
  if (summary.lifecycleCost) {
    const c = summary.lifecycleCost;
    process.stdout.write(`\nLifecycle cost (temporal − temporal-nolifecycle, at max): alerts/s ×${c.alertsPerSecOnOverOff}, p50 ${c.p50MsDelta >= 0 ? '+' : ''}${c.p50MsDelta} ms, p99 ${c.p99MsDelta >= 0 ? '+' : ''}${c.p99MsDelta} ms; CPU ms/alert ${Object.entries(c.cpuMsPerAlertDelta).map(([k, v]) => `${k} ${v >= 0 ? '+' : ''}${v}`).join(', ')}\n`);
  }
  if (backlogs.length) {
    process.stdout.write('\nBacklog drain (alerts queued before the service starts)\n');
    process.stdout.write(
      table(
        ['path', 'alerts', 'drain s', 'alerts/s', 'proc', 'start MiB', 'Q2 mean', 'Q4 mean', 'peak MiB', 'cpu %'],
        backlogs.flatMap((b) =>
          Object.entries(b.memory).map(([k, m], i) => [
            i === 0 ? b.path : '', i === 0 ? b.alerts : '', i === 0 ? b.drainSeconds + (b.timedOut ? ' (timeout)' : '') : '', i === 0 ? b.throughput : '',
            k, m.startRssMiB, m.q2MeanMiB, m.q4MeanMiB, m.peakRssMiB, Math.round(b.cpuPct[k] ?? 0),
          ]),
        ),
      ) + '\n',
    );
  }
  process.stdout.write('\nSummary\n');
  process.stdout.write(
    table(
      ['figure', 'value'],
      [
        ['Temporal path, max alerts/s', summary.temporalMaxThroughput],
        ['baseline, max alerts/s', summary.baselineMaxThroughput],
        ['ratio Temporal / baseline (max)', summary.ratioTemporalToBaseline],
        ['per-rate ratio', JSON.stringify(summary.perRateRatio)],
        ['Temporal sustained rate (>=95% of offered)', summary.temporalSustainedRate],
        ['half-max point', summary.halfMax ? `${summary.halfMax.offered}/s → p99 ${summary.halfMax.p99Ms} ms` : null],
        ['alerts not delivered in the points', summary.lostInPoints],
        ...Object.entries(summary.targets).map(([k, v]) => [`target: ${k}`, v === null ? 'n/a' : v ? 'met' : 'NOT met']),
      ],
    ) + '\n',
  );
}

// ---- the plot: hand-written SVG, two panels (throughput and latency vs offered rate) ----
function svg(points: PointResult[], mach: Record<string, unknown>, vers: Record<string, string>, when: Date): string {
  const W = 1000;
  const H = 460;
  const panelW = 420;
  const panelH = 300;
  const top = 70;
  const lefts = [70, 570];
  const colors: Record<PathName, string> = { temporal: '#1f6feb', 'temporal-nolifecycle': '#2da44e', baseline: '#e36209' };
  const present = PATHS.filter((p) => points.some((r) => r.path === p));
  const finite = points.filter((p) => p.offered !== null).map((p) => p.offered!);
  const maxFinite = Math.max(50, ...finite);
  const maxX = maxFinite * 2; // 'max' (unbounded) is drawn one octave right of the largest rate
  const minX = Math.min(...finite, maxFinite) / 1.5;
  const xOf = (offered: number | null) => (Math.log(offered ?? maxX) - Math.log(minX)) / (Math.log(maxX * 1.3) - Math.log(minX)) * panelW;
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${W / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">alert-delivery: ${esc(present.map((p) => ({ temporal: 'Temporal path', 'temporal-nolifecycle': 'Temporal path, lifecycle off', baseline: 'direct baseline' })[p]).join(' vs '))}</text>`);
  out.push(`<text x="${W / 2}" y="44" text-anchor="middle" fill="#555">${esc(`${when.toISOString().slice(0, 16)}Z · ${String(mach.cores)} cores, ${String(mach.memoryMiB)} MiB · node ${vers.node} · ${vers.temporalCli ?? ''} · ${vers.opensearch ?? ''}`)}</text>`);

  const ticksX = [...new Set(points.map((p) => p.offered))].sort((a, b) => (a ?? Infinity) - (b ?? Infinity));
  const panel = (i: number, title: string, yLabel: string, yMax: number, log: boolean, series: { p: PathName; dash?: string; pts: [number | null, number][] }[], diag: boolean) => {
    const x0 = lefts[i];
    const yMin = log ? 10 : 0;
    const yTop = log ? 10 ** Math.ceil(Math.log10(Math.max(yMax, 100))) : niceCeil(yMax);
    const yOf = (v: number) => top + panelH - (log ? (Math.log10(Math.max(v, yMin)) - Math.log10(yMin)) / (Math.log10(yTop) - Math.log10(yMin)) : v / yTop) * panelH;
    out.push(`<g><text x="${x0 + panelW / 2}" y="${top - 10}" text-anchor="middle" font-weight="bold">${esc(title)}</text>`);
    out.push(`<rect x="${x0}" y="${top}" width="${panelW}" height="${panelH}" fill="none" stroke="#999"/>`);
    const yt = log ? Array.from({ length: Math.round(Math.log10(yTop / yMin)) + 1 }, (_, k) => yMin * 10 ** k) : Array.from({ length: 6 }, (_, k) => (yTop / 5) * k);
    for (const v of yt) {
      const y = yOf(v);
      out.push(`<line x1="${x0}" x2="${x0 + panelW}" y1="${y}" y2="${y}" stroke="#eee"/><text x="${x0 - 6}" y="${y + 4}" text-anchor="end">${round(v, 1)}</text>`);
    }
    for (const t of ticksX) {
      const x = x0 + xOf(t);
      out.push(`<line x1="${x}" x2="${x}" y1="${top}" y2="${top + panelH}" stroke="#f3f3f3"/><text x="${x}" y="${top + panelH + 16}" text-anchor="middle">${t === null ? 'max' : t}</text>`);
    }
    out.push(`<text x="${x0 + panelW / 2}" y="${top + panelH + 34}" text-anchor="middle">offered rate (alerts/s; max = unbounded)</text>`);
    out.push(`<text transform="translate(${x0 - 48},${top + panelH / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`);
    if (diag) {
      const a = finite.length ? Math.min(...finite) : minX;
      out.push(`<line x1="${x0 + xOf(a)}" y1="${yOf(a)}" x2="${x0 + xOf(maxFinite)}" y2="${yOf(Math.min(maxFinite, yTop))}" stroke="#aaa" stroke-dasharray="4 4"/>`);
    }
    for (const s of series) {
      const pts = s.pts.filter(([, v]) => Number.isFinite(v)).sort((a, b) => (a[0] ?? Infinity) - (b[0] ?? Infinity));
      if (!pts.length) continue;
      const d = pts.map(([x, v], k) => `${k ? 'L' : 'M'}${round(x0 + xOf(x), 1)},${round(yOf(v), 1)}`).join(' ');
      out.push(`<path d="${d}" fill="none" stroke="${colors[s.p]}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
      for (const [x, v] of pts) out.push(`<circle cx="${round(x0 + xOf(x), 1)}" cy="${round(yOf(v), 1)}" r="3.5" fill="${colors[s.p]}"><title>${s.p} ${x ?? 'max'}: ${v}</title></circle>`);
    }
    out.push('</g>');
  };
  const of = (p: PathName, f: (r: PointResult) => number) => points.filter((r) => r.path === p).map((r) => [r.offered, f(r)] as [number | null, number]);
  const tMax = Math.max(10, ...points.map((r) => r.throughput), maxFinite);
  panel(0, 'Throughput (alerts/s delivered)', 'alerts/s', tMax, false, present.map((p) => ({ p, pts: of(p, (r) => r.throughput) })), true);
  const lMax = Math.max(100, ...points.map((r) => r.latencyMs.p99).filter(Number.isFinite));
  panel(1, 'Latency XADD → receiver (ms, log scale)', 'ms', lMax, true, [
    ...present.map((p) => ({ p, pts: of(p, (r) => r.latencyMs.p99) })),
    ...present.map((p) => ({ p, dash: '3 3', pts: of(p, (r) => r.latencyMs.p50) })),
  ], false);
  const ly = H - 30;
  const legend: Record<PathName, string> = {
    temporal: 'Temporal path (ingest → workflow → webhook)', 'temporal-nolifecycle': 'Temporal path, ALERT_LIFECYCLE=off', baseline: 'direct baseline (no Temporal)',
  };
  out.push('<g font-size="12">');
  present.forEach((p, i) => {
    const x = 30 + i * 320;
    out.push(`<line x1="${x}" x2="${x + 30}" y1="${ly}" y2="${ly}" stroke="${colors[p]}" stroke-width="2"/><text x="${x + 36}" y="${ly + 4}">${esc(legend[p])}</text>`);
  });
  out.push(`<text x="30" y="${ly + 22}" fill="#555">solid p99 · dotted p50 · grey dashed: offered</text></g>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}

function niceCeil(v: number): number {
  const p = 10 ** Math.floor(Math.log10(Math.max(v, 1)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

if (require.main === module) {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      if (interrupted) {
        say('bench', `${sig} again: exiting now`);
        void killAll().finally(() => process.exit(130));
        return;
      }
      interrupted = true;
      say('bench', `${sig}: stopping after clean-up (again to exit at once)`);
    });
  }
  main().then(
    (code) => process.exit(code),
    (e: Error) => {
      process.stderr.write(`bench: failed: ${e.stack ?? String(e)}\n`);
      void killAll().finally(() => process.exit(1));
    },
  );
}
