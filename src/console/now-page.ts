// "Now": the open incidents (src/console/incidents.ts) with their filters. The table is a fragment the page
// reloads every few seconds (htmx polling `GET /console/now/rows`), so a new alert, an acknowledgement or a parked
// delivery shows without a reload; without JavaScript the page still works (reload it).
import { html } from 'ghtml';
import { SEVERITIES } from '../contracts/alert';
import { age, BASE, incidentHref, notice } from './layout';
import { ROW_STATES, type Filters, type IncidentRow, type NowView } from './incidents';

export const POLL_SECONDS = 2;

const FILTER_NAMES = ['team', 'severity', 'label', 'state'] as const;

/** The filters of a query string (unknown values dropped; each at most 200 characters). */
export function filtersOf(q: Record<string, unknown>): Filters {
  const f: Filters = {};
  for (const name of FILTER_NAMES) {
    const v = typeof q[name] === 'string' ? q[name].trim().slice(0, 200) : '';
    if (v) f[name] = v;
  }
  if (f.severity && !(SEVERITIES as readonly string[]).includes(f.severity)) delete f.severity;
  if (f.state && !(ROW_STATES as readonly string[]).includes(f.state)) delete f.state;
  return f;
}

const queryOf = (f: Filters) => new URLSearchParams(Object.entries(f) as [string, string][]).toString();

function options(values: readonly string[], selected: string | undefined, any: string): string {
  return html`<option value="">${any}</option>!${values.map((v) => html`<option value="${v}"!${v === selected ? ' selected' : ''}>${v}</option>`)}`;
}

export function nowBody(f: Filters, fragment: string): string {
  return html`<form class="row" method="get" action="${BASE}/" aria-label="Filters">
  <div><label for="f-team">Team</label><input id="f-team" name="team" value="${f.team ?? ''}" size="12"></div>
  <div><label for="f-severity">Severity</label><select id="f-severity" name="severity">!${options(SEVERITIES, f.severity, 'any')}</select></div>
  <div><label for="f-state">State</label><select id="f-state" name="state">!${options(ROW_STATES, f.state, 'any')}</select></div>
  <div><label for="f-label">Label</label><input id="f-label" name="label" value="${f.label ?? ''}" placeholder="name=value" size="16"></div>
  <div><button type="submit">Filter</button> <a href="${BASE}/">Clear</a></div>
</form>
!${fragment}`;
}

function pagedCell(r: IncidentRow): string {
  const level = r.escalationLevel > 0 ? `level ${r.escalationLevel}` : 'first notification';
  const people = r.pagedPeople.length ? `: ${r.pagedPeople.join(', ')}` : '';
  const channels = (r.doc?.deliveries ?? []).filter((d) => d.status === 'delivered').map((d) => d.channel);
  const notified = channels.length ? html`<br><span class="muted">notified ${channels.join(', ')}</span>` : '';
  return html`${level}${people}!${notified}`;
}

function stateCell(r: IncidentRow): string {
  const failing = r.failing.map((f) => html`<br><span class="error-text">${f.channel}: ${f.lastError ?? 'failed'}</span>`);
  return html`<span class="state-${r.state}">${r.state}</span>${r.ackedBy ? ` by ${r.ackedBy}` : ''}!${failing}`;
}

function row(r: IncidentRow, now: number): string {
  const labels = Object.entries(r.doc?.labels ?? {}).slice(0, 6).map(([k, v]) => html`<span class="chip">${k}=${v}</span>`);
  return html`<tr data-workflow-id="${r.workflowId}">
  <td class="sev-${r.severity}" data-label="Severity">${r.severity}</td>
  <td data-label="Alert"><a href="${incidentHref(r.workflowId)}">${r.title}</a><br>!${labels}</td>
  <td data-label="State">!${stateCell(r)}</td>
  <td data-label="Age">${age(r.firedAt, now)}</td>
  <td data-label="Paged">!${pagedCell(r)}</td>
</tr>`;
}

/** The polled fragment: the counts and the table (or why they are unavailable), in its polling wrapper. */
export function nowFragment(f: Filters, view: NowView | { error: string }, now = Date.now()): string {
  const poll = html`id="now" hx-get="${BASE}/now/rows?${queryOf(f)}" hx-trigger="every ${POLL_SECONDS}s" hx-swap="outerHTML"`;
  if ('error' in view) return html`<div !${poll}>!${notice('error', view.error)}</div>`;
  const c = view.counts;
  const counts = html`<ul class="counts" aria-label="Counts">
    <li>firing <strong>${c.firing}</strong></li><li>escalating <strong>${c.escalating}</strong></li><li>acknowledged <strong>${c.acknowledged}</strong></li>
    <li>parked <strong>${c.failed}</strong></li><li>silenced <strong>${c.silenced}</strong></li><li>inhibited <strong>${c.inhibited}</strong></li>
    <li>storm groups open <strong>${c.groups}</strong></li></ul>`;
  const table = view.rows.length
    ? html`<div class="scroll" tabindex="0" role="region" aria-label="Open incidents"><table class="cards">
  <caption>${view.rows.length} open incident(s), updated <time datetime="${view.at}">${view.at.slice(11, 19)} UTC</time></caption>
  <thead><tr><th scope="col">Severity</th><th scope="col">Alert</th><th scope="col">State</th><th scope="col">Age</th><th scope="col">Paged</th></tr></thead>
  <tbody>!${view.rows.map((r) => row(r, now))}</tbody></table></div>`
    : html`<p class="muted">No open incident${Object.keys(f).length ? ' matches the filters' : ''} (updated <time datetime="${view.at}">${view.at.slice(11, 19)} UTC</time>).</p>`;
  return html`<div !${poll}>!${counts}!${table}</div>`;
}
