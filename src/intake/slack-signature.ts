// Slack's request signature (https://api.slack.com/authentication/verifying-requests-from-slack): Slack signs each
// request it sends the app with the app's signing secret, `X-Slack-Signature: v0=<hex HMAC-SHA256 over
// "v0:<X-Slack-Request-Timestamp>:<raw body>">`. The intake checks it over the body exactly as received, before it
// parses or does anything, compares in constant time, and refuses a timestamp more than five minutes from its own
// clock (a replayed request). This module is free of fastify and I/O.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Slack's replay window: a request whose timestamp is further from now than this is refused. */
export const SLACK_REPLAY_WINDOW_S = 5 * 60;

export type SlackSignatureCheck = { ok: true } | { ok: false; reason: 'missing' | 'stale' | 'invalid' };

/** The `X-Slack-Signature` of `body` sent at `timestamp` (Unix seconds, as the header has it). */
export function slackSignature(secret: string | Buffer, timestamp: string, body: string | Buffer): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:`).update(body).digest('hex')}`;
}

/** Checks a request's headers against its raw body; `nowMs` is the intake's clock. */
export function verifySlackSignature(
  secret: Buffer, headers: { timestamp?: string | string[]; signature?: string | string[] }, body: Buffer, nowMs: number,
): SlackSignatureCheck {
  const { timestamp, signature } = headers;
  if (typeof timestamp !== 'string' || typeof signature !== 'string') return { ok: false, reason: 'missing' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'invalid' };
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > SLACK_REPLAY_WINDOW_S) return { ok: false, reason: 'stale' };
  const expected = Buffer.from(slackSignature(secret, timestamp, body), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected) ? { ok: true } : { ok: false, reason: 'invalid' };
}
