// The console's guard: nothing without login. Every request is authenticated (./identity.ts) before its route runs;
// without an identity a page redirects to the login form and anything else is refused (401). Every POST carries
// the CSRF token (@fastify/csrf-protection: a secret in a signed HttpOnly cookie, the token bound to the person),
// refused with 403 otherwise. Pages are sent with a strict Content-Security-Policy and never cached.
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import { createHmac } from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html } from 'ghtml';
import type { ConsoleSettings } from '../config/console';
import type { Logger } from '../logger';
import { authenticate, COOKIE_PATH, identityOf, overTls } from './identity';
import { BASE, notice, page } from './layout';

const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
/** Routes open without login: the login form and the static assets (a stylesheet and htmx, nothing of ours). */
const OPEN = new Set([`${BASE}/login`, `${BASE}/assets/console.css`, `${BASE}/assets/htmx.min.js`]);

export function sendPage(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(body);
}

/** Whom a token is bound to before login (the login form): no name can be this (names are trimmed, and have no parentheses). */
const NOBODY = ' (nobody)';
const boundTo = (req: FastifyRequest) => identityOf(req)?.name ?? NOBODY;

/** A token for the page's forms, bound to who is asking (nobody yet on the login form). */
export function csrfToken(settings: ConsoleSettings, req: FastifyRequest, reply: FastifyReply): string {
  return reply.generateCsrf({ userInfo: boundTo(req), secure: overTls(settings, req) });
}

const messagePage = (title: string, text: string) => page({ title, section: 'login', body: html`!${notice('error', text)}<p><a href="${BASE}/">Back to the console</a></p>` });

/** Registers cookies, form bodies, CSRF protection, the login check, the security headers and the error pages on `app`. */
export async function secure(app: FastifyInstance, settings: ConsoleSettings, log: Logger): Promise<void> {
  await app.register(fastifyCookie, { secret: settings.secret });
  await app.register(fastifyFormbody, { bodyLimit: 64 * 1024 });
  await app.register(fastifyCsrf, {
    sessionPlugin: '@fastify/cookie',
    cookieKey: 'console_csrf',
    cookieOpts: { path: COOKIE_PATH, sameSite: 'lax', httpOnly: true, signed: true },
    getUserInfo: boundTo,
    csrfOpts: { userInfo: true, hmacKey: createHmac('sha256', settings.secret).update('console csrf').digest() },
  });

  app.addHook('onRequest', async (req, reply) => {
    void reply.header('content-security-policy', CSP).header('x-content-type-options', 'nosniff').header('referrer-policy', 'same-origin').header('x-frame-options', 'DENY');
    const who = authenticate(settings, req);
    const route = req.routeOptions.url;
    if (who || (route && OPEN.has(route))) return;
    log.info({ method: req.method, route: route ?? 'unmatched', ip: req.ip }, 'console: request refused: not logged in');
    if (req.method === 'GET' || req.method === 'HEAD') {
      const login = `${BASE}/login?next=${encodeURIComponent(req.url)}`;
      if (req.headers['hx-request']) return reply.code(401).header('hx-redirect', login).send('');
      return reply.code(303).header('cache-control', 'no-store').redirect(login);
    }
    return sendPage(reply, 401, messagePage('Log in first', 'This needs a login: nothing was done.'));
  });
  app.addHook('preHandler', (req, reply, done) => {
    if (!OPEN.has(req.routeOptions.url ?? '') || req.method === 'POST') void reply.header('cache-control', 'no-store');
    if (req.method === 'POST') return app.csrfProtection(req, reply, done);
    done();
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err.code?.startsWith('FST_CSRF')) {
      log.info({ route: req.routeOptions.url ?? 'unmatched', user: identityOf(req)?.name, ip: req.ip }, 'console: request refused: CSRF token missing or invalid');
      return sendPage(reply, 403, messagePage('Refused', 'This form is out of date or did not come from the console (CSRF token). Reload the page and try again.'));
    }
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) log.error({ err: err.message, route: req.routeOptions.url ?? 'unmatched' }, 'console: request failed');
    return sendPage(reply, status, messagePage('Something went wrong', status >= 500 ? 'The request could not be handled. Try again in a moment.' : 'The request could not be read.'));
  });
  app.setNotFoundHandler((_req, reply) => sendPage(reply, 404, messagePage('Not found', 'There is no such page in the console.')));
}
