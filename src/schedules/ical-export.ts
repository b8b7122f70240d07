// iCal feeds (text/calendar) of on-call shifts, written by ical-generator: a schedule's shifts, or a person's shifts
// across schedules. One VEVENT per shift (shiftsBetween: consecutive time of one person from one source is one shift),
// DTSTART/DTEND in UTC, UID stable for a shift (schedule, person, true start), so a calendar app that refreshes the
// feed updates an event rather than duplicating it. A shift cut by the window's edge is shown whole (its true start and
// end are looked up), so its UID does not move as the window slides.
import ical from 'ical-generator';
import { shiftsBetween } from './on-call';
import type { Override, ScheduleDef, Shift } from './types';

/** The span and look of a feed. */
export interface FeedOptions {
  /** The current instant (epoch ms): the default window is around it and it is every event's DTSTAMP. */
  now: number;
  /** Window start; default 14 days before `now`. */
  from?: number;
  /** Window end; default 60 days after `now`. */
  to?: number;
  /** A person's display name; default (or undefined): the person ID. */
  personName?: (id: string) => string | undefined;
  /** At most this many shifts per schedule (default 2000): with shorter shifts the window narrows around `now`. */
  maxShifts?: number;
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** How far back (and ahead) a shift cut by the window's edge is followed to its true start (end). */
const UNCLIP_LIMIT_MS = 400 * DAY_MS;
/** Suggested refresh interval for calendar apps (REFRESH-INTERVAL / X-PUBLISHED-TTL), seconds. */
const FEED_TTL_S = 900;
const PROD_ID = { company: 'alert-delivery', product: 'on-call', language: 'EN' };

/** The feed of one schedule: SUMMARY "<person name> on call". */
export function scheduleCalendar(schedule: ScheduleDef, overrides: readonly Override[], options: FeedOptions): string {
  const name = scheduleName(schedule);
  const cal = ical({ name: `On call: ${name}`, prodId: PROD_ID, ttl: FEED_TTL_S });
  for (const shift of feedShifts(schedule, overrides, options)) {
    const person = options.personName?.(shift.person) ?? shift.person;
    cal.createEvent({ ...eventTimes(schedule, shift, options), summary: `${person} on call`, description: describe(schedule, shift) });
  }
  return cal.toString();
}

/** The feed of one person across `schedules` (their shifts only): SUMMARY "On call: <schedule name>". */
export function personCalendar(
  person: { id: string; name?: string }, schedules: readonly ScheduleDef[], overrides: readonly Override[], options: FeedOptions,
): string {
  const cal = ical({ name: `On call: ${person.name ?? person.id}`, prodId: PROD_ID, ttl: FEED_TTL_S });
  const mine = schedules.flatMap((schedule) => feedShifts(schedule, overrides, options)
    .filter((s) => s.person === person.id).map((shift) => ({ schedule, shift })));
  mine.sort((a, b) => a.shift.start - b.shift.start || cmp(a.schedule.id, b.schedule.id));
  for (const { schedule, shift } of mine) {
    cal.createEvent({ ...eventTimes(schedule, shift, options), summary: `On call: ${scheduleName(schedule)}`, description: describe(schedule, shift) });
  }
  return cal.toString();
}

/** The UID of a shift: the same for the same schedule, person and start, whatever window it is listed in. */
export function shiftUid(scheduleId: string, shift: Pick<Shift, 'person' | 'start'>): string {
  return `oncall-${encodeURIComponent(scheduleId)}-${encodeURIComponent(shift.person)}-${shift.start}@alert-delivery`;
}

function eventTimes(schedule: ScheduleDef, shift: Shift, options: FeedOptions) {
  return { id: shiftUid(schedule.id, shift), start: new Date(shift.start), end: new Date(shift.end), stamp: new Date(options.now) };
}

/** A schedule's shifts for a feed: the window (narrowed when it holds too many), each edge shift made whole. */
function feedShifts(schedule: ScheduleDef, overrides: readonly Override[], options: FeedOptions): Shift[] {
  const max = options.maxShifts ?? 2000;
  let from = options.from ?? options.now - 14 * DAY_MS;
  let to = options.to ?? options.now + 60 * DAY_MS;
  let shifts = shiftsBetween(schedule, from, to, overrides, max);
  if (shifts.length >= max) {
    const span = ((shifts[shifts.length - 1].end - from) / shifts.length) * max;
    from = Math.max(from, options.now - span / 5);
    to = Math.min(to, options.now + (span * 4) / 5);
    shifts = shiftsBetween(schedule, from, to, overrides, max);
  }
  if (shifts.length === 0) return shifts;
  const first = shifts[0];
  const last = shifts[shifts.length - 1];
  if (first.start === from) shifts[0] = { ...first, start: trueStart(schedule, overrides, first) };
  if (last.end === to) shifts[shifts.length - 1] = { ...shifts[shifts.length - 1], end: trueEnd(schedule, overrides, last) };
  return shifts;
}

/** Where `shift` (cut at its start) really starts: looked for 1 h back, then 2 h, 4 h … up to 400 days. */
function trueStart(schedule: ScheduleDef, overrides: readonly Override[], shift: Shift): number {
  for (let back = HOUR_MS; back <= UNCLIP_LIMIT_MS; back *= 2) {
    const probe = shiftsBetween(schedule, shift.start - back, shift.start + 1, overrides);
    const covering = probe[probe.length - 1];
    if (covering.start > shift.start - back) return covering.start;
  }
  return shift.start;
}

/** Where `shift` (cut at its end) really ends: looked for 1 h ahead, then 2 h, 4 h … up to 400 days. */
function trueEnd(schedule: ScheduleDef, overrides: readonly Override[], shift: Shift): number {
  for (let ahead = HOUR_MS; ahead <= UNCLIP_LIMIT_MS; ahead *= 2) {
    const probe = shiftsBetween(schedule, shift.end - 1, shift.end + ahead, overrides, 1);
    if (probe[0].end < shift.end + ahead) return probe[0].end;
  }
  return shift.end;
}

function describe(schedule: ScheduleDef, shift: Shift): string {
  const where = 'override' in shift.source ? `override ${shift.source.override}` : `layer ${shift.source.layer + 1} of ${schedule.layers.length}`;
  return `Schedule ${scheduleName(schedule)} (${schedule.id}), ${where}`;
}

function scheduleName(schedule: ScheduleDef): string {
  return schedule.name ?? schedule.id;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
