// The intake's HTTP API (fastify):
//   POST /api/v1/alerts         one AlertEvent or an array of them → 202 with the stream message IDs, in order
//   POST /api/v1/alertmanager   Alertmanager's webhook payload (version 4) → one AlertEvent per alert → 202
//   GET  /ack/:token            the ack link's confirmation page;  POST /ack/:token (form field `by`) acknowledges
//   GET  /healthz, /readyz      liveness; readiness (start-up done, Redis connected, not stopping)
//   /api/v1/silences            list, add, show, expire silences (src/intake/silences.ts)
// The API needs the bearer token; a request is validated whole before anything is written (all or nothing).
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ACK_TOKEN_MAX_LENGTH, verifyAckToken } from '../ack-links';
import { StreamUnavailableError } from '../errors';
import { BearerAuth } from '../http/bearer-auth';
import { createJsonApp, routeOf } from '../http/json-app';
import type { Logger } from '../logger';
import { workflowIdFor } from '../shared';
import { traceFieldsFromHeaders } from '../tracing/stream-context';
import type { Acknowledge, AckOutcome } from './acknowledge';
import { mapAlertmanagerAlert, alertmanagerPayloadSchema } from './alertmanager';
import type { IntakeConfig } from './config';
import { intakeAcks, intakeAlerts, intakeRequestSeconds, intakeRequests, intakeTruncated } from './metrics';
import { PAGE_HEADERS, confirmPage, messagePage } from './pages';
import { registerSilenceRoutes, type SilenceApi } from './silences';
import { MAX_PROBLEMS, validateAlerts, type Problem, type ValidateLimits } from './validate';

export interface IntakeDeps {
  cfg: Pick<IntakeConfig, 'auth' | 'tokens' | 'bodyLimit' | 'maxAlerts' | 'ackSecret' | 'alertmanager'>;
  log: Logger;
  /** Adds `event` entries to the stream, all or none; resolves with the message IDs in order. */
  writer: { readonly stream: string; add(entries: string[], fields?: string[]): Promise<string[]> };
  limits: ValidateLimits;
  /** The `acknowledge` update (required when cfg.ackSecret is set). */
  acknowledge?: Acknowledge;
  /** The silence API (absent: its routes answer 404). */
  silences?: SilenceApi;
  /** For /readyz. */
  ready: () => boolean;
  /** The clock ack tokens are checked against (tests). */
  now?: () => number;
}

const FORM_BODY_LIMIT = 4096;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export function buildIntakeServer(deps: IntakeDeps) {
  const { cfg, log, writer, limits } = deps;
  const now = deps.now ?? Date.now;
  if (cfg.ackSecret && !deps.acknowledge) throw new Error('buildIntakeServer: ackSecret set without acknowledge');
  const app = createJsonApp({
    log, bodyLimit: cfg.bodyLimit, requests: intakeRequests, seconds: intakeRequestSeconds,
    fastify: {
      // an ack token is one path parameter (the default limit is 100 characters); longer ones are refused by the check
      routerOptions: { maxParamLength: ACK_TOKEN_MAX_LENGTH + 1 },
      // a URL the router refuses (bad encoding, a parameter over the limit): answered without echoing the URL
      frameworkErrors: (err, req, res) => {
        const reply = res as FastifyReply;
        if (req.url.startsWith('/ack/')) {
          intakeAcks.inc({ result: 'invalid' });
          void sendPage(reply, 400, messagePage('This link is not valid', 'Check that the whole link was copied, or acknowledge the alert another way.'));
        } else void reply.code(err.statusCode && err.statusCode < 500 ? err.statusCode : 400).send({ error: 'bad request URL', ...(err.code ? { code: err.code } : {}) });
      },
    },
  });
  // (the API takes JSON only, 415 otherwise; the ack form adds its own parser)

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) log.error({ err: err.message, route: routeOf(req) }, 'request failed');
    if (req.url.startsWith('/ack/')) return sendPage(reply, status, messagePage('Something went wrong', status >= 500 ? 'The request could not be handled. Try again in a moment.' : 'The request could not be read.'));
    return reply.code(status).send({ error: status >= 500 ? 'internal error' : err.message, ...(err.code ? { code: err.code } : {}) });
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ error: 'not found' }));

  app.get('/healthz', (_req, reply) => reply.type('text/plain').send('ok\n'));
  app.get('/readyz', (_req, reply) => (deps.ready() ? reply.type('text/plain').send('ready\n') : reply.code(503).type('text/plain').send('not ready\n')));

  /** Validates every alert, then writes all of them or none. */
  const accept = async (reply: FastifyReply, source: 'api' | 'alertmanager', items: unknown[], describe?: (index: number) => Pick<Problem, 'fingerprint' | 'alertname'>, extra: Record<string, unknown> = {}) => {
    if (items.length > cfg.maxAlerts) {
      intakeAlerts.inc({ source, result: 'refused' }, items.length);
      return reply.code(413).send({ error: `${items.length} alerts in one request, at most ${cfg.maxAlerts} (INTAKE_MAX_ALERTS); nothing was written` });
    }
    const checked = validateAlerts(items, limits, describe);
    if (!checked.ok) {
      intakeAlerts.inc({ source, result: 'refused' }, items.length);
      const bad = new Set(checked.problems.map((p) => p.index)).size;
      log.info({ source, alerts: items.length, invalid: bad, first: checked.problems[0] }, 'request refused: invalid alerts');
      return reply.code(400).send({
        error: `${bad} of ${items.length} alert(s) invalid; nothing was written`,
        problems: checked.problems.slice(0, MAX_PROBLEMS),
        ...(checked.problems.length > MAX_PROBLEMS ? { truncated: checked.problems.length - MAX_PROBLEMS } : {}),
      });
    }
    if (!checked.entries.length) return reply.code(202).send({ accepted: 0, stream: writer.stream, ids: [], deliveryIds: [], ...extra });
    let ids: string[];
    try {
      ids = await writer.add(checked.entries, traceFieldsFromHeaders(reply.request.headers)); // the sender's trace continues
    } catch (e) {
      if (!(e instanceof StreamUnavailableError)) throw e;
      log.warn({ err: e.message, alerts: items.length }, 'stream write failed: answered 503');
      return reply.code(503).header('retry-after', '5').send({ error: 'the alert stream is unavailable; nothing was written, retry' });
    }
    intakeAlerts.inc({ source, result: 'accepted' }, ids.length);
    log.info({ source, alerts: ids.length, first: ids[0], last: ids[ids.length - 1] }, 'alerts added to the stream');
    return reply.code(202).send({ accepted: ids.length, stream: writer.stream, ids, deliveryIds: ids.map((id) => workflowIdFor(writer.stream, id)), ...extra });
  };

  void app.register((api, _opts, done) => {
    if (cfg.auth === 'bearer') {
      const auth = new BearerAuth(cfg.tokens);
      api.addHook('onRequest', (req, reply, next) => {
        const r = auth.check(req.headers.authorization);
        if (r.ok) return next();
        log.info({ route: routeOf(req), reason: r.reason, ip: req.ip }, 'request refused: bearer token');
        void reply
          .code(401)
          .header('www-authenticate', r.reason === 'missing' ? 'Bearer realm="alert-intake"' : 'Bearer realm="alert-intake", error="invalid_token"')
          .send({ error: r.reason === 'missing' ? 'authentication required: Authorization: Bearer <token>' : 'invalid bearer token' });
      });
    }

    api.post('/api/v1/alerts', async (req, reply) => {
      const body = req.body;
      if (body === null || typeof body !== 'object') return reply.code(400).send({ error: 'expected an AlertEvent object or an array of them' });
      if (Array.isArray(body) && body.length === 0) return reply.code(400).send({ error: 'empty array: no alerts' });
      return accept(reply, 'api', Array.isArray(body) ? body : [body]);
    });

    api.post('/api/v1/alertmanager', async (req, reply) => {
      const payload = alertmanagerPayloadSchema.safeParse(req.body);
      if (!payload.success) {
        return reply.code(400).send({
          error: 'not an Alertmanager webhook payload (version 4); nothing was written',
          problems: payload.error.issues.slice(0, MAX_PROBLEMS).map((i) => ({ path: i.path.map(String).join('.') || '(payload)', message: i.message })),
        });
      }
      const { alerts, truncatedAlerts, groupKey, receiver } = payload.data;
      if (truncatedAlerts) {
        intakeTruncated.inc(truncatedAlerts);
        log.warn({ truncatedAlerts, groupKey, receiver }, 'Alertmanager left alerts out of this notification (max_alerts): they are not in the stream');
      }
      if (alerts.length > cfg.maxAlerts) return accept(reply, 'alertmanager', alerts);
      const mapped = alerts.map((a) => mapAlertmanagerAlert(a, cfg.alertmanager));
      const mappingProblems = mapped.flatMap((m, index) => (m.ok ? [] : m.problems.map((p) => ({ index, ...p, ...(m.fingerprint ? { fingerprint: m.fingerprint } : {}), ...(m.alertname ? { alertname: m.alertname } : {}) }))));
      if (mappingProblems.length) {
        intakeAlerts.inc({ source: 'alertmanager', result: 'refused' }, alerts.length);
        const bad = new Set(mappingProblems.map((p) => p.index)).size;
        return reply.code(400).send({ error: `${bad} of ${alerts.length} alert(s) invalid; nothing was written`, problems: mappingProblems.slice(0, MAX_PROBLEMS) });
      }
      const ok = mapped.filter((m) => m.ok);
      const events = ok.map((m) => m.event);
      const describe = (index: number) => ({ fingerprint: ok[index].fingerprint, ...(events[index].labels?.alertname ? { alertname: events[index].labels.alertname } : {}) });
      return accept(reply, 'alertmanager', events, describe, { alertIds: events.map((e) => e.alertId) });
    });

    if (deps.silences) registerSilenceRoutes(api, deps.silences, log);
    done();
  });

  if (cfg.ackSecret) {
    const secret = cfg.ackSecret;
    const acknowledge = deps.acknowledge!;
    const checkToken = (req: FastifyRequest<{ Params: { token: string } }>, reply: FastifyReply) => {
      const r = verifyAckToken(req.params.token, secret, now());
      if (r.ok) return r;
      intakeAcks.inc({ result: r.reason === 'expired' ? 'expired' : 'invalid' });
      log.info({ reason: r.reason }, 'ack link refused');
      if (r.reason === 'expired') void sendPage(reply, 410, messagePage('This link has expired', 'Acknowledge the alert another way, e.g. with alertctl or in the Temporal Web UI.'));
      else void sendPage(reply, 400, messagePage('This link is not valid', 'Check that the whole link was copied, or acknowledge the alert another way.'));
      return undefined;
    };

    void app.register((ack, _opts, done) => {
      ack.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT }, (_req, body, parsed) => {
        parsed(null, Object.fromEntries(new URLSearchParams(body as string)));
      });

      ack.get<{ Params: { token: string } }>('/ack/:token', (req, reply) => {
        const t = checkToken(req, reply);
        if (t) return sendPage(reply, 200, confirmPage(t.workflowId, t.expiresAt));
        return reply;
      });

      ack.post<{ Params: { token: string }; Body: unknown }>('/ack/:token', async (req, reply) => {
        const t = checkToken(req, reply);
        if (!t) return reply;
        const raw = (req.body as { by?: unknown } | undefined)?.by;
        const by = typeof raw === 'string' ? raw.trim() : '';
        const problem = !by ? 'Enter your name.' : by.length > 128 ? 'The name is longer than 128 characters.' : CONTROL.test(by) ? 'The name contains control characters.' : undefined;
        if (problem) return sendPage(reply, 400, confirmPage(t.workflowId, t.expiresAt, problem, typeof raw === 'string' ? raw.slice(0, 128) : ''));
        const outcome = await acknowledge(t.workflowId, { by, via: 'link' });
        intakeAcks.inc({ result: outcome.kind === 'acknowledged' ? 'acknowledged' : outcome.kind.replace('-', '_') });
        log.info({ workflowId: t.workflowId, by, outcome: outcome.kind, ...('reason' in outcome ? { reason: outcome.reason } : {}) }, 'ack link submitted');
        const [status, html] = ackPage(outcome, by);
        return sendPage(reply, status, html);
      });
      done();
    });
  }
  return app;
}

export type IntakeApp = ReturnType<typeof buildIntakeServer>;

function sendPage(reply: FastifyReply, status: number, html: string): FastifyReply {
  return reply.code(status).headers(PAGE_HEADERS).send(html);
}

/** The answer to an acknowledgement: 200, 404 (no such delivery), 409 (refused or already over, with the reason), 503. */
export function ackPage(outcome: AckOutcome, by: string): [number, string] {
  switch (outcome.kind) {
    case 'acknowledged':
      return [200, messagePage('Acknowledged', `Thank you, ${by}: the alert is acknowledged and its escalation stops.`)];
    case 'not-found':
      return [404, messagePage('Alert not found', 'There is no delivery for this link (it may be older than the history Temporal keeps).')];
    case 'finished':
      return [409, messagePage('Nothing to acknowledge', 'This alert\'s delivery has already ended.')];
    case 'rejected':
      return [409, messagePage('Not acknowledged', 'The alert did not accept the acknowledgement.', `Reason: ${outcome.reason.slice(0, 500)}`)];
    case 'unavailable':
      return [503, messagePage('Try again in a moment', 'The acknowledgement could not be delivered right now; nothing was changed.')];
  }
}
