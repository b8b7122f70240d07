// On call (docs/oncall.md): who is on call now on each schedule (and since when, by a layer or an override), the
// next shifts of each, and a form to put someone on call for a while (an override). People are shown by name,
// never with a contact.
import { html } from 'ghtml';
import type { OnCallApi } from '../intake/oncall-api';
import { shiftsOf, whoIsOnCallEverywhere } from '../oncall/who';
import type { StoredOverride } from '../oncall/override-rules';
import { shiftView, whoView, type ShiftView, type WhoView } from '../oncall/views';
import { BASE, csrfField, time } from './layout';

const WEEK_MS = 7 * 86_400_000;
const SHIFTS_SHOWN = 6;

export interface OnCallData {
  who: WhoView[];
  shifts: Map<string, ShiftView[]>;
  schedules: { id: string; name: string }[];
  people: { id: string; name: string }[];
  /** The overrides not over yet. */
  overrides: StoredOverride[];
}

export interface OverrideForm {
  schedule: string;
  person: string;
  start: string;
  end: string;
  reason: string;
}

/** Now and the next week, from one version of the on-call file. */
export async function onCallData(api: OnCallApi, now = Date.now()): Promise<OnCallData> {
  const file = api.directory.current();
  const pinned = { current: () => file };
  await api.ensureIndex();
  const who = (await whoIsOnCallEverywhere(pinned, api.overrides, now)).map((w) => whoView(file, w));
  const shifts = new Map<string, ShiftView[]>();
  for (const id of file.schedules.keys()) shifts.set(id, ((await shiftsOf(pinned, api.overrides, id, now, now + WEEK_MS)) ?? []).slice(0, SHIFTS_SHOWN).map((s) => shiftView(file, s)));
  return {
    who, shifts, overrides: await api.overrides.list({ from: now }),
    schedules: [...file.schedules.entries()].map(([id, s]) => ({ id, name: s.name ?? id })),
    people: [...file.people.entries()].map(([id, p]) => ({ id, name: p.name })),
  };
}

const hour = (ms: number) => new Date(Math.ceil(ms / 3_600_000) * 3_600_000).toISOString().replace('.000Z', 'Z');

export function overrideFormOf(q: Record<string, unknown>, now = Date.now()): OverrideForm {
  const text = (name: keyof OverrideForm, max: number, fallback: string) => (typeof q[name] === 'string' && q[name].trim() ? q[name].trim().slice(0, max) : fallback);
  return { schedule: text('schedule', 200, ''), person: text('person', 200, ''), start: text('start', 40, hour(now)), end: text('end', 40, hour(now + 8 * 3_600_000)), reason: text('reason', 500, '') };
}

const sourceText = (w: WhoView) => (!w.source ? '' : 'layer' in w.source ? `layer ${w.source.layer + 1}` : `override by ${w.source.override.createdBy}`);

function options(items: { id: string; name: string }[], selected: string): string {
  return items.map((i) => html`<option value="${i.id}"!${i.id === selected ? ' selected' : ''}>${i.name}</option>`).join('');
}

function overrideList(d: OnCallData, csrf: string): string {
  if (!d.overrides.length) return html`<p class="muted">No override now or later.</p>`;
  const name = (list: { id: string; name: string }[], id: string) => list.find((x) => x.id === id)?.name ?? id;
  return html`<div class="scroll" tabindex="0" role="region" aria-label="Overrides"><table>
  <thead><tr><th scope="col">Schedule</th><th scope="col">Person</th><th scope="col">From</th><th scope="col">To</th><th scope="col">By</th><th scope="col">Reason</th><th scope="col"><span class="muted">Action</span></th></tr></thead>
  <tbody>!${d.overrides.map((ov) => html`<tr data-override-id="${ov.id}"><td>${name(d.schedules, ov.schedule)}</td><td>${name(d.people, ov.person)}</td><td>!${time(ov.start)}</td><td>!${time(ov.end)}</td><td>${ov.createdBy}</td><td>${ov.reason ?? ''}</td>
    <td><form method="post" action="${BASE}/oncall/overrides/${encodeURIComponent(ov.id)}/remove">!${csrfField(csrf)}<button type="submit" class="secondary" aria-label="Remove the override of ${name(d.people, ov.person)} from ${ov.start}">Remove</button></form></td></tr>`)}</tbody>
</table></div>`;
}

export function onCallBody(o: { data: OnCallData | { error: string }; form: OverrideForm; csrf: string; top?: string }): string {
  if ('error' in o.data) return html`!${o.top ?? ''}<p class="error-text">${o.data.error}</p>`;
  const d = o.data;
  const rows = d.who.map((w) => {
    const next = (d.shifts.get(w.schedule.id) ?? []).map((s) => html`<li>${s.person.name}: !${time(s.start)} – !${time(s.end)}</li>`);
    return html`<tr><th scope="row">${w.schedule.name}</th><td>${w.people.map((p) => p.name).join(', ') || 'nobody'}<br><span class="muted">${sourceText(w)}</span></td><td>!${time(w.until)}</td>
      <td>${next.length ? '' : '–'}!${next.length ? html`<ul>!${next}</ul>` : ''}</td></tr>`;
  });
  const f = o.form;
  return html`!${o.top ?? ''}
<div class="scroll" tabindex="0" role="region" aria-label="On call now"><table>
  <thead><tr><th scope="col">Schedule</th><th scope="col">On call now</th><th scope="col">Until</th><th scope="col">Next shifts (7 days)</th></tr></thead>
  <tbody>!${rows}</tbody></table></div>
<h2>Overrides</h2>
!${overrideList(d, o.csrf)}
<h2>Put someone on call (override)</h2>
<form method="post" action="${BASE}/oncall/overrides">
  !${csrfField(o.csrf)}
  <div class="row">
    <div><label for="o-schedule">Schedule</label><select id="o-schedule" name="schedule" required>!${options(d.schedules, f.schedule)}</select></div>
    <div><label for="o-person">Person</label><select id="o-person" name="person" required>!${options(d.people, f.person)}</select></div>
    <div><label for="o-start">Start (ISO, with zone)</label><input id="o-start" name="start" value="${f.start}" size="22" required></div>
    <div><label for="o-end">End</label><input id="o-end" name="end" value="${f.end}" size="22" required></div>
  </div>
  <label for="o-reason">Reason</label><input id="o-reason" name="reason" value="${f.reason}" size="40">
  <p><button type="submit">Create override</button></p>
</form>`;
}
