// Who is asking: the person a trusted reverse proxy names (oauth2-proxy's X-Forwarded-Email / X-Forwarded-User,
// taken only from the peers of CONSOLE_PROXY_ADDRESSES), else the person of a valid signed session cookie (a
// personal token exchanged on the login form). A token is compared as its SHA-256 with every user's, in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ConsoleSettings } from '../config/console';

export interface Identity {
  name: string;
  via: 'token' | 'proxy';
}

export const SESSION_COOKIE = 'console_session';
export const COOKIE_PATH = '/console';
const PRINTABLE = /^[^\u0000-\u001f\u007f-\u009f]{1,128}$/;

const known = new WeakMap<FastifyRequest, Identity>();

/** The identity `authenticate` found for this request (undefined: nobody). */
export const identityOf = (req: FastifyRequest): Identity | undefined => known.get(req);

/** Whether the request came straight from a configured proxy. */
export function fromTrustedProxy(settings: ConsoleSettings, req: FastifyRequest): boolean {
  const peer = req.socket.remoteAddress;
  if (!settings.proxies || !peer) return false;
  return settings.proxies.list.check(peer, peer.includes(':') ? 'ipv6' : 'ipv4');
}

/** Whether the browser reached us over TLS: our own socket, or a trusted proxy's X-Forwarded-Proto. */
export function overTls(settings: ConsoleSettings, req: FastifyRequest): boolean {
  if (req.protocol === 'https') return true;
  return fromTrustedProxy(settings, req) && String(req.headers['x-forwarded-proto'] ?? '').split(',')[0].trim() === 'https';
}

const header = (req: FastifyRequest, name: string): string | undefined => {
  const v = req.headers[name];
  const s = (Array.isArray(v) ? v[0] : v)?.trim();
  return s && PRINTABLE.test(s) ? s : undefined;
};

/** Finds and remembers who is asking (see identityOf). */
export function authenticate(settings: ConsoleSettings, req: FastifyRequest): Identity | undefined {
  let who: Identity | undefined;
  if (fromTrustedProxy(settings, req)) {
    const name = header(req, 'x-forwarded-email') ?? header(req, 'x-forwarded-user');
    if (name) who = { name, via: 'proxy' };
  }
  if (!who && settings.users.length) who = fromSession(req);
  if (who) known.set(req, who);
  return who;
}

function fromSession(req: FastifyRequest): Identity | undefined {
  const raw = req.cookies[SESSION_COOKIE];
  if (!raw) return undefined;
  const unsigned = req.unsignCookie(raw);
  if (!unsigned.valid || !unsigned.value) return undefined;
  try {
    const s = JSON.parse(Buffer.from(unsigned.value, 'base64url').toString('utf8')) as { n?: unknown; exp?: unknown };
    if (typeof s.n !== 'string' || typeof s.exp !== 'number' || s.exp <= Date.now()) return undefined;
    return { name: s.n, via: 'token' };
  } catch {
    return undefined;
  }
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** The user whose token this is (every user compared, in constant time), or undefined. */
export function userOfToken(settings: ConsoleSettings, token: string): string | undefined {
  const given = digest(token);
  let found: string | undefined;
  for (const u of settings.users) if (timingSafeEqual(given, u.digest)) found ??= u.name;
  return found;
}

/** Starts a session for `name`: a signed, HttpOnly, SameSite=Lax cookie (Secure over TLS) lasting CONSOLE_SESSION_TTL. */
export function startSession(settings: ConsoleSettings, req: FastifyRequest, reply: FastifyReply, name: string): void {
  const value = Buffer.from(JSON.stringify({ n: name, exp: Date.now() + settings.sessionTtlMs }), 'utf8').toString('base64url');
  void reply.setCookie(SESSION_COOKIE, value, {
    signed: true, httpOnly: true, sameSite: 'lax', path: COOKIE_PATH, secure: overTls(settings, req), maxAge: Math.floor(settings.sessionTtlMs / 1000),
  });
}

export function endSession(settings: ConsoleSettings, req: FastifyRequest, reply: FastifyReply): void {
  void reply.clearCookie(SESSION_COOKIE, { path: COOKIE_PATH, httpOnly: true, sameSite: 'lax', secure: overTls(settings, req) });
}
