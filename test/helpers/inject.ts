// An in-process fastify app over real HTTP on 127.0.0.1 (fastify's inject needs light-my-request, whose `cookie`
// dependency is ES-module-only, which jest loads only with --experimental-vm-modules).
import type { FastifyInstance } from 'fastify';

const listening = new WeakMap<object, Promise<string>>();
export interface Answer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  json: () => any;
}

/** Sends one request to the app (listening on a free port from the first call on). */
export async function inject(app: Pick<FastifyInstance, 'listen'>, o: string | { method: string; url: string; headers?: Record<string, string>; payload?: string }): Promise<Answer> {
  const opts = typeof o === 'string' ? { method: 'GET', url: o } : o;
  if (!listening.has(app)) listening.set(app, app.listen({ host: '127.0.0.1', port: 0 }));
  const base = await listening.get(app)!;
  const res = await fetch(`${base}${opts.url}`, { method: opts.method, headers: opts.headers, body: opts.payload, signal: AbortSignal.timeout(15_000) });
  const body = await res.text();
  return { statusCode: res.status, headers: Object.fromEntries(res.headers), body, json: () => JSON.parse(body) };
}
