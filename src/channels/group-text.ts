// The text every channel shows for a group notification (storm control, docs/storm-control.md), in plain text:
//
//   [FIRING:12] databases cluster=eu-1 alertname=DiskFull        the summary line (Alertmanager's style)
//   12 firing (3 new), 2 resolved                                 the counts
//   - [critical] Disk full on db-1 · rule DiskFull · alert a-42   the listed alerts (at most GROUP_LIST_LIMIT)
//   - [high] Disk full on db-2 · rule DiskFull · alert a-43 · resolved
//   … and 4 more                                                  the alerts not listed
//   All alerts: <listUrl>                                         when the worker knows the UI's URL
//
// A resolved group's summary is `[RESOLVED] <route> <labels>`. Every value here is alert content or label
// text: untrusted. Channels with a markup pass a `style` whose `value` escapes (and cuts) each value, so an
// alert cannot inject markup; the plain-text pieces (`groupSummary`, `groupBody`) are for targets that show
// text literally (Slack plain_text, email text, PagerDuty, an HTML escaper applied afterwards).
import { GROUP_LIST_LIMIT, type GroupMember, type GroupNotice } from '../contracts/group';
import type { OutgoingAlert } from './types';

/** Longest value of one listed alert, in plain text (a huge title cannot crowd out the rest of the list). */
export const PLAIN_VALUE_LIMITS = { title: 300, ruleName: 150, alertId: 200 } as const;
/** PagerDuty's summary (and a sensible mail subject) is at most this long. */
export const SUMMARY_LIMIT = 1024;

/** Cuts plain text to at most `max` characters, ending in "…" when it had to cut; never splits a surrogate pair. */
export function cutPlain(s: string, max: number): string {
  if (s.length <= max) return s;
  let cut = s.slice(0, max - 1);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/** `[FIRING:12] databases cluster=eu-1 alertname=DiskFull` or `[RESOLVED] databases cluster=eu-1 …` (≤ SUMMARY_LIMIT). */
export function groupSummary(g: GroupNotice): string {
  const status = g.status === 'resolved' ? 'RESOLVED' : `FIRING:${g.counts.firing}`;
  const labels = Object.entries(g.labels).map(([k, v]) => ` ${k}=${v}`).join('');
  return cutPlain(`[${status}] ${g.route}${labels}`, SUMMARY_LIMIT);
}

/** `12 firing (3 new), 2 resolved`; the parts that are 0 are left out, except `N firing`. */
export function groupCounts(g: GroupNotice): string {
  const { firing, new: added, resolved } = g.counts;
  return `${firing} firing${added > 0 ? ` (${added} new)` : ''}${resolved > 0 ? `, ${resolved} resolved` : ''}`;
}

/** The alerts a notification lists by name (at most GROUP_LIST_LIMIT) and how many more the group has. */
export function listedAlerts(g: GroupNotice): { shown: GroupMember[]; more: number } {
  const shown = g.alerts.slice(0, GROUP_LIST_LIMIT);
  const total = Math.max(g.counts.firing + g.counts.resolved, g.alerts.length);
  return { shown, more: total - shown.length };
}

export const moreLine = (n: number): string => `… and ${n} more`;

/** How one channel writes a listed alert: `value` makes an untrusted value safe for the target (and short). */
export interface LineStyle {
  value(s: string, max: number): string;
  /** Wraps the (already safe) title, e.g. in bold; default: as it is. */
  title?(s: string): string;
  /** Wraps the (already safe) alert ID, e.g. as code; default: as it is. */
  id?(s: string): string;
  /** Begins the line; default `- `. */
  bullet?(m: GroupMember): string;
  limits?: { title: number; ruleName: number; alertId: number };
}

export const PLAIN: LineStyle = { value: cutPlain };

/** `- [critical] Disk full on db-1 · rule DiskFull · alert a-42` (` · resolved` for an alert resolved since the last notification). */
export function alertLine(m: GroupMember, style: LineStyle = PLAIN): string {
  const lim = style.limits ?? PLAIN_VALUE_LIMITS;
  const title = style.value(m.title, lim.title);
  const id = style.value(m.alertId, lim.alertId);
  return `${style.bullet?.(m) ?? '- '}[${style.value(m.severity, 20)}] ${style.title?.(title) ?? title}` +
    ` · rule ${style.value(m.ruleName, lim.ruleName)} · alert ${style.id?.(id) ?? id}${m.status === 'resolved' ? ' · resolved' : ''}`;
}

/** The listed alerts' lines, then `… and N more` when the group has more. */
export function listLines(g: GroupNotice, style: LineStyle = PLAIN): string[] {
  const { shown, more } = listedAlerts(g);
  return [...shown.map((m) => alertLine(m, style)), ...(more > 0 ? [moreLine(more)] : [])];
}

/** A resolved group's last notification says so in its body too (the summary says `[RESOLVED]`). */
export function resolvedNote(g: GroupNotice): string | undefined {
  return g.status === 'resolved' ? 'Every alert of this group is resolved.' : undefined;
}

/** The plain-text body: the resolved note, the counts, the list, `… and N more`, and the link to all the group's alerts. */
export function groupBody(g: GroupNotice): string {
  const note = resolvedNote(g);
  return [...(note ? [note] : []), groupCounts(g), '', ...listLines(g), ...(g.listUrl ? ['', `All alerts: ${g.listUrl}`] : [])].join('\n');
}

/** Whether what goes out tells of a resolve: a group whose alerts are all resolved, or an alert's resolve. */
export const tellsResolved = (alert: Pick<OutgoingAlert, 'group' | 'resolves'>): boolean =>
  (alert.group ? alert.group.status === 'resolved' : alert.resolves !== undefined);
