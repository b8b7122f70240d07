// alertctl oncall's text output: the intake's answers (src/oncall/views.ts) as tables for people.
import type { OverrideView, ShiftView, SourceView, WhoView } from '../oncall/views';

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd()).join('\n');
}

const person = (p: { id: string; name: string }) => (p.name && p.name !== p.id ? `${p.id} (${p.name})` : p.id);

/** Where an answer came from: `layers[0]`, or `override <id> by <who>`. */
export function sourceText(source: SourceView | { layer: number } | { override: string } | null): string {
  if (!source) return '-';
  if ('layer' in source) return `layers[${source.layer}]`;
  const o = source.override;
  return typeof o === 'string' ? `override ${o}` : `override ${o.id} by ${o.createdBy}${o.reason ? `: ${o.reason.replace(/\s+/g, ' ')}` : ''}`;
}

/** `who`'s answer: one schedule ({at, ...WhoView}) or every one ({at, schedules}). */
export function whoText(json: unknown): string {
  const answer = json as { at: string; schedules?: WhoView[] } & Partial<WhoView>;
  const all = answer.schedules ?? [answer as WhoView];
  if (!all.length) return `# at ${answer.at}: no schedules in the on-call file`;
  const rows = all.map((w) => [w.schedule.id, w.people.length ? w.people.map(person).join(', ') : 'nobody', w.until, sourceText(w.source)]);
  return `${table([['SCHEDULE', 'ON CALL', 'UNTIL', 'FROM'], ...rows])}\n# at ${answer.at}`;
}

export function shiftsText(json: unknown): string {
  const { schedule, from, to, shifts } = json as { schedule: { id: string }; from: string; to: string; shifts: ShiftView[] };
  const head = `# ${schedule.id} from ${from} to ${to}: ${shifts.length} shift(s)`;
  if (!shifts.length) return head;
  return `${table([['START', 'END', 'ON CALL', 'FROM'], ...shifts.map((s) => [s.start, s.end, person(s.person), sourceText(s.source)])])}\n${head}`;
}

export function overrideText(json: unknown, which: 'all' | 'not over'): string {
  const { count, overrides } = json as { count: number; overrides: OverrideView[] };
  if (!count) return `# no overrides${which === 'all' ? '' : ' in force or to come'}`;
  const by = (o: OverrideView) => (o.removedBy ? `${o.createdBy} (removed by ${o.removedBy})` : o.createdBy);
  const rows = overrides.map((o) => [o.id, o.state, o.schedule, o.person, o.start, o.end, by(o), (o.reason ?? '').replace(/\s+/g, ' ')]);
  return `${table([['ID', 'STATE', 'SCHEDULE', 'PERSON', 'START', 'END', 'BY', 'REASON'], ...rows])}\n# ${count} override(s)`;
}
