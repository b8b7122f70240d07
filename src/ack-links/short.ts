// Short ack tokens, for where a link's length counts (an SMS: 160 GSM-7 characters a segment) or where a provider
// calls the intake back (a voice call's "press 1"). The same claims as a full token (token.ts: the delivery's workflow
// and an expiry), signed with the same ACK_SECRET under another domain, in a compact form that needs no storage:
//
//   <workflow ID>.<expiry, Unix seconds in base 36>.<signature>
//
// The workflow ID is written as it is (percent-encoded where a URL path needs it; `:` stays), the signature is
// HMAC-SHA256 over `alert-ack.s1.<workflow ID>.<expiry>` cut to its first 12 bytes (96 bits, 16 base64url
// characters): an online guess costs a request, and 2^96 of them are out of reach. `alerts:1768472430000-0` gives a
// token of about 46 characters (a full token: about 112). Like a full token, it depends only on the delivery, never
// on the attempt, so retries send the same bytes; it is a bearer credential for that one delivery.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AckClaims, AckTokenCheck } from './token';

const DOMAIN = 'alert-ack.s1.';
const SIG_BYTES = 12;
/** Longer tokens are not looked at (as ACK_TOKEN_MAX_LENGTH for full ones). */
export const SHORT_ACK_TOKEN_MAX_LENGTH = 512;
const EXPIRY = /^[0-9a-z]{1,10}$/;
const SIG = /^[A-Za-z0-9_-]{16}$/;

function mac(workflowId: string, expiry: string, secret: string | Buffer): Buffer {
  return createHmac('sha256', secret).update(`${DOMAIN}${workflowId}.${expiry}`).digest().subarray(0, SIG_BYTES);
}

/** A short token for `claims` (the secret's length is checked where it is loaded: loadAckSecret). */
export function signShortAckToken(claims: AckClaims, secret: string | Buffer): string {
  if (!claims.workflowId) throw new Error('ack token: workflowId must not be empty');
  const expiresMs = claims.expiresAt instanceof Date ? claims.expiresAt.getTime() : claims.expiresAt;
  if (!Number.isFinite(expiresMs)) throw new Error('ack token: expiresAt is not a time');
  const expiry = Math.floor(expiresMs / 1000).toString(36);
  // `:` is allowed in a path segment (RFC 3986 pchar): kept readable, and 2 characters shorter per colon
  return `${encodeURIComponent(claims.workflowId).replace(/%3A/gi, ':')}.${expiry}.${mac(claims.workflowId, expiry, secret).toString('base64url')}`;
}

/**
 * Checks a short token as the router hands it (percent-decoded): the signature first (constant time), then the
 * expiry. The workflow ID may contain dots: the expiry and the signature are the last two parts.
 */
export function verifyShortAckToken(token: string, secret: string | Buffer, now: Date | number = Date.now()): AckTokenCheck {
  if (typeof token !== 'string' || token.length > SHORT_ACK_TOKEN_MAX_LENGTH) return { ok: false, reason: 'malformed' };
  const sigAt = token.lastIndexOf('.');
  const expAt = token.lastIndexOf('.', sigAt - 1);
  if (expAt < 1) return { ok: false, reason: 'malformed' };
  const [workflowId, expiry, signature] = [token.slice(0, expAt), token.slice(expAt + 1, sigAt), token.slice(sigAt + 1)];
  if (!EXPIRY.test(expiry) || !SIG.test(signature)) return { ok: false, reason: 'malformed' };
  const given = Buffer.from(signature, 'base64url');
  const expected = mac(workflowId, expiry, secret);
  if (given.length !== expected.length || given.toString('base64url') !== signature || !timingSafeEqual(given, expected)) return { ok: false, reason: 'invalid' };
  const expiresMs = parseInt(expiry, 36) * 1000;
  const nowMs = now instanceof Date ? now.getTime() : now;
  if (expiresMs <= nowMs) return { ok: false, reason: 'expired' };
  return { ok: true, workflowId, expiresAt: new Date(expiresMs) };
}
