// The benchmark's run: on the stack of this environment (one server profile), or on a stack of its own per profile
// (--servers); then the result file, the plot, the report and, with --docs, the table of docs/benchmarks.md.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { machine, pointLatest, round, say, stamp, versions, writeResult } from '../harness';
import { runBacklog } from './backlog';
import { runPriority } from './priority';
import { RunContext, state } from './context';
import { runFloor } from './floor';
import { USAGE, parseOptions, settingsOf, type Options } from './options';
import { currentProfile, primaryPath, type PathName } from './paths';
import { renderPlot } from './plot';
import { runPoint, runRound } from './points';
import { updateDocs } from './readme-table';
import { printReport } from './report';
import { runScale } from './scale';
import { runProfiles } from './servers';
import { problems, summarize } from './summary';
import type { BenchResult } from './result';
import type { ServerRun } from './types';

/** Everything asked for, on the stack this process's environment points at. */
async function runServer(o: Options): Promise<{ run: ServerRun; settings: Record<string, unknown>; common: Record<string, string> }> {
  const profile = currentProfile();
  say('bench', `${profile} server: ${o.alerts} alerts per point at ${o.rates.map((r) => (Number.isFinite(r) ? r : 'max')).join(',')} alerts/s on ${o.paths.join(', ')}; floor ${o.floor?.workflows ?? 'off'}; scale ${o.scale.join(',') || 'off'}; backlog ${o.backlog}`);
  const ctx = await RunContext.open(o);
  const run: ServerRun = { profile, stackHome: process.env.ALERT_STACK_HOME ?? path.join(process.cwd(), '.stack'), versions: {}, floors: [], points: [], scale: [], backlogs: [], priority: [], notes: ctx.notes, failure: null };
  const settings: Record<string, unknown> = {
    env: ctx.passedEnv,
    serviceDefaults: { INGEST_CONCURRENCY: 32, INGEST_MAX_IN_FLIGHT: 1000, INGEST_BATCH_SIZE: 100, INGEST_BLOCK: '1s', LOG_LEVEL: 'info' },
    channel: { type: 'webhook', timeout: '5s', retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '2s', maximumAttempts: 0 } },
    worker: 'dist/src/worker.js unchanged: SDK default worker options (maxConcurrentActivityTaskExecutions 100, maxConcurrentWorkflowTaskExecutions 40)',
    baselineConcurrency: Number(process.env.BASELINE_CONCURRENCY ?? 32),
    serviceEnv: ctx.shownEnv(),
    runId: ctx.rid,
  };
  try {
    const saturated = new Set<PathName>();
    for (let roundNo = 1; roundNo <= o.repeat; roundNo++) {
      if (o.floor) run.floors.push(await runFloor(ctx, roundNo));
      await runRound(ctx, roundNo, saturated, run.points);
      for (const n of o.scale) run.scale.push(await runScale(ctx, n, roundNo));
    }
    const primary = primaryPath(o.paths);
    const maxT = run.points.find((x) => x.path === primary && x.offered === null);
    if (o.halfMax && primary && maxT) {
      const half = Math.max(1, Math.round((Number.isFinite(maxT.steadyThroughput) ? Math.max(maxT.steadyThroughput, maxT.throughput) : maxT.throughput) / 2));
      say('bench', `${primary} @ half the maximum (${half}/s)`);
      const r = await runPoint(ctx, primary, half, `half-max-${half}`);
      run.points.push(r);
      say('bench', `${primary} @ ${half}/s: ${r.throughput} alerts/s, p50 ${r.latencyMs.p50} ms, p95 ${r.latencyMs.p95} ms, p99 ${r.latencyMs.p99} ms`);
    }
    if (o.priority > 0 && primary) run.priority.push(await runPriority(ctx, primary));
    for (const p of o.backlogPaths) {
      const r = await runBacklog(ctx, p);
      run.backlogs.push(r);
      say('bench', `backlog ${p}: ${r.alerts} drained in ${r.drainSeconds} s (${r.throughput}/s)${r.timedOut ? ' (TIMED OUT)' : ''}; peak RSS ${Object.entries(r.memory).map(([k, v]) => `${k} ${v.peakRssMiB} MiB`).join(', ')}`);
    }
  } catch (e) {
    run.failure = (e as Error).stack ?? String(e);
    say('bench', `FAILED: ${run.failure}`);
  } finally {
    await ctx.close();
  }
  const all = await versions();
  const { node, temporalSdk, redis, opensearch, temporalCli, ...server } = all;
  // the real server profile: the server binary's version (the CLI is only its admin tool there)
  run.versions = profile === 'server' ? server : { temporalCli };
  return { run, settings, common: { node, temporalSdk, redis, opensearch } };
}

export async function main(argv: string[]): Promise<number> {
  const o = parseOptions(argv);
  if (o === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const started = new Date();
  const machineAtStart = machine();
  let runs: ServerRun[];
  let settings: Record<string, unknown> = {};
  let common: Record<string, string> = { node: process.version };
  if (o.servers && !o.serverRunOut) {
    runs = await runProfiles(o, () => state.interrupted);
    settings = { perServer: 'see each child run: service settings as in a single-profile run' };
  } else {
    const one = await runServer(o);
    if (o.serverRunOut) {
      fs.writeFileSync(o.serverRunOut, JSON.stringify({ ...one.run, settings: one.settings, common: one.common }));
      return one.run.failure ? 1 : 0;
    }
    runs = [one.run];
    settings = one.settings;
    common = one.common;
  }
  // a child's settings and common versions travel in its run file
  for (const r of runs as (ServerRun & { settings?: Record<string, unknown>; common?: Record<string, string> })[]) {
    if (r.settings) settings = r.settings;
    if (r.common) common = r.common;
    delete r.settings;
    delete r.common;
  }
  const failure = runs.map((r) => r.failure && `${r.profile}: ${r.failure}`).filter(Boolean).join('\n') || null;
  const summary = summarize(runs);
  const result: BenchResult = {
    kind: 'bench', schema: 2, startedAt: started.toISOString(), finishedAt: new Date().toISOString(), command: argv.join(' '),
    machine: { ...machineAtStart, loadAvgAtEnd: os.loadavg().map((l) => round(l, 2)) },
    versions: common, settings: { ...settingsOf(o), ...settings }, summary, servers: runs, failure,
  };
  const file = writeResult('bench', started, result, o.outDir);
  const svgName = `bench-${stamp(started)}.svg`;
  try {
    const subtitle = `${started.toISOString().slice(0, 16)}Z · ${String(result.machine.cores)} cores, ${String(result.machine.memoryMiB)} MiB · node ${common.node} · SDK ${common.temporalSdk} · ${runs.map((r) => `${r.profile}: ${Object.values(r.versions).join(', ')}`).join(' · ')}`;
    fs.writeFileSync(path.join(o.outDir, svgName), await renderPlot(runs, subtitle));
    pointLatest(svgName, 'bench-latest.svg', o.outDir);
  } catch (e) {
    say('bench', `the plot failed: ${(e as Error).message}`);
  }
  printReport(runs, summary);
  process.stdout.write(`\nresult: ${path.relative(process.cwd(), file)} (+ ${svgName}; bench-latest.json and bench-latest.svg point at them)\n`);
  if (o.docs) process.stdout.write(`benchmark table rewritten: ${path.relative(process.cwd(), updateDocs(file))}\n`);
  const wrong = problems(runs, o.floor !== null);
  for (const w of wrong) process.stdout.write(`bench: ${w}\n`);
  return wrong.length ? 1 : 0;
}
