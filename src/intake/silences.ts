// The intake's silence API (docs/storm-control.md, "Silences"), inside the bearer-authenticated /api/v1 scope:
//   GET    /api/v1/silences[?state=active|pending|expired|all]   default: active and pending → {count, silences}
//   POST   /api/v1/silences      {matchers, startsAt?, endsAt? | duration?, createdBy, comment} → 201 the silence
//   GET    /api/v1/silences/:id  → the silence (404 unknown)
//   DELETE /api/v1/silences/:id[?by=NAME]  (or body {"by"}) expires it and wakes the deliveries it held back
//          → {silence, alreadyEnded, woken}
// Each silence is shown with its `state` now (pending | active | expired). OpenSearch unreachable (or the
// silence index mapped wrongly): 503 with the reason; the alert routes are not affected.
import { errors as opensearchErrors } from '@opensearch-project/opensearch';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { parseDuration } from '../duration';
import { MatcherSyntaxError, SilenceInvalidError, SilenceNotFoundError, StartupCheckError } from '../errors';
import type { Logger } from '../logger';
import { withTimeout } from '../startup';
import { parseMatcher, type Matcher } from '../storm/matchers';
import { silenceProblems, silenceState, type NewSilence, type Silence, type SilenceStore } from '../storm/silences';

export interface SilenceApi {
  store: SilenceStore;
  /** Makes sure the silence index exists with its mapping (once; again after a failure). */
  ensureIndex: () => Promise<void>;
  /** Where OpenSearch is, for the 503 message (never a secret). */
  where: string;
  /** Wakes the deliveries held back by a silence that just ended (src/storm/wake.ts); resolves with how many. */
  wake: (silenceId: string) => Promise<number>;
  /** The longest a wake may take before the answer says it did not finish (default 10 s). */
  wakeTimeoutMs?: number;
}

/** `ensureIndex` for SilenceApi: one attempt shared by the requests waiting for it, retried after a failure. */
export function ensureOnce(ensure: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => {
    done ??= ensure().catch((e: unknown) => {
      done = undefined;
      throw e;
    });
    return done;
  };
}

const STATES = ['active', 'pending', 'expired', 'all'] as const;
const shown = (s: Silence, now = Date.now()) => ({ ...s, state: silenceState(s, now) });

export function registerSilenceRoutes(api: FastifyInstance, deps: SilenceApi, log: Logger): void {
  const { store } = deps;

  /** OpenSearch (or the silence index) is not usable now: 503 with the reason; anything else is a bug (500). */
  const unavailable = (reply: FastifyReply, e: unknown) => {
    if (!(e instanceof opensearchErrors.OpenSearchClientError || e instanceof StartupCheckError)) throw e;
    log.warn({ err: e.message, index: store.index }, 'silences unavailable: answered 503');
    return reply.code(503).header('retry-after', '5').send({ error: `silences are unavailable: OpenSearch at ${deps.where}, index "${store.index}": ${e.message}` });
  };

  api.get<{ Querystring: { state?: string } }>('/api/v1/silences', async (req, reply) => {
    const state = req.query.state;
    if (state !== undefined && !(STATES as readonly string[]).includes(state)) return reply.code(400).send({ error: `state=${state}: expected one of ${STATES.join(', ')} (default: active and pending)` });
    try {
      await deps.ensureIndex();
      const found = state ? await store.list({ state: state as (typeof STATES)[number] }) : [...await store.list({ state: 'active' }), ...await store.list({ state: 'pending' })];
      const now = Date.now();
      return reply.send({ count: found.length, silences: found.map((s) => shown(s, now)) });
    } catch (e) {
      return unavailable(reply, e);
    }
  });

  api.get<{ Params: { id: string } }>('/api/v1/silences/:id', async (req, reply) => {
    try {
      await deps.ensureIndex();
      const s = await store.get(req.params.id);
      return s ? reply.send(shown(s)) : reply.code(404).send({ error: `no silence ${req.params.id}` });
    } catch (e) {
      return unavailable(reply, e);
    }
  });

  api.post('/api/v1/silences', async (req, reply) => {
    const read = readNewSilence(req.body);
    if ('problems' in read) return reply.code(400).send({ error: 'invalid silence; nothing was created', problems: read.problems });
    try {
      await deps.ensureIndex();
      const s = await store.add(read.silence);
      log.info({ silenceId: s.id, createdBy: s.createdBy, startsAt: s.startsAt, endsAt: s.endsAt, matchers: s.matchers.length }, 'silence added');
      return reply.code(201).header('location', `/api/v1/silences/${s.id}`).send(shown(s));
    } catch (e) {
      if (e instanceof SilenceInvalidError) return reply.code(400).send({ error: 'invalid silence; nothing was created', problems: e.problems });
      return unavailable(reply, e);
    }
  });

  api.delete<{ Params: { id: string }; Querystring: { by?: string } }>('/api/v1/silences/:id', async (req, reply) => {
    const fromBody = (req.body as { by?: unknown } | undefined)?.by;
    const by = typeof fromBody === 'string' ? fromBody : req.query.by ?? 'api';
    let s: Silence;
    const before = Date.now();
    try {
      await deps.ensureIndex();
      s = await store.expire(req.params.id, by);
    } catch (e) {
      if (e instanceof SilenceNotFoundError) return reply.code(404).send({ error: `no silence ${req.params.id}` });
      if (e instanceof SilenceInvalidError) return reply.code(400).send({ error: 'not expired', problems: e.problems });
      return unavailable(reply, e);
    }
    const alreadyEnded = Date.parse(s.endsAt) < before;
    if (!alreadyEnded) log.info({ silenceId: s.id, by }, 'silence expired');
    // Woken also when it was over already: an earlier expire may have failed to wake them (Temporal down).
    try {
      const woken = await withTimeout(deps.wake(s.id), deps.wakeTimeoutMs ?? 10_000);
      return reply.send({ silence: shown(s), alreadyEnded, woken });
    } catch (e) {
      const wakeError = `the deliveries it held back were not woken (they wake at its original end; DELETE again to retry): ${(e as Error).message}`;
      log.warn({ silenceId: s.id, err: (e as Error).message }, 'silence expired, silenced deliveries not woken');
      return reply.send({ silence: shown(s), alreadyEnded, woken: null, wakeError });
    }
  });
}

/**
 * The request body as a new silence: matchers as Alertmanager text (`team=~"db.*"`) or {name, op, value};
 * `endsAt` (ISO) or `duration` (`2h`, from startsAt or now). Every problem at once; the store checks the rest.
 */
export function readNewSilence(body: unknown): { silence: NewSilence } | { problems: string[] } {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return { problems: ['(body): expected a JSON object {matchers, endsAt | duration, createdBy, comment, startsAt?}'] };
  const b = body as Record<string, unknown>;
  const problems: string[] = [];
  const matchers: Matcher[] = [];
  if (!Array.isArray(b.matchers)) problems.push('matchers: expected an array, e.g. ["team=\\"db\\"", {"name": "severity", "op": "=~", "value": "high|critical"}]');
  else {
    for (const [i, m] of (b.matchers as unknown[]).entries()) {
      if (typeof m === 'string') {
        try {
          matchers.push(parseMatcher(m));
        } catch (e) {
          if (!(e instanceof MatcherSyntaxError)) throw e;
          problems.push(`matchers[${i}]: ${e.reason}`);
        }
      } else matchers.push(m as Matcher); // an object: the store checks its name, operator and regex
    }
  }
  if (b.endsAt !== undefined && b.duration !== undefined) problems.push('endsAt and duration exclude each other');
  let endsAt = b.endsAt as string | undefined;
  if (b.duration !== undefined) {
    const ms = typeof b.duration === 'string' ? parseDuration(b.duration) : undefined;
    const starts = typeof b.startsAt === 'string' ? Date.parse(b.startsAt) : NaN;
    if (ms === undefined || ms <= 0) problems.push(`duration: expected a duration such as 30m, 2h, 7d, got ${JSON.stringify(b.duration)}`);
    else endsAt = new Date(Math.max(Number.isNaN(starts) ? 0 : starts, Date.now()) + ms).toISOString();
  } else if (b.endsAt === undefined) problems.push('endsAt or duration: required (when the silence ends, or how long it lasts)');
  if (problems.length) {
    // The store's checks of the other fields too, so that one answer lists every problem.
    const others = silenceProblems({ matchers: [{ name: 'x', op: '=', value: 'x' }], startsAt: b.startsAt as string | undefined, endsAt: '9999-01-01T00:00:00Z', createdBy: b.createdBy as string, comment: b.comment as string })
      .filter((p) => /^(startsAt|createdBy|comment):/.test(p));
    return { problems: [...problems, ...others] };
  }
  return { silence: { matchers, startsAt: b.startsAt as string | undefined, endsAt: endsAt!, createdBy: b.createdBy as string, comment: b.comment as string } };
}
