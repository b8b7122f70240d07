// The operator console (docs/console.md), served by the intake under /console: Now (open incidents), an incident's
// page with its actions, silences, on call. On only with CONSOLE_SESSION_SECRET (src/config/console.ts); nothing
// without login (./security.ts). Server-rendered pages (ghtml templates) with htmx for the live parts.
import fs from 'node:fs';
import type { createJsonApp } from '../http/json-app';
import { registerOnCallRoutes, registerSilenceRoutes } from './admin-routes';
import type { ConsoleHost } from './host';
import { BASE } from './layout';
import { registerLoginRoutes } from './login';
import { registerIncidentRoutes } from './routes';
import { secure } from './security';
import { CONSOLE_CSS } from './style';

export type { ConsoleDeps } from './deps';

/** Registers the console on `app` under /console (`host.deps` absent: nothing is registered, /console answers 404). */
export function registerConsole(app: ReturnType<typeof createJsonApp>, host: Omit<ConsoleHost, 'deps'> & { console?: ConsoleHost['deps'] }): void {
  const deps = host.console;
  if (!deps) return;
  const htmx = fs.readFileSync(require.resolve('htmx.org/dist/htmx.min.js'));
  void app.register(async (scope) => {
    await secure(scope, deps.settings, host.log);
    scope.get('/assets/console.css', (_req, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(CONSOLE_CSS));
    scope.get('/assets/htmx.min.js', (_req, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=86400').send(htmx));
    const routes = { ...host, deps };
    registerLoginRoutes(scope, deps.settings, host.log);
    registerIncidentRoutes(scope, routes);
    registerSilenceRoutes(scope, routes);
    registerOnCallRoutes(scope, routes);
  }, { prefix: BASE });
}
