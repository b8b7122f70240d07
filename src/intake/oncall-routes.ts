// The intake's on-call API (docs/intake.md, "On call"), behind the bearer token as the other API routes:
//   GET    /api/oncall/who[?schedule=S][&at=ISO]        who is on call now (or at `at`): one schedule, or every one
//   GET    /api/oncall/schedules/:id/shifts[?from=&to=] a schedule's shifts (default: the next 7 days)
//   GET    /api/oncall/overrides[?schedule=&from=&to=&removed=true]   overrides not over (from `from`, default now)
//   POST   /api/oncall/overrides  {schedule, person, start, end, createdBy, reason?} → 201 {override}
//   GET    /api/oncall/overrides/:id                    → {override}
//   DELETE /api/oncall/overrides/:id[?by=NAME] (or body {"by"}) removes it → {override, removed}
// and the calendar feeds (./oncall-feeds.ts), which take a signed token instead. People are shown as ID and name,
// never with a contact. Without an on-call file every route answers 404 saying so; OpenSearch unreachable (or the
// override index mapped wrongly): 503 with the reason, the other routes unaffected.
import { errors as opensearchErrors } from '@opensearch-project/opensearch';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { OverrideInvalidError, OverrideNotFoundError, StartupCheckError } from '../errors';
import type { createJsonApp } from '../http/json-app';
import type { Logger } from '../logger';
import { instantOf, MAX_OVERRIDE_MS } from '../oncall/override-rules';
import type { OverrideStore } from '../oncall/overrides';
import type { OnCallApi } from './oncall-api';
import { overrideView, scheduleView, shiftView, whoView, type Names } from '../oncall/views';
import { shiftsOf, whoIsOnCall, whoIsOnCallEverywhere } from '../oncall/who';
import { registerFeedRoutes } from './oncall-feeds';

export type { OnCallApi } from './oncall-api';

/** The longest span a shifts request may cover. */
const MAX_SHIFTS_SPAN_MS = MAX_OVERRIDE_MS;
const WEEK_MS = 7 * 86_400_000;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Registers the on-call routes on `app`: the API in a scope `bearer` protects, the feeds in one of their own.
 * `oncall` absent (no ONCALL_FILE): the API answers 404 saying on call is off; the feeds 404.
 */
export function registerOnCallRoutes(app: ReturnType<typeof createJsonApp>, oncall: OnCallApi | undefined, log: Logger, bearer: (api: FastifyInstance) => void): void {
  void app.register((api, _opts, done) => {
    bearer(api);
    if (oncall) registerApiRoutes(api, oncall, log);
    else api.all('/api/oncall/*', (_req, reply) => reply.code(404).send({ error: 'on call is off: the intake has no on-call file (ONCALL_FILE)' }));
    done();
  });
  void app.register((feeds, _opts, done) => {
    if (oncall?.icalSecret) registerFeedRoutes(feeds, oncall, oncall.icalSecret, log);
    done();
  });
}

/** `?name=ISO` as epoch ms (the default when absent), or the 400 answer's error when it is not an instant with a zone. */
function instantParam(name: string, raw: string | undefined, fallback: number): { ms: number } | { error: string } {
  if (raw === undefined || raw === '') return { ms: fallback };
  const ms = instantOf(raw);
  return Number.isNaN(ms) ? { error: `${name}=${raw}: expected an ISO 8601 instant with a zone, such as 2030-01-31T18:00:00Z` } : { ms };
}

/** `?from=&to=`: from defaults to now, to to `from + span`; the 400 answer's error when either is no instant. */
function spanParams(q: { from?: string; to?: string }, span: number): { from: number; to: number } | { error: string } {
  const from = instantParam('from', q.from, Date.now());
  if ('error' in from) return from;
  const to = instantParam('to', q.to, from.ms + span);
  return 'error' in to ? to : { from: from.ms, to: to.ms };
}

const unknownSchedule = (names: Names, id: string) =>
  `no schedule ${JSON.stringify(id)} in the on-call file (schedules: ${[...names.schedules.keys()].join(', ') || 'none'})`;

function registerApiRoutes(api: FastifyInstance, deps: OnCallApi, log: Logger): void {
  const { overrides } = deps;
  /** OpenSearch (or the override index) is not usable now: 503 with the reason; anything else is a bug (500). */
  const unavailable = (reply: FastifyReply, e: unknown) => {
    if (!(e instanceof opensearchErrors.OpenSearchClientError || e instanceof StartupCheckError)) throw e;
    log.warn({ err: e.message, index: overrides.index }, 'on-call overrides unavailable: answered 503');
    return reply.code(503).header('retry-after', '5').send({ error: `on-call overrides are unavailable: OpenSearch at ${deps.where}, index "${overrides.index}": ${e.message}` });
  };
  /** Runs `fn` with the override index ready; a store failure answers 503. */
  const withStore = async (reply: FastifyReply, fn: () => Promise<FastifyReply>) => {
    try {
      await deps.ensureIndex();
      return await fn();
    } catch (e) {
      return unavailable(reply, e);
    }
  };

  api.get<{ Querystring: { schedule?: string; at?: string } }>('/api/oncall/who', async (req, reply) => {
    const at = instantParam('at', req.query.at, Date.now());
    if ('error' in at) return reply.code(400).send(at);
    const file = deps.directory.current();
    const id = req.query.schedule;
    if (id !== undefined && !file.schedules.has(id)) return reply.code(404).send({ error: unknownSchedule(file, id) });
    const pinned = { current: () => file };
    const when = new Date(at.ms).toISOString();
    return withStore(reply, async () => {
      if (id === undefined) return reply.send({ at: when, schedules: (await whoIsOnCallEverywhere(pinned, overrides, at.ms)).map((w) => whoView(file, w)) });
      return reply.send({ at: when, ...whoView(file, (await whoIsOnCall(pinned, overrides, id, at.ms))!) });
    });
  });

  api.get<{ Params: { id: string }; Querystring: { from?: string; to?: string } }>('/api/oncall/schedules/:id/shifts', async (req, reply) => {
    const span = spanParams(req.query, WEEK_MS);
    if ('error' in span) return reply.code(400).send(span);
    if (span.to <= span.from || span.to - span.from > MAX_SHIFTS_SPAN_MS) return reply.code(400).send({ error: 'to: must be after from, by at most a year' });
    const file = deps.directory.current();
    const id = req.params.id;
    if (!file.schedules.has(id)) return reply.code(404).send({ error: unknownSchedule(file, id) });
    return withStore(reply, async () => {
      const shifts = (await shiftsOf({ current: () => file }, overrides, id, span.from, span.to))!;
      return reply.send({ schedule: scheduleView(file, id), from: new Date(span.from).toISOString(), to: new Date(span.to).toISOString(), shifts: shifts.map((s) => shiftView(file, s)) });
    });
  });

  registerOverrideRoutes(api, deps, log, withStore);
}

function registerOverrideRoutes(api: FastifyInstance, deps: OnCallApi, log: Logger, withStore: (reply: FastifyReply, fn: () => Promise<FastifyReply>) => Promise<FastifyReply>): void {
  const { overrides } = deps;
  api.get<{ Querystring: { schedule?: string; from?: string; to?: string; removed?: string } }>('/api/oncall/overrides', async (req, reply) => {
    const { schedule, removed } = req.query;
    const span = spanParams(req.query, Number.POSITIVE_INFINITY);
    if ('error' in span) return reply.code(400).send(span);
    if (removed !== undefined && removed !== 'true' && removed !== 'false') return reply.code(400).send({ error: `removed=${removed}: expected true or false` });
    return withStore(reply, async () => {
      const found = await overrides.list({ ...(schedule ? { schedule } : {}), from: span.from, ...(Number.isFinite(span.to) ? { to: span.to } : {}), removed: removed === 'true' });
      const now = Date.now();
      return reply.send({ count: found.length, overrides: found.map((o) => overrideView(o, now)) });
    });
  });

  api.get<{ Params: { id: string } }>('/api/oncall/overrides/:id', async (req, reply) => withStore(reply, async () => {
    const o = await overrides.get(req.params.id);
    return o ? reply.send({ override: overrideView(o) }) : reply.code(404).send({ error: `no override ${req.params.id}` });
  }));

  api.post('/api/oncall/overrides', async (req, reply) => {
    const body = req.body;
    if (!body || typeof body !== 'object' || Array.isArray(body)) return reply.code(400).send({ error: 'invalid override; nothing was created', problems: ['(body): expected a JSON object {schedule, person, start, end, createdBy, reason?}'] });
    return withStore(reply, async () => {
      try {
        const o = await overrides.add(body as Parameters<OverrideStore['add']>[0]);
        log.info({ overrideId: o.id, schedule: o.schedule, person: o.person, start: o.start, end: o.end, createdBy: o.createdBy }, 'on-call override added');
        return await reply.code(201).header('location', `/api/oncall/overrides/${o.id}`).send({ override: overrideView(o) });
      } catch (e) {
        if (e instanceof OverrideInvalidError) return reply.code(400).send({ error: 'invalid override; nothing was created', problems: e.problems });
        throw e;
      }
    });
  });

  api.delete<{ Params: { id: string }; Querystring: { by?: string } }>('/api/oncall/overrides/:id', async (req, reply) => {
    const fromBody = (req.body as { by?: unknown } | undefined)?.by;
    const by = (typeof fromBody === 'string' ? fromBody : req.query.by ?? 'api').trim();
    if (!by || by.length > 128 || CONTROL.test(by)) return reply.code(400).send({ error: 'not removed', problems: ['by: a name of 1 to 128 characters, without control characters'] });
    return withStore(reply, async () => {
      try {
        const { override, changed } = await overrides.remove(req.params.id, by);
        if (changed) log.info({ overrideId: override.id, schedule: override.schedule, by }, 'on-call override removed');
        return await reply.send({ override: overrideView(override), removed: changed });
      } catch (e) {
        if (e instanceof OverrideNotFoundError) return reply.code(404).send({ error: `no override ${req.params.id}` });
        throw e;
      }
    });
  });
}
