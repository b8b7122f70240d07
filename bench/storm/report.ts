// The storm's result: bench/results/storm-<stamp>.json (one line) and storm-latest.json (a symlink to it), a
// markdown table ours vs Alertmanager on standard output, and with --docs the storm table of docs/benchmarks.md (the
// lines between <!-- storm-table:begin --> and <!-- storm-table:end -->).
import fs from 'node:fs';
import path from 'node:path';
import { RESULTS_DIR, ROOT, round, writeResult } from '../harness';
import type { AlertmanagerResult } from './alertmanager';
import { escalationChecks, escalationRow } from './escalation';
import { ESCALATION, GROUP_BY, INHIBIT, SILENCE, TIMING } from './our-config';
import type { OursResult } from './ours';
import type { StormExpected, StormSettings } from './scenario';

export const BEGIN = '<!-- storm-table:begin -->';
export const END = '<!-- storm-table:end -->';
/** Where --docs writes the table. */
export const DOCS_FILE = path.join(ROOT, 'docs', 'benchmarks.md');

export interface StormResult {
  kind: 'storm';
  ok: boolean;
  startedAt: string;
  finishedAt: string;
  settings: StormSettings & { short: boolean; chaos: boolean; deadlineS: number };
  config: { groupBy: string[]; timing: typeof TIMING; inhibit: typeof INHIBIT; silence: typeof SILENCE; escalation?: typeof ESCALATION };
  machine: Record<string, unknown>;
  versions: Record<string, string>;
  scenario: { rules: { name: string; team: string; severity: string }[]; expected: StormExpected };
  ours: OursResult | null;
  alertmanager: AlertmanagerResult | null;
  checks: { name: string; ok: boolean; detail: string }[];
  failures: string[];
}

export function checksOf(r: Pick<StormResult, 'ours' | 'alertmanager' | 'failures' | 'scenario'>): StormResult['checks'] {
  const out: StormResult['checks'] = [];
  const { ours, scenario } = r;
  if (ours) {
    out.push({ name: 'ours: lost = 0 (every event has a terminal record)', ok: ours.lost === 0, detail: `${ours.lost} lost${ours.lostSample.length ? `, e.g. ${ours.lostSample.join('; ')}` : ''}` });
    out.push({ name: 'ours: no failed, abandoned, rejected or terminated record', ok: ours.finalButBad === 0, detail: JSON.stringify(ours.statuses) });
    out.push({ name: 'ours: the silence was added (alertctl silence add)', ok: ours.silence.ok, detail: ours.silence.output.split('\n')[0] });
    out.push({ name: 'ours: silenced = the scenario\'s team="batch" alerts', ok: ours.silenced === scenario.expected.silencedAlerts, detail: `${ours.silenced} of ${scenario.expected.silencedAlerts}` });
    out.push({ name: 'ours: inhibited = the scenario\'s medium alerts in a down cluster', ok: ours.inhibited === scenario.expected.inhibitedAlerts, detail: `${ours.inhibited} of ${scenario.expected.inhibitedAlerts}` });
    if (ours.afterExpiry) {
      const e = ours.afterExpiry;
      const inhibited = (e as { inhibited?: number }).inhibited ?? 0;
      out.push({ name: 'ours: once the silence expired, every delivery it held back was notified or is inhibited now', ok: e.delivered + inhibited === e.heldBack, detail: `${e.delivered} delivered, ${inhibited} inhibited, of ${e.heldBack}, ${e.seconds} s after the expiry (${e.woken ?? '?'} woken)` });
    }
    // (results before the sources' resolve was part of the storm have no afterSourcesResolved)
    const s = (ours as { afterSourcesResolved?: OursResult['afterSourcesResolved'] }).afterSourcesResolved;
    if (s) out.push({ name: 'ours: once the inhibition sources resolved, every delivery they held back was notified', ok: s.delivered === s.heldBack && s.heldBack > 0, detail: `${s.delivered} delivered of ${s.heldBack}, ${s.seconds} s after ${s.sources} resolves${Object.keys(s.left ?? {}).length ? `; not delivered: ${JSON.stringify(s.left)}` : ''}` });
    const am = r.alertmanager as { afterSourcesResolved?: AlertmanagerResult['afterSourcesResolved'] } | null;
    if (s && am?.afterSourcesResolved) {
      out.push({ name: 'ours and Alertmanager notify the same number of alerts once the sources resolved', ok: s.delivered === am.afterSourcesResolved.alertsNotified, detail: `ours ${s.delivered}, Alertmanager ${am.afterSourcesResolved.alertsNotified}` });
    }
    // (results before the escalating alerts were part of the storm have none in their scenario)
    if (scenario.expected.escalatingAlerts) {
      const e = (ours as { escalation?: OursResult['escalation'] }).escalation;
      out.push(...escalationChecks(e, ours.faults.some((f) => f.kind.startsWith('kill -9'))));
      if (e) out.push({ name: 'ours: escalating alerts = the scenario\'s team="sre" alerts', ok: e.alerts === scenario.expected.escalatingAlerts, detail: `${e.alerts} of ${scenario.expected.escalatingAlerts}` });
    }
  }
  if (r.alertmanager) {
    const am = r.alertmanager;
    out.push({ name: 'Alertmanager: every alert neither silenced nor inhibited was notified', ok: am.neverNotified === 0, detail: `${am.neverNotified} never notified` });
  }
  for (const f of r.failures) out.push({ name: 'run completed', ok: false, detail: f.split('\n')[0] });
  return out;
}

const perAlert = (n: number, alerts: number) => (alerts ? round(n / alerts, 3) : null);
const cell = (v: string | number | null | undefined) => (v === null || v === undefined ? '—' : typeof v === 'number' ? v.toLocaleString('en-US') : v);

type Row = [string, string | number | null | undefined, string | number | null | undefined];

/** The markdown table ours vs Alertmanager. */
export function stormTable(r: StormResult): string {
  const x = r.scenario.expected;
  const o = r.ours;
  const a = r.alertmanager;
  const rows: Row[] = [
    ['alerts: events published (distinct alerts)', o ? `${cell(o.published)} (${cell(x.distinctAlerts)})` : null, a ? `${cell(x.events)} (${cell(x.distinctAlerts)})` : null],
    ['notifications sent', o && `${cell(o.receiver.notifications)} (${cell(o.receiver.rawPosts)} POSTs)`, a && cell(a.receiver.notifications)],
    ['notifications per alert', o && perAlert(o.receiver.notifications, x.distinctAlerts), a && perAlert(a.receiver.notifications, x.distinctAlerts)],
    ['groups notified', o?.receiver.groupsNotified, a?.receiver.groupsNotified],
    [`alerts notified firing / resolved (scenario: ${cell(x.notifiedAlerts)} to notify)`, o && `${cell(o.receiver.newAlertsNotified)} / ${cell(o.receiver.resolvedAlertsNotified)}`, a && `${cell(a.receiver.distinctAlertsSeenFiring)} / ${cell(a.receiver.resolvedAlertsNotified)}`],
    [`alerts silenced (scenario: ${cell(x.silencedAlerts)})`, o?.silenced, a && `${cell(a.silenced)} (seen by its API)`],
    [`alerts inhibited (scenario: ${cell(x.inhibitedAlerts)})`, o?.inhibited, a && `${cell(a.inhibited)} (seen by its API)`],
    ['alerts grouped (carried by a group notification)', o && `${cell(o.grouped)} records`, a && `${cell(a.grouped)} alerts`],
    ['duplicates (same alert fired again)', o && `${cell(o.duplicates)} (scenario: ${cell(x.duplicates)})`, a && 'merged (same labels)'],
    ['after the storm, silence expired: alerts notified (notifications)', o?.afterExpiry ? `${cell(o.afterExpiry.delivered)} of ${cell(o.afterExpiry.heldBack)} held back (${cell(o.afterExpiry.notifications)})` : null,
      a ? `${cell(a.afterExpiry.alertsNotified)} (${cell(a.afterExpiry.notifications)})` : null],
    ['then the inhibition sources resolved: alerts notified (notifications)', o?.afterSourcesResolved ? `${cell(o.afterSourcesResolved.delivered)} of ${cell(o.afterSourcesResolved.heldBack)} held back (${cell(o.afterSourcesResolved.notifications)})` : null,
      a?.afterSourcesResolved ? `${cell(a.afterSourcesResolved.alertsNotified)} (${cell(a.afterSourcesResolved.notifications)})` : null],
    // (results before the escalating alerts were part of the storm: no such row)
    ...(x.escalatingAlerts ? [[`escalating alerts, pager level (ours only, not in the notifications above; scenario: ${cell(x.escalatingAlerts)})`,
      o && escalationRow((o as { escalation?: OursResult['escalation'] }).escalation), a && 'no escalation: each notified on its own'] as Row] : []),
    ['time first alert → first notification', o?.firstAlertToFirstNotificationS != null ? `${o.firstAlertToFirstNotificationS} s` : null, a?.firstAlertToFirstNotificationS != null ? `${a.firstAlertToFirstNotificationS} s` : null],
    ['lost', o?.lost, a && `${cell(a.neverNotified)} never notified`],
    ['non-terminal records at the end', o?.nonTerminal, a && 'no per-alert record'],
    ['every record terminal after', o?.terminalAfterS != null ? `${o.terminalAfterS} s` : o ? 'not by the deadline' : null, null],
    ['faults', o ? (o.faults.map((f) => `${f.kind.split(' (')[0]} at ${f.atS} s`).join('; ') || 'none') : null, a && 'none'],
  ];
  return [`| figure | ours | ${a ? `Alertmanager ${a.version.replace(/^alertmanager, version /, '').split(' ')[0]}` : 'Alertmanager'} |`, '|---|---|---|', ...rows.map(([k, ov, av]) => `| ${k} | ${cell(ov)} | ${cell(av)} |`)].join('\n');
}

/** The docs' block: what ran, then the table. */
export function docsBlock(r: StormResult, file: string): string {
  const s = r.settings;
  const m = r.machine as { cores?: number; cpuModel?: string; memoryMiB?: number };
  return [
    BEGIN,
    `Storm (\`${file}\`, ${r.startedAt.slice(0, 10)}, ${m.cores ?? '?'}-core ${String(m.cpuModel ?? '?').split(' ').slice(0, 2).join(' ')}, ${Math.round((m.memoryMiB ?? 0) / 1024)} GiB; made by \`npm run storm${s.short ? ' -- --short' : ''}\`):`,
    `${s.alerts.toLocaleString('en-US')} events from ${s.rules} rules over ${s.seconds} s (seed ${s.seed}); route group_by [${GROUP_BY.join(', ')}], group_wait ${TIMING.groupWait}, group_interval ${TIMING.groupInterval}, repeat_interval ${TIMING.repeatInterval};`,
    `silence \`${SILENCE.matcher}\`; inhibit \`${INHIBIT.source}\` → \`${INHIBIT.target}\`, equal [${INHIBIT.equal.join(', ')}]${r.ours && s.chaos ? '; ours with kill -9 of the worker at 1/3 and a Temporal restart at 2/3' : ''}.`,
    ...(r.scenario.expected.escalatingAlerts ? [`Escalating alerts \`${ESCALATION.matcher}\` (fired in the first third, around the kill -9): a route without group_by; ours escalates them (chat at once, pager after ${ESCALATION.pagerAfter}),`
      + ' Alertmanager notifies each on its own; the pager is ours only and counted in its own row, not in the notifications above.'] : []),
    '',
    stormTable(r),
    END,
  ].join('\n');
}

export function writeStormResult(r: StormResult, started: Date): string {
  return writeResult('storm', started, r, RESULTS_DIR, 0);
}

/** Rewrites the storm table of docs/benchmarks.md (or `docs`) from a result; returns the file's path. */
export function updateDocs(r: StormResult, resultFile: string, docs = DOCS_FILE): string {
  const text = fs.readFileSync(docs, 'utf8');
  const b = text.indexOf(BEGIN);
  const e = text.indexOf(END);
  if (b < 0 || e < b) throw new Error(`${path.relative(ROOT, docs)} has no ${BEGIN} … ${END} region`);
  fs.writeFileSync(docs, text.slice(0, b) + docsBlock(r, path.relative(ROOT, resultFile)) + text.slice(e + END.length));
  return docs;
}
