// The console's incident routes: Now (the page and its polled fragment), an incident's page, and its actions.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { WorkflowNotFoundError } from '@temporalio/common';
import { html } from 'ghtml';
import { ACTIONS, runAction, type Action } from './actions';
import type { ConsoleHost } from './host';
import { identityOf, type Identity } from './identity';
import { loadIncident } from './incident';
import { incidentBody, incidentLive } from './incident-page';
import { openIncidents } from './incidents';
import { incidentHref, notice, page } from './layout';
import { filtersOf, nowBody, nowFragment } from './now-page';
import { csrfToken, sendPage } from './security';

const DONE: Record<Action, string> = {
  ack: 'Acknowledged: the escalation stops.',
  resolve: 'The resolved event is published: the incident resolves as soon as it is delivered.',
  retry: 'Retried the failed channels.',
  abandon: 'Abandoned: no more attempts.',
};

const who = (req: FastifyRequest): Identity => identityOf(req)!;
const unavailable = (e: unknown) => ({ error: `The incidents cannot be read now (${(e as Error).message}). Retrying…` });
const MAX_ID = 512;

export function registerIncidentRoutes(app: FastifyInstance, host: ConsoleHost): void {
  const { deps, log } = host;

  app.get<{ Querystring: Record<string, string> }>('/', async (req, reply) => {
    const f = filtersOf(req.query);
    const view = await openIncidents(deps, f).catch(unavailable);
    return sendPage(reply, 200, page({ title: 'Now', section: 'now', who: who(req), csrf: csrfToken(deps.settings, req, reply), body: nowBody(f, nowFragment(f, view)) }));
  });

  app.get<{ Querystring: Record<string, string> }>('/now/rows', async (req, reply) => {
    const f = filtersOf(req.query);
    return sendPage(reply, 200, nowFragment(f, await openIncidents(deps, f).catch(unavailable)));
  });

  app.get<{ Params: { id: string }; Querystring: { done?: string } }>('/incidents/:id', async (req, reply) => {
    const id = req.params.id.slice(0, MAX_ID);
    const done = (ACTIONS as readonly string[]).includes(req.query.done ?? '') ? notice('ok', DONE[req.query.done as Action]) : '';
    return renderIncident(req, reply, id, 200, done);
  });

  app.get<{ Params: { id: string } }>('/incidents/:id/live', async (req, reply) => {
    try {
      return await sendPage(reply, 200, incidentLive(await loadIncident(deps, req.params.id.slice(0, MAX_ID))));
    } catch (e) {
      if (e instanceof WorkflowNotFoundError) return sendPage(reply, 404, notice('error', 'No such delivery.'));
      throw e;
    }
  });

  /** The page with this request's CSRF token (rendered once the token is known). */
  async function renderIncident(req: FastifyRequest, reply: Parameters<typeof sendPage>[0], id: string, status: number, top: string) {
    const csrf = csrfToken(deps.settings, req, reply);
    try {
      const v = await loadIncident(deps, id);
      return sendPage(reply, status, page({ title: v.doc?.title ?? id, section: 'now', who: who(req), csrf, body: incidentBody(v, csrf, top) }));
    } catch (e) {
      if (!(e instanceof WorkflowNotFoundError)) throw e;
      return sendPage(reply, 404, page({ title: 'Not found', section: 'now', who: who(req), csrf, body: html`!${notice('error', `No delivery ${id}.`)}` }));
    }
  }

  app.post<{ Params: { id: string; action: string }; Body: { note?: unknown; reason?: unknown } }>('/incidents/:id/:action', async (req, reply) => {
    const id = req.params.id.slice(0, MAX_ID);
    const action = req.params.action as Action;
    if (!(ACTIONS as readonly string[]).includes(action)) return sendPage(reply, 404, page({ title: 'Not found', section: 'now', who: who(req), body: notice('error', 'No such action.') }));
    const text = (v: unknown) => (typeof v === 'string' ? v.trim().slice(0, 500) : '');
    const by = who(req);
    const outcome = await runAction(deps, host.writer, action, id, { by: by.name, note: text(req.body?.note), reason: text(req.body?.reason) });
    log.info({ user: by.name, via: by.via, action, workflowId: id, ok: outcome.ok, ...(outcome.ok ? {} : { status: outcome.status, reason: outcome.message }) }, 'console action');
    if (outcome.ok) return reply.code(303).redirect(`${incidentHref(id)}?done=${action}`);
    return renderIncident(req, reply, id, outcome.status, notice('error', outcome.message));
  });
}
