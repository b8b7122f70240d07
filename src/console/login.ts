// Logging in and out. A personal token (CONSOLE_USERS: only its SHA-256 is configured) is exchanged on the form for
// a session cookie; behind the login proxy (CONSOLE_PROXY_ADDRESSES) the proxy names the person on every request
// and the form only says so. Every login, refusal and logout is logged with the person's name, never the token.
import type { FastifyInstance } from 'fastify';
import { html } from 'ghtml';
import type { ConsoleSettings } from '../config/console';
import type { Logger } from '../logger';
import { endSession, identityOf, startSession, userOfToken } from './identity';
import { BASE, csrfField, notice, page } from './layout';
import { csrfToken, sendPage } from './security';

/** Where to go after logging in: a console path only (never another site). */
export function nextPath(raw: unknown): string {
  const s = typeof raw === 'string' ? raw : '';
  return s.startsWith(`${BASE}/`) && !s.startsWith('//') && !/[\\\r\n]/.test(s) && !s.startsWith(`${BASE}/login`) ? s : `${BASE}/`;
}

function loginBody(settings: ConsoleSettings, csrf: string, next: string, error?: string): string {
  const proxy = settings.proxies ? html`<p>With single sign-on, open the console through the login proxy.</p>` : '';
  const form = settings.users.length
    ? html`<form class="login" method="post" action="${BASE}/login">!${csrfField(csrf)}<input type="hidden" name="next" value="${next}">
  <label for="token">Personal token</label><input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
  <p><button type="submit">Log in</button></p></form>`
    : '';
  return html`!${error ? notice('error', error) : ''}!${form}!${proxy}`;
}

export function registerLoginRoutes(app: FastifyInstance, settings: ConsoleSettings, log: Logger): void {
  app.get<{ Querystring: { next?: string } }>('/login', (req, reply) => {
    const next = nextPath(req.query.next);
    if (identityOf(req)) return reply.code(303).redirect(next);
    return sendPage(reply, settings.users.length ? 200 : 401, page({ title: 'Log in', section: 'login', body: loginBody(settings, csrfToken(settings, req, reply), next) }));
  });

  app.post<{ Body: { token?: unknown; next?: unknown } }>('/login', (req, reply) => {
    const next = nextPath(req.body?.next);
    const token = typeof req.body?.token === 'string' ? req.body.token.trim() : '';
    const name = token && settings.users.length ? userOfToken(settings, token) : undefined;
    if (!name) {
      log.info({ ip: req.ip }, 'console: login refused (unknown token)');
      return sendPage(reply, 401, page({ title: 'Log in', section: 'login', body: loginBody(settings, csrfToken(settings, req, reply), next, 'That token is not valid.') }));
    }
    startSession(settings, req, reply, name);
    log.info({ user: name, via: 'token', ip: req.ip }, 'console: logged in');
    return reply.code(303).redirect(next);
  });

  app.post('/logout', (req, reply) => {
    const who = identityOf(req);
    endSession(settings, req, reply);
    log.info({ user: who?.name, via: who?.via }, 'console: logged out');
    return reply.code(303).redirect(`${BASE}/login`);
  });
}
