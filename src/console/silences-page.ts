// Silences (docs/storm-control.md): the active and pending ones with an Expire button, and a form to make one —
// matchers in Alertmanager's syntax, one a line, with a preview of the open alerts they would silence now (again as
// they are typed, and every 3 s: alerts come and go while a silence is written).
import { html } from 'ghtml';
import { MatcherSyntaxError } from '../errors';
import type { AlertEvent } from '../contracts/alert';
import { alertSubject, formatMatcher, matchesAll, parseMatcher, type Matcher } from '../storm/matchers';
import { silenceState, type Silence } from '../storm/silences';
import { BASE, csrfField, incidentHref, time } from './layout';
import type { IncidentRow } from './incidents';

export interface SilenceForm {
  matchers: string;
  duration: string;
  comment: string;
}

export const emptyForm: SilenceForm = { matchers: '', duration: '2h', comment: '' };

/** The form's fields from a body or query string (each bounded). */
export function silenceFormOf(q: Record<string, unknown>): SilenceForm {
  const text = (name: keyof SilenceForm, max: number) => (typeof q[name] === 'string' ? q[name].slice(0, max) : emptyForm[name]);
  return { matchers: text('matchers', 4000), duration: text('duration', 20).trim(), comment: text('comment', 2000) };
}

/** The form's matcher lines parsed (each problem named by its line). */
export function parseMatcherLines(text: string): { matchers: Matcher[]; problems: string[] } {
  const matchers: Matcher[] = [];
  const problems: string[] = [];
  for (const [i, line] of text.split(/\r?\n/).map((l) => l.trim()).entries()) {
    if (!line) continue;
    try {
      matchers.push(parseMatcher(line));
    } catch (e) {
      if (!(e instanceof MatcherSyntaxError)) throw e;
      problems.push(`line ${i + 1}: ${e.reason}`);
    }
  }
  return { matchers, problems };
}

/** The open alerts all `matchers` match now. */
export function previewOf(matchers: Matcher[], rows: IncidentRow[]): IncidentRow[] {
  if (!matchers.length) return [];
  return rows.filter((r) => r.doc && matchesAll(matchers, alertSubject(r.doc as unknown as AlertEvent)));
}

export function previewFragment(form: SilenceForm, rows: IncidentRow[] | { error: string }): string {
  const { matchers, problems } = parseMatcherLines(form.matchers);
  let inner: string;
  if (problems.length) inner = html`<p class="error-text">${problems.join('; ')}</p>`;
  else if (!matchers.length) inner = html`<p class="muted">Type matchers to see the open alerts they would silence now.</p>`;
  else if ('error' in rows) inner = html`<p class="error-text">${rows.error}</p>`;
  else {
    const hit = previewOf(matchers, rows);
    inner = hit.length
      ? html`<p>Would silence ${hit.length} open alert(s) now:</p><ul>!${hit.map((r) => html`<li><a href="${incidentHref(r.workflowId)}">${r.title}</a> <span class="muted">${r.severity}</span></li>`)}</ul>`
      : html`<p class="muted">Matches no open alert now (it still silences the next matching one).</p>`;
  }
  return html`<div id="preview" aria-live="polite">!${inner}</div>`;
}

function list(silences: Silence[], csrf: string, now: number): string {
  if (!silences.length) return html`<p class="muted">No active or pending silence.</p>`;
  return html`<div class="scroll" tabindex="0" role="region" aria-label="Silences"><table>
  <thead><tr><th scope="col">Matchers</th><th scope="col">State</th><th scope="col">Starts</th><th scope="col">Ends</th><th scope="col">By</th><th scope="col">Comment</th><th scope="col"><span class="muted">Action</span></th></tr></thead>
  <tbody>!${silences.map((s) => html`<tr data-silence-id="${s.id}">
    <td>!${s.matchers.map((m) => html`<span class="chip">${formatMatcher(m)}</span>`)}</td>
    <td>${silenceState(s, now)}</td><td>!${time(s.startsAt)}</td><td>!${time(s.endsAt)}</td><td>${s.createdBy}</td><td>${s.comment}</td>
    <td><form method="post" action="${BASE}/silences/${encodeURIComponent(s.id)}/expire">!${csrfField(csrf)}<button type="submit" class="secondary" aria-label="Expire silence ${s.matchers.map(formatMatcher).join(', ')}">Expire</button></form></td>
  </tr>`)}</tbody></table></div>`;
}

export function silencesBody(o: { silences: Silence[] | { error: string }; form: SilenceForm; preview: string; csrf: string; top?: string; now?: number }): string {
  const now = o.now ?? Date.now();
  const f = o.form;
  return html`!${o.top ?? ''}
<h2>Active and pending</h2>
!${'error' in o.silences ? html`<p class="error-text">${o.silences.error}</p>` : list(o.silences, o.csrf, now)}
<h2>New silence</h2>
<form method="post" action="${BASE}/silences" class="silence-form">
  !${csrfField(o.csrf)}
  <label for="s-matchers">Matchers, one a line</label>
  <textarea id="s-matchers" name="matchers" rows="4" cols="40" required aria-describedby="s-matchers-help"
    hx-get="${BASE}/silences/preview" hx-trigger="input changed delay:400ms, every 3s" hx-target="#preview" hx-swap="outerHTML" hx-include="closest form">${f.matchers}</textarea>
  <p id="s-matchers-help" class="muted">As Alertmanager writes them: <code>team="db"</code>, <code>severity=~"high|critical"</code>, <code>instance!="db-7"</code>.</p>
  <div class="row">
    <div><label for="s-duration">Duration</label><input id="s-duration" name="duration" value="${f.duration}" size="6" required></div>
    <div><label for="s-comment">Comment</label><input id="s-comment" name="comment" value="${f.comment}" size="40" required></div>
  </div>
  <p><button type="submit">Create silence</button> <button type="submit" class="secondary" formmethod="get" formaction="${BASE}/silences" formnovalidate>Preview</button></p>
</form>
!${o.preview}`;
}
