// An incident's page: what the alert is, its state, each channel with attempts and its last error, the timeline,
// and the Acknowledge, Resolve, Retry and Abandon buttons (./actions.ts), each a form with the CSRF token.
import { html } from 'ghtml';
import type { ChannelResult } from '../contracts/channels';
import { age, csrfField, incidentHref, time } from './layout';
import type { IncidentView } from './incident';

/** Which buttons make sense now (the workflow decides in the end: a refused update is shown as such). */
export function possibleActions(v: IncidentView): { ack: boolean; resolve: boolean; retry: boolean; abandon: boolean } {
  const status = v.state?.status ?? v.doc?.deliveryStatus;
  const incident = v.state?.incidentState ?? v.record?.state ?? v.doc?.incidentState;
  const firing = (v.doc?.status ?? 'firing') === 'firing' && (!v.doc?.incidentRole || v.doc.incidentRole === 'page');
  return {
    ack: v.running && firing && incident !== 'acknowledged' && incident !== 'resolved',
    resolve: firing && v.record?.state !== 'resolved' && incident !== 'resolved',
    retry: v.running && status === 'failed',
    abandon: v.running && (status === 'failed' || status === 'pending'),
  };
}

function facts(v: IncidentView): string {
  const d = v.doc;
  const labels = Object.entries(d?.labels ?? {}).map(([k, val]) => html`<span class="chip">${k}=${val}</span>`);
  const status = v.state?.status ?? d?.deliveryStatus ?? '–';
  const incident = v.record?.state ?? v.state?.incidentState ?? d?.incidentState ?? '–';
  const ack = v.state?.ack ?? (d?.ackedBy ? { by: d.ackedBy, at: d.ackedAt ?? '', via: d.ackedVia ?? '' } : v.record?.ackedBy ? { by: v.record.ackedBy, at: v.record.ackedAt ?? '', via: '' } : undefined);
  return html`<dl class="facts">
  <dt>Severity</dt><dd class="sev-${d?.severity ?? ''}">${d?.severity ?? '–'}</dd>
  <dt>Rule</dt><dd>${d ? `${d.ruleName} (${d.ruleId})` : '–'}</dd>
  <dt>View / scope</dt><dd>${d ? `${d.view} / ${d.scope}` : '–'}</dd>
  <dt>Fired</dt><dd>!${time(d?.firedAt)} (${age(d?.firedAt)} ago)</dd>
  <dt>Incident</dt><dd>${ack && incident === 'acknowledged' ? `acknowledged by ${ack.by}${ack.via ? ` via ${ack.via}` : ''}` : incident}</dd>
  <dt>Delivery</dt><dd>${status}${v.running ? ' (workflow running)' : ` (workflow ${v.description.status.name.toLowerCase()})`}${d?.abandonReason ? `: ${d.abandonReason}` : ''}</dd>
  <dt>Escalation</dt><dd>${(v.state?.escalationLevel ?? d?.escalationLevel ?? 0) > 0 ? `level ${v.state?.escalationLevel ?? d?.escalationLevel}` : 'first notification only'}${d?.pagedPeople?.length ? `; paged ${d.pagedPeople.join(', ')}` : ''}</dd>
  !${d?.suppressionNote ? html`<dt>Held back</dt><dd>${d.suppressionNote}</dd>` : ''}
  <dt>Labels</dt><dd>!${labels.length ? labels : '–'}</dd>
  <dt>Workflow</dt><dd><code>${v.workflowId}</code>!${v.uiUrl ? html` — <a href="${v.uiUrl}" rel="noreferrer">open in the Temporal Web UI</a>` : ''}</dd>
</dl>
!${d?.description ? html`<h2>Description</h2><p>${d.description}</p>` : ''}`;
}

function channels(list: ChannelResult[]): string {
  if (!list.length) return html`<p class="muted">No channel notified yet.</p>`;
  return html`<div class="scroll" tabindex="0" role="region" aria-label="Notifications"><table>
  <thead><tr><th scope="col">Channel</th><th scope="col">Status</th><th scope="col">Attempts</th><th scope="col">Delivered</th><th scope="col">Last error</th></tr></thead>
  <tbody>!${list.map((c) => html`<tr><td>${c.channel}${c.required ? '' : ' (best effort)'}</td><td class="state-${c.status}">${c.status}</td><td>${c.attempts}</td><td>!${time(c.deliveredAt)}</td><td class="error-text">${c.status === 'delivered' ? '' : c.lastError ?? ''}</td></tr>`)}</tbody>
</table></div>`;
}

function actions(v: IncidentView, csrf: string): string {
  const can = possibleActions(v);
  const base = incidentHref(v.workflowId);
  const forms = [
    can.ack ? html`<form method="post" action="${base}/ack">!${csrfField(csrf)}<div><label for="ack-note">Note (optional)</label><input id="ack-note" name="note" maxlength="500"></div><button type="submit">Acknowledge</button></form>` : '',
    can.resolve ? html`<form method="post" action="${base}/resolve">!${csrfField(csrf)}<button type="submit" class="secondary">Resolve</button></form>` : '',
    can.retry ? html`<form method="post" action="${base}/retry">!${csrfField(csrf)}<button type="submit">Retry</button></form>` : '',
    can.abandon ? html`<form method="post" action="${base}/abandon">!${csrfField(csrf)}<div><label for="abandon-reason">Reason</label><input id="abandon-reason" name="reason" required maxlength="500"></div><button type="submit" class="danger">Abandon</button></form>` : '',
  ].filter(Boolean);
  return forms.length ? html`<section class="actions" aria-label="Actions">!${forms}</section>` : html`<p class="muted">Nothing to do here: the incident needs no action.</p>`;
}

function timeline(v: IncidentView): string {
  return html`<ol class="timeline">!${v.timeline.map((e) => html`<li>!${time(e.at)} — ${e.what}!${e.detail ? html`<br><span class="muted">${e.detail}</span>` : ''}</li>`)}</ol>`;
}

/** How often an open incident's page reloads its state, channels and timeline (htmx). */
export const LIVE_SECONDS = 5;

/** The part of the page that reloads itself while the workflow runs (the forms stay: a note being typed is kept). */
export function incidentLive(v: IncidentView): string {
  const poll = v.running ? html`hx-get="${incidentHref(v.workflowId)}/live" hx-trigger="every ${LIVE_SECONDS}s" hx-swap="outerHTML"` : '';
  return html`<div id="live" !${poll}>
<h2>The alert</h2>
!${facts(v)}
<h2>Notifications</h2>
!${channels(v.state?.channels ?? v.doc?.deliveries ?? [])}
<h2>Timeline</h2>
!${timeline(v)}
</div>`;
}

export function incidentBody(v: IncidentView, csrf: string, top = ''): string {
  return html`!${top}
<p><a href="/console/">← All open incidents</a></p>
!${actions(v, csrf)}
!${incidentLive(v)}`;
}
