// Bearer-token authentication of our HTTP endpoints (the intake's INTAKE_TOKEN, the codec endpoint's CODEC_TOKENS). Tokens are compared
// as SHA-256 digests with timingSafeEqual: equal length whatever was sent, and every configured token is
// compared (no early exit), so the time taken says nothing about any of them. The token is never logged
// nor echoed.
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

export type AuthCheck = { ok: true } | { ok: false; reason: 'missing' | 'malformed' | 'wrong' };

export class BearerAuth {
  private readonly digests: Buffer[];

  constructor(tokens: string[]) {
    if (!tokens.length) throw new Error('BearerAuth needs at least one token');
    this.digests = tokens.map(digest);
  }

  /** Checks an `Authorization` header value. */
  check(header: string | undefined): AuthCheck {
    if (header === undefined || header === '') return { ok: false, reason: 'missing' };
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    if (!m) return { ok: false, reason: 'malformed' };
    const given = digest(m[1]);
    let match = false;
    for (const d of this.digests) match = timingSafeEqual(given, d) || match;
    return match ? { ok: true } : { ok: false, reason: 'wrong' };
  }
}
