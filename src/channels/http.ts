// One HTTP POST with the classification every HTTP channel shares:
// 2xx delivered; 408, 409, 429, 5xx, timeouts and connection errors transient (Retry-After honoured);
// any other status (422 included) permanent. Messages name the channel, never its URL (URLs often carry tokens).
import { EnvHttpProxyAgent, fetch, type Response } from 'undici';
import { PermanentDeliveryError, TransientDeliveryError } from '../errors';

/**
 * Egress like curl's: HTTP_PROXY / HTTPS_PROXY / NO_PROXY (or their lower-case forms) route every HTTP
 * channel through a forward proxy (CONNECT for https); without them, requests go direct. Read once per process.
 */
let egress: EnvHttpProxyAgent | undefined;
export function dispatcher(): EnvHttpProxyAgent {
  egress ??= new EnvHttpProxyAgent();
  return egress;
}

export interface PostOptions {
  channel: string;
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  signal: AbortSignal;
  /** Statuses that count as success besides 2xx (none by default). */
  okStatuses?: number[];
  /** Other secret strings (keys, tokens) to remove from error excerpts. */
  secrets?: string[];
}

const MAX_RETRY_AFTER_MS = 15 * 60_000;

export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const secs = Number(value.trim());
  if (Number.isFinite(secs) && secs >= 0) return Math.min(secs * 1000, MAX_RETRY_AFTER_MS);
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(at - now, 0), MAX_RETRY_AFTER_MS);
}

/** Removes the URL, its path (and every path segment longer than 3 chars) and its query from a text. */
export function redact(text: string, url: string, secrets: string[] = []): string {
  let out = text;
  for (const s of secrets) if (s.length > 3) out = out.split(s).join('[redacted]');
  try {
    const u = new URL(url);
    const parts = [url, u.host + u.pathname, u.pathname.length > 1 ? u.pathname : '', u.search.slice(1),
      ...u.pathname.split('/').filter((seg) => seg.length > 3), ...[...u.searchParams.values()].filter((v) => v.length > 3)];
    for (const part of parts.filter(Boolean).sort((a, b) => b.length - a.length)) out = out.split(part).join('[redacted]');
    if (u.password) out = out.split(u.password).join('[redacted]');
  } catch {
    // not a URL: nothing to redact
  }
  return out;
}

export async function postJson(o: PostOptions): Promise<string> {
  const timeout = AbortSignal.timeout(o.timeoutMs);
  let res: Response;
  try {
    res = await fetch(o.url, {
      method: 'POST',
      body: o.body,
      headers: { 'content-type': 'application/json', 'user-agent': 'alert-delivery/0.1', ...o.headers },
      signal: AbortSignal.any([timeout, o.signal]),
      redirect: 'manual',
      dispatcher: dispatcher(),
    });
  } catch (e) {
    if (timeout.aborted) throw new TransientDeliveryError(`${o.channel}: no answer within ${o.timeoutMs} ms`);
    if (o.signal.aborted) throw new TransientDeliveryError(`${o.channel}: cancelled`);
    const cause = (e as { cause?: { code?: string } }).cause;
    throw new TransientDeliveryError(`${o.channel}: connection failed (${cause?.code ?? (e as Error).name})`);
  }
  // Drain the body so the connection can be reused; keep a short excerpt for the record, with the URL's
  // secret-bearing parts removed (error pages often echo the request path: "Cannot POST /hooks/T000/SECRET").
  const text = redact((await res.text().catch(() => '')).slice(0, 2000), o.url, o.secrets).replace(/\s+/g, ' ').trim().slice(0, 200);
  const excerpt = text ? `: ${text}` : '';
  if ((res.status >= 200 && res.status < 300) || o.okStatuses?.includes(res.status)) return `HTTP ${res.status}`;
  // Idempotency-Key (IETF httpapi draft): 409 = a request with this key is still being processed, so the
  // same request later can succeed: transient. 422 = this key was already used with a different body:
  // retrying the same key cannot succeed, so it stays permanent (the alert parks as failed for an operator).
  if (res.status === 408 || res.status === 409 || res.status === 429 || res.status >= 500) {
    throw new TransientDeliveryError(`${o.channel}: HTTP ${res.status}${excerpt}`, parseRetryAfter(res.headers.get('retry-after')));
  }
  throw new PermanentDeliveryError(`${o.channel}: HTTP ${res.status}${excerpt}`);
}
