// The iCal feeds' tokens (docs/intake.md, "Calendar feeds"). A calendar app subscribes to a URL and cannot send a
// bearer token, so a feed is opened by a token in its query instead: token = base64url(HMAC-SHA256(ONCALL_ICAL_SECRET,
// feed path)), the feed path being `/oncall/ical/schedules/<id>.ics` or `/oncall/ical/people/<id>.ics`. A token opens
// that one feed and no other (one leaked URL exposes one calendar); a new secret revokes every URL at once.
// Checked in constant time: the SHA-256 digests of the given and the expected token are compared with
// timingSafeEqual (equal length whatever was sent). A token is never logged.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Whose shifts a feed lists: one schedule's, or one person's across every schedule. */
export type FeedSubject = { schedule: string } | { person: string };

/** Where the feeds are served, below the intake's base URL. */
export const FEED_ROOT = '/oncall/ical';

/** The path of a subject's feed, as signed: `/oncall/ical/schedules/<id>.ics` or `/oncall/ical/people/<id>.ics`. */
export function feedPath(subject: FeedSubject): string {
  return 'schedule' in subject
    ? `${FEED_ROOT}/schedules/${encodeURIComponent(subject.schedule)}.ics`
    : `${FEED_ROOT}/people/${encodeURIComponent(subject.person)}.ics`;
}

/** The token of one feed path. */
export function feedToken(secret: Buffer | string, path: string): string {
  return createHmac('sha256', secret).update(path, 'utf8').digest('base64url');
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Whether `given` is the token of `path` (constant time; anything but a string is refused). */
export function verifyFeedToken(secret: Buffer | string, path: string, given: unknown): boolean {
  if (typeof given !== 'string' || given === '') return false;
  return timingSafeEqual(digest(given), digest(feedToken(secret, path)));
}

/** The full feed URL a calendar app subscribes to: `<base><path>?token=…` (base: the intake's public URL). */
export function feedUrl(base: string, secret: Buffer | string, subject: FeedSubject): string {
  const path = feedPath(subject);
  return `${base.replace(/\/+$/, '')}${path}?token=${feedToken(secret, path)}`;
}
