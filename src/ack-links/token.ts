// Ack links: `<public URL>/ack/<token>` lets whoever holds the link acknowledge one delivery without an
// account. The token is signed, not stored: `<payload>.<signature>`, both base64url, where the payload is
// the JSON `{"v":1,"w":<workflow ID>,"e":<expiry, Unix seconds>}` and the signature is HMAC-SHA256 over
// `alert-ack.v1.<payload>` with ACK_SECRET (>= 32 bytes). Changing the secret invalidates every link.
// The worker signs links for its messages, the intake verifies them: this module is free of fastify and I/O.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** ACK_SECRET must carry at least this many bytes (HMAC-SHA256's block of security). */
export const ACK_SECRET_MIN_BYTES = 32;
/** Longer tokens are not looked at (a workflow ID is short; this bounds the work an attacker can cause). */
export const ACK_TOKEN_MAX_LENGTH = 2048;
const DOMAIN = 'alert-ack.v1.';
const B64URL = /^[A-Za-z0-9_-]+$/;

export interface AckClaims {
  /** The delivery's workflow ID (`<stream>:<message ID>`): the update goes there. */
  workflowId: string;
  /** When the link stops working: a Date or milliseconds since the epoch (kept to the second). */
  expiresAt: Date | number;
}

export type AckTokenCheck =
  | { ok: true; workflowId: string; expiresAt: Date }
  /** `malformed`: not a token at all; `invalid`: the signature does not match (tampered, or another secret); `expired`. */
  | { ok: false; reason: 'malformed' | 'invalid' | 'expired' };

/** Why a secret cannot sign links, or undefined when it can. Never contains the secret. */
export function ackSecretProblem(secret: string | Buffer): string | undefined {
  const bytes = typeof secret === 'string' ? Buffer.byteLength(secret, 'utf8') : secret.length;
  return bytes < ACK_SECRET_MIN_BYTES ? `is ${bytes} bytes, at least ${ACK_SECRET_MIN_BYTES} needed (e.g. openssl rand -base64 48)` : undefined;
}

function requireSecret(secret: string | Buffer): void {
  const problem = ackSecretProblem(secret);
  if (problem) throw new Error(`ack secret ${problem}`);
}

function mac(payload: string, secret: string | Buffer): Buffer {
  return createHmac('sha256', secret).update(DOMAIN).update(payload).digest();
}

/** A token for `claims`, signed with `secret`. */
export function signAckToken(claims: AckClaims, secret: string | Buffer): string {
  requireSecret(secret);
  if (!claims.workflowId) throw new Error('ack token: workflowId must not be empty');
  const expiresMs = claims.expiresAt instanceof Date ? claims.expiresAt.getTime() : claims.expiresAt;
  if (!Number.isFinite(expiresMs)) throw new Error('ack token: expiresAt is not a time');
  const payload = Buffer.from(JSON.stringify({ v: 1, w: claims.workflowId, e: Math.floor(expiresMs / 1000) }), 'utf8').toString('base64url');
  return `${payload}.${mac(payload, secret).toString('base64url')}`;
}

/** The link a message carries: `<publicUrl>/ack/<token>` (publicUrl = where the intake is reached, e.g. https://alerts.example.com). */
export function ackLink(publicUrl: string, claims: AckClaims, secret: string | Buffer): string {
  return `${publicUrl.replace(/\/+$/, '')}/ack/${signAckToken(claims, secret)}`;
}

/**
 * Checks a token: the signature first (in constant time), then the expiry against `now`. A token that
 * does not verify says nothing about its content; only a verified one is decoded.
 */
export function verifyAckToken(token: string, secret: string | Buffer, now: Date | number = Date.now()): AckTokenCheck {
  requireSecret(secret);
  if (typeof token !== 'string' || token.length > ACK_TOKEN_MAX_LENGTH) return { ok: false, reason: 'malformed' };
  const parts = token.split('.');
  if (parts.length !== 2 || !B64URL.test(parts[0]) || !B64URL.test(parts[1])) return { ok: false, reason: 'malformed' };
  const [payload, signature] = parts;
  const given = Buffer.from(signature, 'base64url');
  const expected = mac(payload, secret);
  // base64url of 32 bytes is 43 characters; anything else (also trailing bits that decode alike) is refused
  if (given.length !== expected.length || given.toString('base64url') !== signature || !timingSafeEqual(given, expected)) return { ok: false, reason: 'invalid' };
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' }; // signed by someone holding the secret, yet not ours
  }
  const c = claims as { v?: unknown; w?: unknown; e?: unknown };
  if (c?.v !== 1 || typeof c.w !== 'string' || !c.w || typeof c.e !== 'number' || !Number.isInteger(c.e)) return { ok: false, reason: 'malformed' };
  const nowMs = now instanceof Date ? now.getTime() : now;
  if (c.e * 1000 <= nowMs) return { ok: false, reason: 'expired' };
  return { ok: true, workflowId: c.w, expiresAt: new Date(c.e * 1000) };
}
