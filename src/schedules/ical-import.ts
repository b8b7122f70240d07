// An iCal calendar as a schedule layer: each event (VEVENT) puts one person on call for its span. Parsed by ical.js;
// recurring events (RRULE, RDATE, minus EXDATE, with RECURRENCE-ID exceptions) are expanded within a window.
// The person is the event's SUMMARY (trimmed) or, when it is empty, the CN of its first ATTENDEE that has one;
// the name is returned as written and matched against person IDs by the caller (knownPeople lists the unknown ones).
// An attendee's address is never used as a name (addresses stay out of messages). Cancelled events and occurrences
// (STATUS:CANCELLED) are left out; an event whose end is not after its start is left out.
import ICAL from 'ical.js';
import { IcalImportError, instantOf, parameter, zoneRule, type ZoneRule } from './ical-time';
import type { IcalLayer, IcalOccurrence } from './types';

export { IcalImportError } from './ical-time';

/** What icalLayer expands and how it reads floating times. */
export interface IcalImportOptions {
  /** Occurrences overlapping [from, to) (epoch ms) are kept. */
  from: number;
  to: number;
  /** Zone of floating date-times and all-day dates; default 'UTC' (the on-call file passes the schedule's zone). */
  timeZone?: string;
}

/** Recurrence expansion stops with an error past this many occurrences of one event before the window's end. */
export const MAX_OCCURRENCES_PER_EVENT = 100_000;

const DAY_MS = 86_400_000;

/** The default import window around `now`: 31 days back, 400 days ahead (re-import, e.g. on reload, to move it). */
export function defaultIcalWindow(now: number): { from: number; to: number } {
  return { from: now - 31 * DAY_MS, to: now + 400 * DAY_MS };
}

/** Parses `text` (a VCALENDAR) into a layer. Throws IcalImportError on text that is not a calendar or a bad event. */
export function icalLayer(text: string, options: IcalImportOptions): IcalLayer {
  const calendar = parseCalendar(text);
  const defined = new Set(calendar.getAllSubcomponents('vtimezone').map((tz) => String(tz.getFirstPropertyValue('tzid'))));
  const ctx: Context = { defined, floatingZone: options.timeZone ?? 'UTC', from: options.from, to: options.to, out: [] };
  const { masters, exceptions } = groupByUid(calendar.getAllSubcomponents('vevent'));
  for (const [uid, master] of masters) expandEvent(ctx, uid, master, exceptions.get(uid) ?? []);
  for (const [uid, list] of exceptions) {
    if (!masters.has(uid)) for (const orphan of list) addSingle(ctx, uid, orphan);
  }
  ctx.out.sort((a, b) => a.start - b.start || a.end - b.end || cmp(a.person, b.person) || cmp(a.uid, b.uid));
  return { kind: 'ical', events: ctx.out, window: { from: options.from, to: options.to } };
}

/** The names a layer's events give, split into those that are person IDs in `ids` and those that are not. */
export function knownPeople(layer: IcalLayer, ids: Iterable<string>): { known: string[]; unknown: string[] } {
  const idSet = new Set(ids);
  const names = [...new Set(layer.events.map((e) => e.person))].sort();
  return { known: names.filter((n) => idSet.has(n)), unknown: names.filter((n) => !idSet.has(n)) };
}

interface Context {
  defined: ReadonlySet<string>;
  floatingZone: string;
  from: number;
  to: number;
  out: IcalOccurrence[];
}

function parseCalendar(text: string): ICAL.Component {
  let jcal: unknown;
  try {
    jcal = ICAL.parse(text);
  } catch (e) {
    throw new IcalImportError(`not an iCalendar text: ${redact(e instanceof Error ? e.message : String(e))}`);
  }
  if (!Array.isArray(jcal) || jcal[0] !== 'vcalendar') throw new IcalImportError('not an iCalendar text: no single VCALENDAR');
  return new ICAL.Component(jcal);
}

function groupByUid(vevents: ICAL.Component[]) {
  const masters = new Map<string, ICAL.Component>();
  const exceptions = new Map<string, ICAL.Component[]>();
  vevents.forEach((v, i) => {
    const uid = String(v.getFirstPropertyValue('uid') ?? `(event ${i + 1} without UID)`);
    if (v.hasProperty('recurrence-id')) exceptions.set(uid, [...(exceptions.get(uid) ?? []), v]);
    else if (masters.has(uid)) throw new IcalImportError(`event ${uid}: two events share this UID`);
    else masters.set(uid, v);
  });
  return { masters, exceptions };
}

function expandEvent(ctx: Context, uid: string, master: ICAL.Component, exceptions: ICAL.Component[]): void {
  if (cancelled(master)) return;
  const event = new ICAL.Event(master, { exceptions });
  if (!event.isRecurring()) return addSingle(ctx, uid, master);
  const startRule = ruleOf(ctx, master, 'dtstart', uid);
  const iterator = event.iterator();
  for (let count = 0; ; count++) {
    const next = iterator.next() as ICAL.Time | undefined;
    if (!next || instantOf(next, startRule) >= ctx.to) break;
    if (count >= MAX_OCCURRENCES_PER_EVENT) {
      throw new IcalImportError(`event ${uid}: more than ${MAX_OCCURRENCES_PER_EVENT} occurrences before the window's end`);
    }
    const details = event.getOccurrenceDetails(next);
    const item = details.item.component;
    if (cancelled(item)) continue;
    const itemStart = ruleOf(ctx, item, 'dtstart', uid);
    const endRule = item === master ? itemStart : ruleOf(ctx, item, item.hasProperty('dtend') ? 'dtend' : 'dtstart', uid);
    push(ctx, item, uid, instantOf(details.startDate, itemStart), instantOf(details.endDate, endRule));
  }
}

function addSingle(ctx: Context, uid: string, component: ICAL.Component): void {
  if (cancelled(component)) return;
  const event = new ICAL.Event(component);
  const startRule = ruleOf(ctx, component, 'dtstart', uid);
  const endRule = component.hasProperty('dtend') ? ruleOf(ctx, component, 'dtend', uid) : startRule;
  push(ctx, component, uid, instantOf(event.startDate, startRule), instantOf(event.endDate, endRule));
}

function push(ctx: Context, component: ICAL.Component, uid: string, start: number, end: number): void {
  if (end <= start || end <= ctx.from || start >= ctx.to) return;
  ctx.out.push({ person: personOf(component, uid), start, end, uid });
}

function ruleOf(ctx: Context, component: ICAL.Component, name: 'dtstart' | 'dtend', uid: string): ZoneRule {
  const prop = component.getFirstProperty(name);
  if (!prop) throw new IcalImportError(`event ${uid}: no ${name.toUpperCase()}`);
  return zoneRule(prop, ctx.defined, ctx.floatingZone, uid);
}

/** SUMMARY trimmed, else the first ATTENDEE's CN; throws when the event names nobody. */
function personOf(component: ICAL.Component, uid: string): string {
  const summary = component.getFirstPropertyValue('summary');
  if (typeof summary === 'string' && summary.trim() !== '') return summary.trim();
  for (const attendee of component.getAllProperties('attendee')) {
    const name = parameter(attendee, 'cn');
    if (name) return name;
  }
  throw new IcalImportError(`event ${uid}: names nobody (no SUMMARY, no ATTENDEE with a CN)`);
}

function cancelled(component: ICAL.Component): boolean {
  return String(component.getFirstPropertyValue('status') ?? '').toUpperCase() === 'CANCELLED';
}

/** A parser message without anything that looks like an address (a calendar's ATTENDEE lines hold some). */
function redact(message: string): string {
  return message.replace(/mailto:[^\s"]+/gi, 'mailto:…').replace(/[^\s"<>]+@[^\s"<>]+/g, '…@…').slice(0, 300);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
