// The benchmark's command line: its options, what each means, and what the result records of them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UsageError, numberOption, parseCommandLine, withoutOptions } from '../../tools/command-line';
import { RESULTS_DIR } from '../harness';
import { GROUPING } from './grouping';
import { PATHS, PATH_ENV, SERVER_PROFILES, currentProfile, isGrouped, isTemporal, primaryPath, type PathName, type ServerProfile } from './paths';

/** Service settings taken from the environment and recorded in the result. */
export const PASS_ENV = ['NODE_OPTIONS', 'INGEST_CONCURRENCY', 'INGEST_MAX_IN_FLIGHT', 'INGEST_READ_AHEAD', 'INGEST_BATCH_SIZE', 'INGEST_BLOCK', 'LOG_LEVEL', 'BASELINE_CONCURRENCY', 'INGEST_RECLAIM_IDLE', 'MAX_EVENT_BYTES', 'WORKFLOW_WATCHDOG', 'WORKFLOW_STACK_TRACES'];

export interface Options {
  alerts: number;
  warmup: number;
  /** offered alerts/s; Infinity = max (unbounded) */
  rates: number[];
  paths: PathName[];
  repeat: number;
  keepSeries: boolean;
  backlog: number;
  backlogPaths: PathName[];
  /** the critical behind a backlog of this many lower-severity alerts, on the summary's path (0: not run) */
  priority: number;
  halfMax: boolean;
  pointTimeoutMs: number;
  backlogTimeoutMs: number;
  cpuProf: boolean;
  logs: boolean;
  allRates: boolean;
  /** the empty-workflow floor: null = --no-floor */
  floor: { workflows: number; concurrency: number; warmup: number; eager: boolean; slots?: number } | null;
  /** processes per scale point (e.g. [1, 2]); empty = no scale points */
  scale: number[];
  scalePath: PathName;
  scaleMaxInFlight: number;
  /** null: the running stack (this environment's); else one stack of its own per profile, in this order */
  servers: ServerProfile[] | null;
  /** with --servers: the profiles that run the backlog drain (default: all) */
  backlogServers: ServerProfile[] | null;
  short: boolean;
  /** where the result and the plot go */
  outDir: string;
  /** --docs (or its old name --readme): rewrite docs/benchmarks.md's benchmark table */
  docs: boolean;
  /** internal: a child run for one profile writes its per-server result here and nothing else */
  serverRunOut?: string;
  /** the command line as given (children get it again) */
  argv: string[];
}

export const USAGE = `npm run bench -- [--alerts 2000] [--rates 10,20,50,100,200,400,max] [--all-rates]
                 [--paths temporal,baseline] [--repeat 1] [--warmup 100] [--backlog 100000] [--backlog-paths P,…]
                 [--no-backlog-baseline] [--no-half-max] [--point-timeout 300] [--backlog-timeout 1800]
                 [--priority 10000]
                 [--floor N | --no-floor] [--floor-concurrency 32] [--floor-slots 128] [--floor-plain]
                 [--scale 1,2] [--scale-path P] [--scale-max-in-flight 250]
                 [--servers dev,server] [--backlog-servers dev] [--short] [--out DIR] [--docs] [--cpu-prof] [--logs] [--series]
Paths: ${PATHS.join(', ')}
  temporal              separate worker and ingest processes (the default deployment)
  temporal-nolifecycle  the same with the worker's ALERT_LIFECYCLE=off
  temporal-combined     one process (dist/src/combined.js): worker + ingest on one connection, eager starts
  temporal-grouped      the combined process with a grouping catch-all route (group_by [scope]: 50 groups,
                        group_wait 1s, group_interval 1s, repeat_interval 1h): one notification per group per interval
  temporal-encrypted    the combined process with payload encryption on (a fixed bench key, AES-256-GCM)
  temporal-traced       the combined process with OpenTelemetry tracing on, exporting to the bench's own OTLP sink
  baseline              no Temporal (scripts/baseline.ts)
--priority N: N lower-severity alerts queued, the service started, then one critical published behind them: the
  seconds until it reaches the receiver, beside the backlog's drain time (0: not run; --short: 300).
--floor N: empty workflows started eagerly by a worker's own client (default: --alerts); the engine's floor.
--scale 1,2: the scale path (default: the summary's path) at max with N workers + N ingests (or N combined).
--servers dev,server: each profile on a stack of its own (.stack-bench-<profile>, own ports), started and
  stopped by the bench; default: the stack this environment points at (scripts/stack env), left running.
  --backlog-servers dev: the backlog drain on these profiles only (default: all of --servers).
--short: the CI check (floor + temporal at max, 300 alerts, a critical behind 300, no backlog; result in a temp
  dir; exit 1 on a loss or a missing summary figure). --series: keep per-second series (backlog RSS, progress, running workflows).
--docs: rewrite docs/benchmarks.md's benchmark table from this result (also: npm run bench:table -- FILE);
  --readme is the same (its old name).
Service settings from the environment: ${PASS_ENV.join(', ')}.
`;

/** Every option of the command line (util.parseArgs); `server-run` is internal: a child run for one profile. */
export const OPTIONS = {
  alerts: { type: 'string' }, rates: { type: 'string' }, 'all-rates': { type: 'boolean' }, paths: { type: 'string' }, repeat: { type: 'string' },
  warmup: { type: 'string' }, backlog: { type: 'string' }, priority: { type: 'string' }, 'backlog-paths': { type: 'string' }, 'no-backlog-baseline': { type: 'boolean' },
  'no-half-max': { type: 'boolean' }, 'point-timeout': { type: 'string' }, 'backlog-timeout': { type: 'string' },
  floor: { type: 'string' }, 'no-floor': { type: 'boolean' }, 'floor-concurrency': { type: 'string' }, 'floor-slots': { type: 'string' }, 'floor-plain': { type: 'boolean' },
  scale: { type: 'string' }, 'scale-path': { type: 'string' }, 'scale-max-in-flight': { type: 'string' },
  servers: { type: 'string' }, 'backlog-servers': { type: 'string' }, short: { type: 'boolean' }, out: { type: 'string' }, docs: { type: 'boolean' }, readme: { type: 'boolean' },
  'cpu-prof': { type: 'boolean' }, logs: { type: 'boolean' }, series: { type: 'boolean' }, 'server-run': { type: 'string' }, help: { type: 'boolean' },
} as const;

function list<T extends string>(value: string, name: string, allowed: readonly T[]): T[] {
  const v = value.split(',').filter(Boolean);
  if (v.some((p) => !(allowed as readonly string[]).includes(p))) throw new UsageError(`--${name}: one or more of ${allowed.join(', ')}`);
  return [...new Set(v)] as T[];
}

export function parseOptions(argv: string[]): Options | 'help' {
  const { values: a } = parseCommandLine(argv, OPTIONS);
  if (a.help) return 'help';
  const num = (name: keyof typeof OPTIONS, def: number) => numberOption(a[name] as string | undefined, name, def);
  const short = a.short === true;
  const alerts = num('alerts', short ? 300 : 2000);
  const rates = (a.rates ?? (short ? 'max' : '10,20,50,100,200,400,max')).split(',').map((r) => (r === 'max' ? Infinity : Number(r)));
  if (rates.some((r) => !(r > 0))) throw new UsageError('--rates: positive numbers or "max"');
  const paths = list(a.paths ?? (short ? 'temporal' : 'temporal,baseline'), 'paths', PATHS);
  if (!paths.length) throw new UsageError(`--paths: one or more of ${PATHS.join(', ')}`);
  const repeat = num('repeat', 1);
  if (!(Number.isInteger(repeat) && repeat >= 1)) throw new UsageError('--repeat: a whole number >= 1');
  const primary = primaryPath(paths);
  const backlog = num('backlog', short ? 0 : 100_000);
  const backlogDefault = [primary, ...(!a['no-backlog-baseline'] && paths.includes('baseline') ? ['baseline'] : [])].filter(Boolean).join(',');
  const scale = (a.scale ?? '').split(',').filter(Boolean).map(Number);
  if (scale.some((n) => !(Number.isInteger(n) && n >= 1 && n <= 8))) throw new UsageError('--scale: whole numbers 1..8, e.g. 1,2');
  const scalePath = (a['scale-path'] ?? primary ?? 'temporal') as PathName;
  if (!isTemporal(scalePath) || !PATHS.includes(scalePath)) throw new UsageError('--scale-path: a Temporal path');
  const floorN = a['no-floor'] ? 0 : num('floor', alerts);
  // (a child run for one profile is given the parent's --out: its logs and profiles go there)
  const outDir = a.out !== undefined ? path.resolve(a.out) : short && a['server-run'] === undefined ? fs.mkdtempSync(path.join(os.tmpdir(), 'bench-short-')) : RESULTS_DIR;
  return {
    alerts,
    warmup: num('warmup', short ? 50 : 100),
    rates,
    paths,
    repeat,
    keepSeries: a.series === true,
    backlog,
    backlogPaths: backlog > 0 ? list(a['backlog-paths'] ?? backlogDefault, 'backlog-paths', PATHS) : [],
    priority: primary ? num('priority', short ? 300 : 10_000) : 0,
    halfMax: !short && !a['no-half-max'] && rates.includes(Infinity) && primary !== undefined,
    pointTimeoutMs: num('point-timeout', short ? 120 : 300) * 1000,
    backlogTimeoutMs: num('backlog-timeout', 1800) * 1000,
    cpuProf: a['cpu-prof'] === true,
    logs: a.logs === true,
    allRates: a['all-rates'] === true,
    floor: floorN > 0 ? { workflows: floorN, concurrency: Math.max(1, num('floor-concurrency', 32)), warmup: short ? 30 : 100, eager: a['floor-plain'] !== true, ...(a['floor-slots'] !== undefined ? { slots: num('floor-slots', 0) } : {}) } : null,
    scale,
    scalePath,
    scaleMaxInFlight: num('scale-max-in-flight', 250),
    servers: a.servers === undefined ? null : list(a.servers, 'servers', SERVER_PROFILES),
    backlogServers: a['backlog-servers'] === undefined ? null : list(a['backlog-servers'], 'backlog-servers', SERVER_PROFILES),
    short,
    outDir,
    docs: a.docs === true || a.readme === true,
    ...(a['server-run'] !== undefined ? { serverRunOut: path.resolve(a['server-run']) } : {}),
    argv,
  };
}

/** The command line a child run for one profile starts from: without the options the parent handles (profiles, the docs' table, output). */
export function childArgv(argv: string[]): string[] {
  return withoutOptions(argv, OPTIONS, ['servers', 'backlog-servers', 'docs', 'readme', 'out', 'server-run']);
}

/** What the result records of the options (the command line, resolved). */
export function settingsOf(o: Options): Record<string, unknown> {
  return {
    alertsPerPoint: o.alerts, warmup: o.warmup, rates: o.rates.map((r) => (Number.isFinite(r) ? r : 'max')), paths: o.paths, repeat: o.repeat,
    summaryPath: primaryPath(o.paths) ?? null, backlog: o.backlog, backlogPaths: o.backlogPaths, priority: o.priority, halfMax: o.halfMax,
    floor: o.floor, scale: o.scale.length ? { processes: o.scale, path: o.scalePath, INGEST_MAX_IN_FLIGHT: o.scaleMaxInFlight } : null,
    servers: o.servers ?? [currentProfile()], short: o.short, series: o.keepSeries,
    pathEnv: Object.fromEntries(o.paths.filter((p) => Object.keys(PATH_ENV[p]).length).map((p) => [p, PATH_ENV[p]])),
    ...(o.paths.some(isGrouped) ? { grouping: { path: 'temporal-grouped', route: GROUPING } } : {}),
  };
}
