// The intake's alert routes, behind the bearer token: POST /api/v1/alerts (AlertEvents) and POST /api/v1/alertmanager
// (Alertmanager's webhook). A request is validated whole before anything is written (all or nothing).
import type { FastifyInstance, FastifyReply } from 'fastify';
import { StreamUnavailableError } from '../errors';
import { BearerAuth } from '../http/bearer-auth';
import { routeOf } from '../http/json-app';
import { workflowIdFor } from '../contracts/ids';
import { traceFieldsFromHeaders } from '../tracing/stream-context';
import { mapAlertmanagerAlert, alertmanagerPayloadSchema } from './alertmanager';
import { intakeAlerts, intakeTruncated } from './metrics';
import type { IntakeDeps } from './deps';
import { MAX_PROBLEMS, validateAlerts, type Problem } from './validate';

/** The bearer token check of every route registered on `api` after it (INTAKE_AUTH=bearer). */
export function requireBearer(api: FastifyInstance, { cfg, log }: IntakeDeps): void {
  if (cfg.auth !== 'bearer') return;
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

export function registerAlertRoutes(api: FastifyInstance, deps: IntakeDeps): void {
  const { cfg, log } = deps;
  api.post('/api/v1/alerts', async (req, reply) => {
    const body = req.body;
    if (body === null || typeof body !== 'object') return reply.code(400).send({ error: 'expected an AlertEvent object or an array of them' });
    if (Array.isArray(body) && body.length === 0) return reply.code(400).send({ error: 'empty array: no alerts' });
    return accept(deps, reply, 'api', Array.isArray(body) ? body : [body]);
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
    if (alerts.length > cfg.maxAlerts) return accept(deps, reply, 'alertmanager', alerts);
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
    return accept(deps, reply, 'alertmanager', events, describe, { alertIds: events.map((e) => e.alertId) });
  });

}

/** Validates every alert, then writes all of them or none. */
async function accept({ cfg, log, writer, limits }: IntakeDeps, reply: FastifyReply, source: 'api' | 'alertmanager', items: unknown[], describe?: (index: number) => Pick<Problem, 'fingerprint' | 'alertname'>, extra: Record<string, unknown> = {}): Promise<FastifyReply> {
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
    const error = e.written
      ? `the alerts were written, but not replicated in time: ${e.reason}; retry (an alert then added twice still pages once)`
      : 'the alert stream is unavailable; nothing was written, retry';
    return reply.code(503).header('retry-after', '5').send({ error });
  }
  intakeAlerts.inc({ source, result: 'accepted' }, ids.length);
  log.info({ source, alerts: ids.length, first: ids[0], last: ids[ids.length - 1] }, 'alerts added to the stream');
  return reply.code(202).send({ accepted: ids.length, stream: writer.stream, ids, deliveryIds: ids.map((id) => workflowIdFor(writer.stream, id)), ...extra });
}
