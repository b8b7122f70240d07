// Restriction windows: the local-time windows in which a rotation layer has someone (e.g. weekdays 09:00-17:00).
// A window is [from, to) in local time on each day it names (every day without `days`); `to <= from` ends on the next
// day, and the window belongs to the day it starts on (fri 22:00-06:00 runs Friday night into Saturday morning).
// `from == to` is a whole day. Local times become instants by local-time.ts's rules: a bound in the spring-forward
// gap moves forward by the gap (02:30 → 03:30), a bound in the fall-back night is its first occurrence; a window
// across a DST change is one hour shorter or longer in real time (22:00-06:00 over the fall-back night lasts 9 h).
import { addDays, instantToLocal, isoWeekday, localToInstant, parseClock, type LocalDate } from './local-time';
import { WEEKDAYS, type Restriction } from './types';

/** Whether an instant is inside a layer's windows, and until when that stays so. */
export interface RestrictionState {
  inside: boolean;
  /** The next window boundary after the instant (the answer may change there); Infinity: it never changes. */
  until: number;
}

interface Window {
  start: number;
  end: number;
}

/** Windows start at most 7 days apart (one per week at least): this look-ahead always finds the next boundary. */
const LOOK_AHEAD_DAYS = 7;

/** The state of `restrictions` at `at` in `zone`; no restrictions (absent or empty): always inside. */
export function restrictionAt(restrictions: Restriction[] | undefined, zone: string, at: number): RestrictionState {
  if (!restrictions || restrictions.length === 0) return { inside: true, until: Infinity };
  const today = instantToLocal(zone, at);
  const windows: Window[] = [];
  for (let d = -1; d <= LOOK_AHEAD_DAYS; d++) {
    const date = addDays(today, d);
    for (const r of restrictions) {
      const w = windowOn(r, zone, date);
      if (w) windows.push(w);
    }
  }
  const inside = windows.some((w) => w.start <= at && at < w.end);
  let until = Infinity;
  for (const w of windows) {
    if (w.start > at) until = Math.min(until, w.start);
    if (w.end > at) until = Math.min(until, w.end);
  }
  return { inside, until };
}

/** The window `r` opens on `date`, or undefined when it does not open that day (or is empty, inside a DST gap). */
export function windowOn(r: Restriction, zone: string, date: LocalDate): Window | undefined {
  if (r.days && !r.days.includes(WEEKDAYS[isoWeekday(date) - 1])) return undefined;
  const from = clock(r.from);
  const to = clock(r.to);
  const endDate = to <= from ? addDays(date, 1) : date;
  const start = localToInstant(zone, { ...date, hour: Math.floor(from / 60), minute: from % 60, second: 0 });
  const end = localToInstant(zone, { ...endDate, hour: Math.floor(to / 60), minute: to % 60, second: 0 });
  return end > start ? { start, end } : undefined;
}

function clock(text: string): number {
  const minutes = parseClock(text);
  if (minutes === undefined) throw new RangeError(`restriction time "${text}" is not HH:mm`);
  return minutes;
}
