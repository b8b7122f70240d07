// The intake's HTTP API (fastify):
//   POST /api/v1/alerts         one AlertEvent or an array of them → 202 with the stream message IDs, in order
//   POST /api/v1/alertmanager   Alertmanager's webhook payload (version 4) → one AlertEvent per alert → 202
//   GET  /ack/:token            the ack link's confirmation page;  POST /ack/:token (form field `by`) acknowledges
//   GET  /a/:token              the same for an SMS's short ack link (POST likewise)
//   POST /twilio/:channel/…     the SMS and voice provider's signed callbacks: a key pressed, a status (src/intake/twilio-routes.ts)
//   GET  /healthz, /readyz      liveness; readiness (start-up done, Redis connected, not stopping)
//   /api/v1/silences            list, add, show, expire silences (src/intake/silences.ts)
//   /api/oncall/…, /oncall/ical/… who is on call, overrides, calendar feeds (src/intake/oncall-routes.ts)
//   /console/…                  the operator console, behind its own login (src/console/)
//   POST /slack/interactions    the Slack app's button presses, signed by Slack (src/intake/slack-routes.ts)
// The API needs the bearer token; a request is validated whole before anything is written (all or nothing).
import type { FastifyError, FastifyReply } from 'fastify';
import { ACK_TOKEN_MAX_LENGTH } from '../ack-links';
import { registerConsole } from '../console';
import { createJsonApp, routeOf } from '../http/json-app';
import { registerAckRoutes, sendPage } from './ack-routes';
import { registerAlertRoutes, requireBearer } from './alert-routes';
import type { IntakeDeps } from './deps';
import { intakeAcks, intakeRequestSeconds, intakeRequests } from './metrics';
import { messagePage } from './pages';
import { registerOnCallRoutes } from './oncall-routes';
import { registerSilenceRoutes } from './silences';
import { registerTwilioRoutes } from './twilio-routes';
import { registerSlackRoutes } from './slack-routes';


export function buildIntakeServer(deps: IntakeDeps) {
  const { cfg, log } = deps;
  if (cfg.ackSecret && !deps.acknowledge) throw new Error('buildIntakeServer: ackSecret set without acknowledge');
  const app = createJsonApp({
    log, bodyLimit: cfg.bodyLimit, requests: intakeRequests, seconds: intakeRequestSeconds,
    fastify: {
      // an ack token is one path parameter (the default limit is 100 characters); longer ones are refused by the check
      routerOptions: { maxParamLength: ACK_TOKEN_MAX_LENGTH + 1 },
      // a URL the router refuses (bad encoding, a parameter over the limit): answered without echoing the URL
      frameworkErrors: (err, req, res) => {
        const reply = res as FastifyReply;
        if (req.url.startsWith('/ack/') || req.url.startsWith('/a/')) {
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
    if (req.url.startsWith('/ack/') || req.url.startsWith('/a/')) return sendPage(reply, status, messagePage('Something went wrong', status >= 500 ? 'The request could not be handled. Try again in a moment.' : 'The request could not be read.'));
    return reply.code(status).send({ error: status >= 500 ? 'internal error' : err.message, ...(err.code ? { code: err.code } : {}) });
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ error: 'not found' }));

  app.get('/healthz', (_req, reply) => reply.type('text/plain').send('ok\n'));
  app.get('/readyz', (_req, reply) => (deps.ready() ? reply.type('text/plain').send('ready\n') : reply.code(503).type('text/plain').send('not ready\n')));

  void app.register((api, _opts, done) => {
    requireBearer(api, deps);
    registerAlertRoutes(api, deps);
    if (deps.silences) registerSilenceRoutes(api, deps.silences, log);
    done();
  });
  registerOnCallRoutes(app, deps.oncall, log, (api) => requireBearer(api, deps));
  registerConsole(app, deps);
  if (deps.slack) registerSlackRoutes(app, deps.slack, log, deps.now);
  const secret = cfg.ackSecret;
  if (secret) {
    void app.register((ack, _opts, done) => {
      registerAckRoutes(ack, deps, secret);
      done();
    });
    const phone = deps.phone;
    if (phone) {
      void app.register((scope, _opts, done) => {
        registerTwilioRoutes(scope, { log, acknowledge: deps.acknowledge!, ...(deps.now ? { now: deps.now } : {}) }, phone, secret);
        done();
      });
    }
  }
  return app;
}

export type IntakeApp = ReturnType<typeof buildIntakeServer>;
export type { IntakeDeps } from './deps';
