// The HTTP app both of our JSON endpoints start from (the intake, the codec endpoint): Fastify with our logger and
// no per-request log lines, a body limit, 503 while closing, JSON only (text/plain refused with 415), and a
// request counter + latency histogram per route template with one debug line per request.
import Fastify, { LogController, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import type { Counter, Histogram } from 'prom-client';
import type { Logger } from '../logger';

/** The route a request matched, for metrics and logs (the template, so a token in the path never appears). */
export const routeOf = (req: FastifyRequest) => req.routeOptions.url ?? 'unmatched';

export interface JsonAppOptions {
  log: Logger;
  bodyLimit: number;
  /** `<prefix>_requests_total{route,status}` and `<prefix>_request_seconds{route}` */
  requests: Counter<'route' | 'status'>;
  seconds: Histogram<'route'>;
  /** More Fastify options (the intake's router limits and framework error answers). */
  fastify?: Pick<FastifyServerOptions, 'routerOptions' | 'frameworkErrors'>;
}

export function createJsonApp({ log, bodyLimit, requests, seconds, fastify }: JsonAppOptions) {
  const app = Fastify({
    loggerInstance: log.child({ component: 'http' }),
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    ...fastify,
  });
  app.removeContentTypeParser('text/plain');
  app.addHook('onResponse', (req, reply, done) => {
    const route = routeOf(req);
    requests.inc({ route, status: String(reply.statusCode) });
    seconds.observe({ route }, reply.elapsedTime / 1000);
    log.debug({ method: req.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
    done();
  });
  return app;
}
