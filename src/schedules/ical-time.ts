// iCal date-times → instants. ical.js parses the values and expands recurrences in local (wall-clock) time; the
// local times become instants here: UTC values ('…Z') as they are; a TZID that is an IANA zone through Luxon
// (local-time.ts: the zone database beats a calendar's own VTIMEZONE copy of it); any other TZID (e.g. Outlook's
// 'W. Europe Standard Time') through the VTIMEZONE the file defines for it, by ical.js; floating date-times and
// all-day dates in the zone the caller names (the schedule's).
import ICAL from 'ical.js';
import { isValidZone, localToInstant } from './local-time';

/** How one property's local times become instants. */
export type ZoneRule = { kind: 'utc' } | { kind: 'zone'; zone: string } | { kind: 'vtimezone' };

/** A problem with a calendar's content, naming the event (its UID) and what is wrong, never an address. */
export class IcalImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IcalImportError';
  }
}

/**
 * The rule for a DTSTART/DTEND/RECURRENCE-ID property. `defined`: the TZIDs the calendar's VTIMEZONEs define;
 * `floatingZone`: the zone for floating times and dates. Throws on a TZID neither IANA nor defined in the file.
 */
export function zoneRule(prop: ICAL.Property, defined: ReadonlySet<string>, floatingZone: string, uid: string): ZoneRule {
  const value = prop.getFirstValue();
  if (!(value instanceof ICAL.Time)) throw new IcalImportError(`event ${uid}: ${prop.name.toUpperCase()} is not a date or date-time`);
  if (value.isDate) return { kind: 'zone', zone: floatingZone };
  if (value.zone === ICAL.Timezone.utcTimezone) return { kind: 'utc' };
  const id = parameter(prop, 'tzid');
  if (!id) return { kind: 'zone', zone: floatingZone };
  if (isValidZone(id)) return { kind: 'zone', zone: id };
  if (defined.has(id)) return { kind: 'vtimezone' };
  throw new IcalImportError(`event ${uid}: time zone "${id}" is neither an IANA zone nor defined in the calendar`);
}

/** A property's parameter as one string (the first of several); undefined when absent or empty. */
export function parameter(prop: ICAL.Property, name: string): string | undefined {
  const value: unknown = prop.getParameter(name);
  const first: unknown = Array.isArray(value) ? (value as unknown[])[0] : value;
  return typeof first === 'string' && first.trim() !== '' ? first.trim() : undefined;
}

/** The instant (epoch ms) of an ical.js time under `rule`. */
export function instantOf(time: ICAL.Time, rule: ZoneRule): number {
  const local = { year: time.year, month: time.month, day: time.day, hour: time.isDate ? 0 : time.hour,
    minute: time.isDate ? 0 : time.minute, second: time.isDate ? 0 : time.second };
  switch (rule.kind) {
    case 'utc':
      return Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second);
    case 'zone':
      return localToInstant(rule.zone, local);
    case 'vtimezone':
      return time.toUnixTime() * 1000;
  }
}
