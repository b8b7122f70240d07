// The console's silence and on-call routes: list, preview, create and expire silences; who is on call, the next
// shifts, and overrides. They go through the intake's own stores (the silence and on-call APIs), as the person
// logged in (`createdBy`, `by`), each change logged.
import { errors as opensearchErrors } from '@opensearch-project/opensearch';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html } from 'ghtml';
import { OverrideInvalidError, OverrideNotFoundError, SilenceInvalidError, SilenceNotFoundError, StartupCheckError } from '../errors';
import { readNewSilence } from '../intake/silences';
import { withTimeout } from '../startup';
import type { Silence } from '../storm/silences';
import type { ConsoleHost } from './host';
import { identityOf, type Identity } from './identity';
import { openIncidents } from './incidents';
import { BASE, notice, page } from './layout';
import { onCallBody, onCallData, overrideFormOf } from './oncall-page';
import { csrfToken, sendPage } from './security';
import { emptyForm, parseMatcherLines, previewFragment, silenceFormOf, silencesBody, type SilenceForm } from './silences-page';

const who = (req: FastifyRequest): Identity => identityOf(req)!;
/** OpenSearch down (or an index mapped wrongly): said on the page; anything else is a bug. */
const storeError = (e: unknown) => {
  if (e instanceof opensearchErrors.OpenSearchClientError || e instanceof StartupCheckError) return { error: `unavailable now: ${e.message}` };
  throw e;
};

export function registerSilenceRoutes(app: FastifyInstance, host: ConsoleHost): void {
  const { deps, log } = host;
  const api = host.silences;

  async function render(req: FastifyRequest, reply: FastifyReply, status: number, form: SilenceForm, top = '') {
    const csrf = csrfToken(deps.settings, req, reply);
    if (!api) return sendPage(reply, 404, page({ title: 'Silences', section: 'silences', who: who(req), csrf, body: notice('error', 'Silences are not available on this intake.') }));
    const silences = await api.ensureIndex().then(async () => [...await api.store.list({ state: 'active' }), ...await api.store.list({ state: 'pending' })]).catch(storeError);
    const rows = parseMatcherLines(form.matchers).matchers.length ? await openIncidents(deps, {}).then((v) => v.rows).catch((e: Error) => ({ error: e.message })) : [];
    return sendPage(reply, status, page({ title: 'Silences', section: 'silences', who: who(req), csrf, body: silencesBody({ silences, form, preview: previewFragment(form, rows), csrf, top }) }));
  }

  app.get<{ Querystring: Record<string, string> }>('/silences', (req, reply) => {
    const done = req.query.created ? notice('ok', 'Silence created.') : req.query.expired ? notice('ok', 'Silence expired: the alerts it held back are looked at again now.') : '';
    return render(req, reply, 200, req.query.matchers === undefined ? emptyForm : silenceFormOf(req.query), done);
  });

  app.get<{ Querystring: Record<string, string> }>('/silences/preview', async (req, reply) => {
    const form = silenceFormOf(req.query);
    const rows = parseMatcherLines(form.matchers).matchers.length ? await openIncidents(deps, {}).then((v) => v.rows).catch((e: Error) => ({ error: e.message })) : [];
    return sendPage(reply, 200, previewFragment(form, rows));
  });

  app.post<{ Body: Record<string, unknown> }>('/silences', async (req, reply) => {
    const form = silenceFormOf(req.body ?? {});
    const parsed = parseMatcherLines(form.matchers);
    const by = who(req);
    const read = readNewSilence({ matchers: parsed.matchers, duration: form.duration, createdBy: by.name, comment: form.comment.trim() });
    const problems = [...parsed.problems, ...(parsed.matchers.length ? [] : ['matchers: at least one']), ...('problems' in read ? read.problems : [])];
    if (!api || problems.length || 'problems' in read) return render(req, reply, api ? 400 : 404, form, notice('error', `Not created: ${problems.join('; ')}`));
    let s: Silence;
    try {
      await api.ensureIndex();
      s = await api.store.add(read.silence);
    } catch (e) {
      if (e instanceof SilenceInvalidError) return render(req, reply, 400, form, notice('error', `Not created: ${e.problems.join('; ')}`));
      return render(req, reply, 503, form, notice('error', storeError(e).error));
    }
    log.info({ user: by.name, via: by.via, silenceId: s.id, matchers: s.matchers.length, endsAt: s.endsAt }, 'console: silence added');
    return reply.code(303).redirect(`${BASE}/silences?created=${encodeURIComponent(s.id)}`);
  });

  app.post<{ Params: { id: string } }>('/silences/:id/expire', async (req, reply) => {
    const by = who(req);
    if (!api) return render(req, reply, 404, emptyForm);
    try {
      await api.ensureIndex();
      const s = await api.store.expire(req.params.id, by.name);
      log.info({ user: by.name, via: by.via, silenceId: s.id }, 'console: silence expired');
      await withTimeout(api.wake(s.id), api.wakeTimeoutMs ?? 10_000).catch((e: Error) => log.warn({ silenceId: s.id, err: e.message }, 'silence expired, silenced deliveries not woken'));
    } catch (e) {
      if (e instanceof SilenceNotFoundError) return render(req, reply, 404, emptyForm, notice('error', 'No such silence.'));
      if (e instanceof SilenceInvalidError) return render(req, reply, 400, emptyForm, notice('error', e.problems.join('; ')));
      return render(req, reply, 503, emptyForm, notice('error', storeError(e).error));
    }
    return reply.code(303).redirect(`${BASE}/silences?expired=1`);
  });
}

export function registerOnCallRoutes(app: FastifyInstance, host: ConsoleHost): void {
  const { deps, log } = host;
  const api = host.oncall;

  async function render(req: FastifyRequest, reply: FastifyReply, status: number, form: ReturnType<typeof overrideFormOf>, top = '') {
    const csrf = csrfToken(deps.settings, req, reply);
    if (!api) return sendPage(reply, 404, page({ title: 'On call', section: 'oncall', who: who(req), csrf, body: notice('error', 'On call is off: the intake has no on-call file (ONCALL_FILE).') }));
    const data = await onCallData(api).catch(storeError);
    return sendPage(reply, status, page({ title: 'On call', section: 'oncall', who: who(req), csrf, body: onCallBody({ data, form, csrf, top }) }));
  }

  app.get<{ Querystring: { created?: string; removed?: string } }>('/oncall', (req, reply) =>
    render(req, reply, 200, overrideFormOf({}), req.query.created ? notice('ok', 'Override created.') : req.query.removed ? notice('ok', 'Override removed.') : ''));

  app.post<{ Body: Record<string, unknown> }>('/oncall/overrides', async (req, reply) => {
    const form = overrideFormOf(req.body ?? {});
    const by = who(req);
    if (!api) return render(req, reply, 404, form);
    try {
      await api.ensureIndex();
      const o = await api.overrides.add({ schedule: form.schedule, person: form.person, start: form.start, end: form.end, createdBy: by.name, ...(form.reason ? { reason: form.reason } : {}) });
      log.info({ user: by.name, via: by.via, overrideId: o.id, schedule: o.schedule, person: o.person, start: o.start, end: o.end }, 'console: on-call override added');
    } catch (e) {
      if (e instanceof OverrideInvalidError) return render(req, reply, 400, form, notice('error', `Not created: ${e.problems.join('; ')}`));
      return render(req, reply, 503, form, html`!${notice('error', storeError(e).error)}`);
    }
    return reply.code(303).redirect(`${BASE}/oncall?created=1`);
  });

  app.post<{ Params: { id: string } }>('/oncall/overrides/:id/remove', async (req, reply) => {
    const by = who(req);
    if (!api) return render(req, reply, 404, overrideFormOf({}));
    try {
      await api.ensureIndex();
      const { override, changed } = await api.overrides.remove(req.params.id, by.name);
      if (changed) log.info({ user: by.name, via: by.via, overrideId: override.id, schedule: override.schedule }, 'console: on-call override removed');
    } catch (e) {
      if (e instanceof OverrideNotFoundError) return render(req, reply, 404, overrideFormOf({}), notice('error', 'No such override.'));
      return render(req, reply, 503, overrideFormOf({}), notice('error', storeError(e).error));
    }
    return reply.code(303).redirect(`${BASE}/oncall?removed=1`);
  });
}
