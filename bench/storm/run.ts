// One storm run: the scenario, then Alertmanager's half, then ours (on the storm's own stack), the checks, the
// result file, the table, and with --docs the storm table of docs/benchmarks.md.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RESULTS_DIR, machine, round, say, stamp, versions } from '../harness';
import { runAlertmanager, type AlertmanagerResult } from './alertmanager';
import { ESCALATION, GROUP_BY, INHIBIT, SILENCE, TIMING } from './our-config';
import type { StormOptions } from './options';
import { runOurs, type OursResult } from './ours';
import { checksOf, stormTable, updateDocs, writeStormResult, type StormResult } from './report';
import { buildStorm } from './scenario';

export async function runStorm(o: StormOptions, shouldStop: () => boolean): Promise<number> {
  const started = new Date();
  const machineAtStart = machine();
  const storm = buildStorm(o);
  const x = storm.expected;
  const logDir = path.join(RESULTS_DIR, 'logs', `storm-${stamp(started)}`);
  say('storm', `${x.events} events (${x.distinctAlerts} alerts, ${x.duplicates} duplicates, ${x.resolved} resolved) from ${o.rules} rules over ${o.seconds} s, seed ${o.seed}; `
    + `scenario: ${x.silencedAlerts} silenced, ${x.inhibitedAlerts} inhibited, ${x.notifiedAlerts} to notify (${x.escalatingAlerts} escalating, the rest in ${x.groups} groups); logs ${path.relative(process.cwd(), logDir)}`);
  const failures: string[] = [];
  let alertmanager: AlertmanagerResult | null = null;
  let ours: OursResult | null = null;
  if (o.only !== 'ours') {
    alertmanager = await runAlertmanager(storm, { logDir, shouldStop }).catch((e: Error) => {
      failures.push(`alertmanager: ${e.stack ?? e.message}`);
      return null;
    });
  }
  if (o.only !== 'alertmanager' && !shouldStop()) {
    ours = await runOurs(storm, { chaos: o.chaos, deadlineS: o.deadlineS, keep: o.keep, logDir, shouldStop }).catch((e: Error) => {
      failures.push(`ours: ${e.stack ?? e.message}`);
      return null;
    });
  }
  if (shouldStop()) failures.push('interrupted');
  for (const f of failures) say('storm', `FAILED: ${f}`);
  const base = {
    scenario: { rules: storm.rules.map((r) => ({ name: r.name, team: r.team, severity: r.severity })), expected: x }, ours, alertmanager, failures,
  };
  const checks = checksOf(base);
  const result: StormResult = {
    kind: 'storm', ok: checks.length > 0 && checks.every((c) => c.ok), startedAt: started.toISOString(), finishedAt: new Date().toISOString(),
    settings: { alerts: o.alerts, rules: o.rules, seconds: o.seconds, seed: o.seed, short: o.short, chaos: o.chaos, deadlineS: o.deadlineS },
    config: { groupBy: GROUP_BY, timing: TIMING, inhibit: INHIBIT, silence: SILENCE, escalation: ESCALATION },
    machine: { ...machineAtStart, loadAvgAtEnd: os.loadavg().map((l) => round(l, 2)) },
    versions: { ...(ours ? await versions() : { node: process.version }), ...(alertmanager ? { alertmanager: alertmanager.version } : {}) },
    ...base, checks,
  };
  const file = writeStormResult(result, started);
  process.stdout.write(`\n${stormTable(result)}\n\n`);
  for (const c of checks) process.stdout.write(`${c.ok ? 'ok    ' : 'FAILED'} ${c.name}: ${c.detail}\n`);
  process.stdout.write(`\n${result.ok ? 'PASSED' : 'FAILED'} — result: ${path.relative(process.cwd(), file)} (+ storm-latest.json)\n`);
  if (o.docs) process.stdout.write(`${path.relative(process.cwd(), updateDocs(result, file))}: storm table rewritten\n`);
  return result.ok ? 0 : 1;
}

/** --from FILE: the table of an earlier result, and with --docs docs/benchmarks.md's storm table from it. */
export function showResult(o: StormOptions): number {
  const file = fs.realpathSync(path.resolve(o.from!));
  const result = JSON.parse(fs.readFileSync(file, 'utf8')) as StormResult;
  process.stdout.write(`${stormTable(result)}\n`);
  if (o.docs) process.stdout.write(`${path.relative(process.cwd(), updateDocs(result, file))}: storm table rewritten from ${path.relative(process.cwd(), file)}\n`);
  return 0;
}
