// The benchmark table of docs/benchmarks.md, made from a result file: the lines between `<!-- bench-table:begin -->`
// and `<!-- bench-table:end -->` are replaced (npm run bench:table -- [result.json], or npm run bench -- --docs).
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../harness';
import type { ServerSummary } from './summary';
import type { BenchResult } from './result';

export const BEGIN = '<!-- bench-table:begin -->';
export const END = '<!-- bench-table:end -->';
/** The file whose table is rewritten. */
export const DOCS_FILE = path.join(ROOT, 'docs', 'benchmarks.md');

const fmt = (n: number | null | undefined, digits = 1): string => (n === null || n === undefined || !Number.isFinite(n) ? '—' : n.toLocaleString('en-US', { maximumFractionDigits: digits }));
const met = (v: boolean | null | undefined) => (v === null || v === undefined ? '' : v ? ' (met)' : ' (**not met**)');

interface Row {
  figure: string;
  value: (s: ServerSummary) => string;
  target?: string;
  /** a row only for runs that measured it (default: always) */
  shown?: (sums: ServerSummary[]) => boolean;
}

const signed = (n: number | null | undefined) => (n === null || n === undefined || !Number.isFinite(n) ? '—' : `${n >= 0 ? '+' : '−'}${fmt(Math.abs(n))}`);

const ROWS: Row[] = [
  {
    figure: 'engine floor: empty workflows/s, eager start from the worker\'s own client',
    value: (s) => (s.floor ? `${fmt(s.floor.perSec)} (${s.floor.eagerlyStarted} of ${s.floor.workflows} eager, ${s.floor.concurrency} in flight)` : '—'),
  },
  { figure: 'delivered alerts/s at max (summary path)', value: (s) => `${fmt(s.alertsPerSec)} (\`${s.summaryPath ?? '—'}\`)` },
  {
    figure: '`engineFloorRatio` = alerts/s ÷ floor/s (reported, not a target: see below the table)',
    value: (s) => fmt(s.engineFloorRatio, 2),
  },
  {
    figure: 'CPU ms of all processes per delivered alert / per empty workflow (`allCpuRatio`)',
    value: (s) => `${fmt(s.allCpuMsPerAlert)} / ${fmt(s.allCpuMsPerWorkflow)} (${fmt(s.allCpuRatio, 2)}×)${met(s.targets['CPU of all processes per delivered alert <= 2x per empty workflow (allCpuRatio)'])}`,
    target: '≤ 2×',
  },
  {
    figure: 'server CPU ms per delivered alert / per empty workflow (`serverCpuRatio`)',
    value: (s) => `${fmt(s.serverCpuMsPerAlert)} / ${fmt(s.serverCpuMsPerWorkflow)} (${fmt(s.serverCpuRatio, 2)}×)${met(s.targets['server CPU per delivered alert <= 1.1x per empty workflow (serverCpuRatio)'])}`,
    target: '≤ 1.1×',
  },
  { figure: 'worker CPU ms per delivered alert', value: (s) => `${fmt(s.workerCpuMsPerAlert)} (${s.workerCpuProcess})${met(s.targets['worker CPU <= 5 ms per delivered alert'])}`, target: '≤ 5' },
  {
    figure: 'p99 at half the maximum rate',
    value: (s) => (s.halfMax ? `${fmt(s.halfMax.p99Ms, 0)} ms at ${fmt(s.halfMax.offered, 0)}/s${met(s.targets['p99 < 1 s at half the maximum rate'])}` : '—'),
    target: '< 1 s',
  },
  {
    figure: 'backlog drain (queued before start), memory',
    value: (s) => {
      const b = s.backlog;
      if (!b) return '—';
      const mem = Object.entries(b.peakRssMiB).filter(([k]) => ['worker', 'ingest', 'combined', 'baseline'].includes(k)).map(([k, v]) => `${k} peak ${fmt(v, 0)} MiB`).join(', ');
      return `${fmt(b.alerts, 0)} in ${fmt(b.drainSeconds, 0)} s (${fmt(b.throughput)}/s); ${mem}${b.memoryFlat === null ? '' : b.memoryFlat ? ' (flat: met)' : ' (flat: **not met**)'}`;
    },
    target: 'flat memory',
  },
  { figure: 'alerts lost', value: (s) => `${s.lostAlerts}${met(s.targets['zero loss'])}`, target: '0' },
  {
    figure: 'Temporal max ÷ direct baseline max (alerts/s)',
    value: (s) => (s.baselineMaxThroughput ? `${fmt(s.temporalMaxThroughput)} ÷ ${fmt(s.baselineMaxThroughput)} = ${fmt(s.ratioTemporalToBaseline, 2)}` : '—'),
    target: '≥ 0.5',
  },
  {
    figure: 'scale-out: alerts/s with 1 → N workers and ingests on one stream',
    value: (s) => {
      const c = s.scale;
      if (!c) return '—';
      const by = c.byProcesses;
      return `${by.map((b) => fmt(b.alertsPerSec)).join(' → ')}${c.speedup ? ` (×${fmt(c.speedup, 2)})` : ''}; duplicates ${by.map((b) => b.duplicates).join(' / ')}; max running ${by.map((b) => b.maxRunning).join(' / ')} (limit ${by[0].maxInFlight}, global across ingests)`;
    },
    target: 'every alert once; limit holds',
  },
  {
    figure: 'grouping cost at max: `temporal-grouped` vs `temporal-combined` (alerts/s; CPU ms per alert, grouped − combined)',
    value: (s) => {
      const g = s.groupingCost;
      if (!g) return '—';
      const d = g.cpuMsPerAlertDelta;
      return `${fmt(g.alertsPerSec.grouped)} vs ${fmt(g.alertsPerSec.combined)}/s (×${fmt(g.alertsPerSecGroupedOverCombined, 2)}); server ${signed(d.server)}, combined ${signed(d.combined)}, OpenSearch ${signed(d.opensearch)}`;
    },
    shown: (sums) => sums.some((x) => x.groupingCost),
  },
  { figure: 'highest offered rate kept up with (≥ 95 %)', value: (s) => (s.temporalSustainedRate === null ? '—' : `${fmt(s.temporalSustainedRate, 0)}/s`) },
];

const serverName = (p: string) => (p === 'dev' ? 'dev server (SQLite)' : 'real server (PostgreSQL)');

/** The Markdown between the markers: a line naming the run, the table, the profiles compared. */
export function benchTable(r: BenchResult, resultFile: string): string {
  const sums = Object.values(r.summary.servers);
  const m = r.machine;
  const serverVersions = r.servers.map((s) => `${s.profile}: ${Object.values(s.versions).join(', ')}`).join('; ');
  const s = r.settings;
  const lines = [
    `Benchmark (\`${resultFile}\`, plot \`${path.basename(resultFile).replace(/\.json$/, '.svg')}\`, ${r.startedAt.slice(0, 10)}, ${String(m.cores)}-core ${String(m.cpuModel)}, ${Math.round(Number(m.memoryMiB) / 1024)} GiB;`,
    `node ${r.versions.node}, Temporal SDK ${r.versions.temporalSdk}, ${r.versions.redis?.split(' ').slice(0, 3).join(' ')}, ${r.versions.opensearch}; ${serverVersions};`,
    `${String(s.alertsPerPoint)} alerts per point, paths ${(s.paths as string[]).join(', ')}; table made by \`npm run bench:table\`):`,
    '',
    `| figure | ${sums.map((x) => serverName(x.server)).join(' | ')} | target |`,
    `|---|${sums.map(() => '---|').join('')}---|`,
    ...ROWS.filter((row) => !row.shown || row.shown(sums)).map((row) => `| ${row.figure} | ${sums.map((x) => row.value(x)).join(' | ')} | ${row.target ?? ''} |`),
  ];
  if (r.summary.comparison) lines.push('', `One machine: ${r.summary.comparison.why}`);
  if (r.failure) lines.push('', `The run failed: ${r.failure.split('\n')[0]}`);
  return lines.join('\n');
}

/** Replaces the lines between the markers (exclusive) with `block`. */
export function replaceBetweenMarkers(text: string, block: string): string {
  const b = text.indexOf(BEGIN);
  const e = text.indexOf(END);
  if (b < 0 || e < 0 || e < b) throw new Error(`no ${BEGIN} … ${END} region`);
  return `${text.slice(0, b + BEGIN.length)}\n${block}\n${text.slice(e)}`;
}

/** Rewrites the table of docs/benchmarks.md (or `docs`) from a result file; returns that file's path. */
export function updateDocs(resultFile: string, docs = DOCS_FILE): string {
  const r = JSON.parse(fs.readFileSync(resultFile, 'utf8')) as BenchResult;
  if (r.kind !== 'bench' || r.schema !== 2) throw new Error(`${resultFile}: not a benchmark result of schema 2`);
  // the file a reader can open: under the checkout, relative to it; a link like bench-latest.json resolved
  const real = fs.realpathSync(resultFile);
  const shown = real.startsWith(`${ROOT}${path.sep}`) ? path.relative(ROOT, real) : path.basename(real);
  fs.writeFileSync(docs, replaceBetweenMarkers(fs.readFileSync(docs, 'utf8'), benchTable(r, shown)));
  return docs;
}
