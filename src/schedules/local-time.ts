// Local (wall-clock) time in a schedule's zone ↔ instants, through Luxon only (no arithmetic on offsets here).
//
// A local time that does not exist (the spring-forward gap, e.g. 02:30 on 2026-03-29 in Europe/Berlin) moves forward
// by the gap's length (→ 03:30 CEST); a local time that exists twice (the fall-back night, e.g. 02:30 on 2026-10-25
// in Europe/Berlin) is its first occurrence (02:30 CEST). These are RFC 5545's rules (§3.3.5) and Temporal's
// "compatible" disambiguation. Luxon's `fromObject` would pick the offset in force *now* for an ambiguous time (its
// answer would depend on the day the code runs), so the conversion starts from an instant just before the local day
// (`set` then keeps that day's opening offset where it is valid): the answer depends on the inputs only.
import { DateTime, IANAZone } from 'luxon';

/** A calendar date (month 1-12). */
export interface LocalDate {
  year: number;
  month: number;
  day: number;
}

/** A local date-time (second 0-59). */
export interface LocalDateTime extends LocalDate {
  hour: number;
  minute: number;
  second: number;
}

const DAY_MS = 86_400_000;
/** Far enough before a UTC midnight to be before the same local date's midnight in every zone (offsets ≤ +14 h). */
const BEFORE_LOCAL_DAY_MS = 14 * 3_600_000;

/** True when `zone` is an IANA zone Luxon knows (e.g. 'Europe/Berlin', 'UTC'). */
export function isValidZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

/** The instant (epoch ms) of a local date-time in `zone`, by the rules at the top of this file. */
export function localToInstant(zone: string, t: LocalDateTime): number {
  const beforeDay = Date.UTC(t.year, t.month - 1, t.day) - BEFORE_LOCAL_DAY_MS;
  const anchor = DateTime.fromMillis(beforeDay, { zone });
  const dt = anchor.set({ year: t.year, month: t.month, day: t.day, hour: t.hour, minute: t.minute, second: t.second, millisecond: 0 });
  if (!dt.isValid) throw new RangeError(`invalid local time in ${zone}: ${dt.invalidExplanation ?? ''}`);
  return dt.toMillis();
}

/** The local date-time of an instant in `zone` (milliseconds dropped). */
export function instantToLocal(zone: string, ms: number): LocalDateTime {
  const dt = DateTime.fromMillis(ms, { zone });
  return { year: dt.year, month: dt.month, day: dt.day, hour: dt.hour, minute: dt.minute, second: dt.second };
}

/** `date` moved by `days` calendar days (negative: back). */
export function addDays(date: LocalDate, days: number): LocalDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day) + days * DAY_MS);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** Whole calendar days from `a` to `b` (b - a). */
export function daysBetween(a: LocalDate, b: LocalDate): number {
  return Math.round((Date.UTC(b.year, b.month - 1, b.day) - Date.UTC(a.year, a.month - 1, a.day)) / DAY_MS);
}

/** ISO weekday of a date: 1 = Monday … 7 = Sunday. */
export function isoWeekday(date: LocalDate): number {
  const dow = new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
  return dow === 0 ? 7 : dow;
}

const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;
const CLOCK = /^(\d{2}):(\d{2})$/;

/** Parses 'YYYY-MM-DDTHH:mm' or 'YYYY-MM-DDTHH:mm:ss' (no zone, no fraction); undefined when it is not one. */
export function parseLocalDateTime(text: string): LocalDateTime | undefined {
  const m = LOCAL_DATE_TIME.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map((s) => (s === undefined ? 0 : Number(s)));
  const t = { year, month, day, hour, minute, second };
  const check = DateTime.fromObject(t, { zone: 'UTC' });
  return check.isValid ? t : undefined;
}

/** Parses 'HH:mm' (00:00-23:59) into minutes after midnight; undefined when it is not one. */
export function parseClock(text: string): number | undefined {
  const m = CLOCK.exec(text);
  if (!m) return undefined;
  const hour = Number(m[1]);
  const minute = Number(m[2]);
  return hour < 24 && minute < 60 ? hour * 60 + minute : undefined;
}
