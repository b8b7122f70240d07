// The plot: a Vega-Lite specification of the result, rendered to SVG headlessly by Vega (no browser, no canvas).
// Panels: throughput and p99 latency per offered rate; at max, delivered alerts/s beside the engine floor;
// server CPU per delivered alert beside per empty workflow; scale-out alerts/s.
import { pathToFileURL } from 'node:url';
import { round } from '../harness';
import type { ServerRun } from './types';

// Vega and Vega-Lite are ES modules with top-level await: loaded with a real dynamic import (TypeScript's CommonJS
// output would turn `import()` into `require()`, which cannot load them).
// eslint-disable-next-line @typescript-eslint/no-implied-eval
const importEsm = new Function('url', 'return import(url)') as (url: string) => Promise<unknown>;
/** A package resolved from here (not from the working directory), then imported as an ES module. */
const esm = (pkg: string) => importEsm(pathToFileURL(require.resolve(pkg)).href);

interface VegaModule {
  parse(spec: unknown): unknown;
  View: new (runtime: unknown, options: { renderer: 'none' }) => { toSVG(): Promise<string>; finalize(): void };
}
interface VegaLiteModule {
  compile(spec: unknown): { spec: unknown };
}

type Row = Record<string, string | number | null>;

/** One colour per path (and the floor) in every panel. */
const FLOOR = 'empty workflow (floor)';
const PALETTE: Record<string, string> = {
  [FLOOR]: '#8c8c8c', temporal: '#1f77b4', 'temporal-nolifecycle': '#2ca02c', 'temporal-combined': '#d62728', 'temporal-grouped': '#17becf', 'temporal-encrypted': '#9467bd', 'temporal-traced': '#8c564b', baseline: '#ff7f0e',
};
const pathScale = (present: string[]) => {
  const domain = Object.keys(PALETTE).filter((k) => present.includes(k));
  return { domain, range: domain.map((k) => PALETTE[k]) };
};

const label = (offered: number | null, name: string) => (offered === null ? 'max' : name.startsWith('half-max') ? `${offered} (½ max)` : String(offered));

/** The data of the panels, one table each (also what a reader of the JSON would chart). */
export function plotData(runs: ServerRun[]): { rates: Row[]; atMax: Row[]; cpu: Row[]; scale: Row[] } {
  const rates: Row[] = [];
  const atMax: Row[] = [];
  const cpu: Row[] = [];
  const scale: Row[] = [];
  for (const run of runs) {
    const server = run.profile === 'dev' ? 'dev server' : 'real server';
    for (const p of run.points) {
      // a grouped point's latency is per group notification (group_wait): not on the per-alert latency panel
      const perAlert = p.latencyOf !== 'notification';
      rates.push({ server, path: p.path, offered: label(p.offered, p.label), order: p.offered ?? 1e9, alertsPerSec: p.throughput, p99Ms: perAlert ? p.latencyMs.p99 : null, p50Ms: perAlert ? p.latencyMs.p50 : null });
    }
    const mean = (xs: number[]) => round(xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length), 2);
    if (run.floors.length) {
      atMax.push({ server, what: FLOOR, perSec: mean(run.floors.map((f) => f.perSec)) });
      for (const proc of ['temporal', 'postgres']) {
        const xs = run.floors.map((f) => f.cpuMsPerWorkflow[proc]).filter((x) => x !== undefined && Number.isFinite(x));
        if (xs.length) cpu.push({ server, what: FLOOR, process: proc, ms: mean(xs) });
      }
    }
    for (const path of [...new Set(run.points.filter((p) => p.offered === null).map((p) => p.path))]) {
      const ps = run.points.filter((p) => p.offered === null && p.path === path);
      atMax.push({ server, what: path, perSec: mean(ps.map((p) => p.throughput)) });
      for (const proc of ['temporal', 'postgres']) {
        const xs = ps.map((p) => p.cpuMsPerAlert[proc]).filter((x) => x !== undefined && Number.isFinite(x));
        if (xs.length && path !== 'baseline') cpu.push({ server, what: path, process: proc, ms: mean(xs) });
      }
    }
    for (const s of run.scale) scale.push({ server, processes: s.processes, path: s.path, alertsPerSec: s.throughput, duplicates: s.duplicates });
  }
  return { rates, atMax, cpu, scale };
}

/** The Vega-Lite specification (kept small: a panel appears only when it has data). */
export function plotSpec(runs: ServerRun[], subtitle: string): Record<string, unknown> {
  const d = plotData(runs);
  const color = { field: 'path', type: 'nominal', title: 'path', scale: pathScale(d.rates.map((r) => String(r.path))) };
  const server = { field: 'server', type: 'nominal', title: 'server' };
  const offered = { field: 'offered', type: 'ordinal', sort: { field: 'order' }, title: 'offered alerts/s (max = unbounded)' };
  const row1 = d.rates.length
    ? [
        { title: 'Throughput (alerts/s delivered)', data: { values: d.rates }, width: 360, height: 220, mark: { type: 'line', point: true },
          encoding: { x: offered, y: { field: 'alertsPerSec', type: 'quantitative', title: 'alerts/s' }, color, strokeDash: server, shape: server } },
        { title: 'p99 latency, XADD → receiver (log)', data: { values: d.rates }, width: 360, height: 220, mark: { type: 'line', point: true },
          encoding: { x: offered, y: { field: 'p99Ms', type: 'quantitative', scale: { type: 'log' }, title: 'ms' }, color, strokeDash: server, shape: server } },
      ]
    : [];
  const row2: Record<string, unknown>[] = [
    ...(d.atMax.length
      ? [{ title: 'At max: delivered alerts/s vs the engine floor', data: { values: d.atMax }, width: 300, height: 220, mark: 'bar',
          encoding: { x: { ...server, axis: { labelAngle: 0 } }, xOffset: { field: 'what' }, y: { field: 'perSec', type: 'quantitative', title: 'per second' },
            color: { field: 'what', type: 'nominal', title: 'workflow', scale: pathScale(d.atMax.map((r) => String(r.what))) }, tooltip: [{ field: 'perSec' }] } }]
      : []),
    ...(d.cpu.length
      ? [{ title: 'Server CPU ms per alert / per empty workflow', data: { values: d.cpu }, width: runs.length > 1 ? 170 : 300, height: 220, mark: 'bar',
          encoding: { x: { field: 'what', type: 'nominal', title: null, axis: { labelAngle: -30 } }, y: { field: 'ms', type: 'quantitative', title: 'CPU ms', stack: 'zero' },
            color: { field: 'process', type: 'nominal', title: 'server process', scale: { domain: ['temporal', 'postgres'], range: ['#9467bd', '#8c564b'] } }, column: { ...server, header: { title: null } },
            tooltip: [{ field: 'process' }, { field: 'ms' }] } }]
      : []),
  ];
  const row3 = d.scale.length
    ? [{ title: `Scale-out (${String(d.scale[0].path)}): alerts/s with N of each process on one stream`, data: { values: d.scale }, width: 300, height: 200, mark: 'bar',
        encoding: { x: { field: 'processes', type: 'ordinal', title: 'N', axis: { labelAngle: 0 } }, xOffset: { field: 'server' }, y: { aggregate: 'mean', field: 'alertsPerSec', type: 'quantitative', title: 'alerts/s (mean of rounds)' },
          color: server, tooltip: [{ aggregate: 'mean', field: 'alertsPerSec' }, { aggregate: 'sum', field: 'duplicates' }] } }]
    : [];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'alert-delivery benchmark', subtitle },
    config: { font: 'sans-serif', view: { stroke: '#ccc' }, legend: { labelLimit: 320 } },
    resolve: { scale: { color: 'independent' } },
    vconcat: [row1, row2, row3].filter((r) => r.length).map((hconcat) => ({ hconcat, resolve: { scale: { color: 'independent' } } })),
  };
}

/** Renders the plot to SVG text. */
export async function renderPlot(runs: ServerRun[], subtitle: string): Promise<string> {
  const vega = (await esm('vega')) as VegaModule;
  const vl = (await esm('vega-lite')) as VegaLiteModule;
  const view = new vega.View(vega.parse(vl.compile(plotSpec(runs, subtitle)).spec), { renderer: 'none' });
  try {
    return `${await view.toSVG()}\n`;
  } finally {
    view.finalize();
  }
}
