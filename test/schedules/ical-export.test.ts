// iCal feeds, written by ical-generator and read back here by an independent parser (ical.js): the same shifts,
// instants exact, in UTC, with UIDs that stay put as the window slides.
import ICAL from 'ical.js';
import { icalLayer, personCalendar, scheduleCalendar, shiftsBetween } from '../../src/schedules';
import { at, override, rotation, schedule } from './fixtures';

interface ReadEvent {
  uid: string;
  summary: string;
  start: string;
  end: string;
}

/** The VEVENTs of a feed, read by ical.js; every DTSTART/DTEND must be a UTC date-time. */
function readBack(text: string): ReadEvent[] {
  const calendar = new ICAL.Component(ICAL.parse(text) as unknown[]);
  return calendar.getAllSubcomponents('vevent').map((v) => {
    const utc = (name: string) => {
      const time = v.getFirstPropertyValue(name) as ICAL.Time;
      expect(time.zone).toBe(ICAL.Timezone.utcTimezone);
      return new Date(time.toUnixTime() * 1000).toISOString();
    };
    return { uid: String(v.getFirstPropertyValue('uid')), summary: String(v.getFirstPropertyValue('summary')), start: utc('dtstart'), end: utc('dtend') };
  });
}

// Weekly alice/bob from Monday 2026-03-02 09:00 Berlin; carol overrides 25 March 10:00-18:00Z.
const primary = schedule('Europe/Berlin', rotation(['alice', 'bob'], '2026-03-02T09:00', 1, 'weeks'));
const carol = override('o-carol', 'carol', '2026-03-25T10:00:00Z', '2026-03-25T18:00:00Z', '2026-03-20T00:00:00Z');
const NOW = at('2026-03-20T12:00:00Z'); // default window: 2026-03-06T12:00Z … 2026-05-19T12:00Z
const names: Record<string, string> = { alice: 'Alice Example', bob: 'Bob B', carol: 'Carol C' };
const personName = (id: string) => names[id];

// By hand: hand-offs Mondays 09:00 local = 08:00Z until 23 March, 07:00Z from 30 March; the edge shifts shown whole.
const EXPECTED: [person: string, start: string, end: string][] = [
  ['alice', '2026-03-02T08:00', '2026-03-09T08:00'], // starts before the window
  ['bob', '2026-03-09T08:00', '2026-03-16T08:00'],
  ['alice', '2026-03-16T08:00', '2026-03-23T08:00'],
  ['bob', '2026-03-23T08:00', '2026-03-25T10:00'],
  ['carol', '2026-03-25T10:00', '2026-03-25T18:00'],
  ['bob', '2026-03-25T18:00', '2026-03-30T07:00'],
  ['alice', '2026-03-30T07:00', '2026-04-06T07:00'],
  ['bob', '2026-04-06T07:00', '2026-04-13T07:00'],
  ['alice', '2026-04-13T07:00', '2026-04-20T07:00'],
  ['bob', '2026-04-20T07:00', '2026-04-27T07:00'],
  ['alice', '2026-04-27T07:00', '2026-05-04T07:00'],
  ['bob', '2026-05-04T07:00', '2026-05-11T07:00'],
  ['alice', '2026-05-11T07:00', '2026-05-18T07:00'],
  ['bob', '2026-05-18T07:00', '2026-05-25T07:00'], // ends after the window
];
const z = (local: string) => new Date(`${local}:00Z`).toISOString();

test('a schedule\'s feed: every shift of the window, exact UTC instants, "<person name> on call"', () => {
  const text = scheduleCalendar(primary, [carol], { now: NOW, personName });
  expect(text).toMatch(/^BEGIN:VCALENDAR\r\n/);
  expect(text).toContain('X-WR-CALNAME:On call: Primary');
  expect(readBack(text).map((e) => [e.summary, e.start, e.end])).toEqual(
    EXPECTED.map(([p, s, e]) => [`${names[p]} on call`, z(s), z(e)]),
  );
});

test('UIDs are unique and stable: a day later the same shifts keep their UIDs', () => {
  const today = readBack(scheduleCalendar(primary, [carol], { now: NOW }));
  const tomorrow = readBack(scheduleCalendar(primary, [carol], { now: NOW + 86_400_000 }));
  expect(new Set(today.map((e) => e.uid)).size).toBe(today.length);
  const byStart = new Map(today.map((e) => [e.start, e.uid]));
  const shared = tomorrow.filter((e) => byStart.has(e.start));
  expect(shared.length).toBe(today.length);
  for (const e of shared) expect(e.uid).toBe(byStart.get(e.start));
});

test('a person\'s feed across schedules: their shifts only, "On call: <schedule name>", in time order', () => {
  const secondary = { ...schedule('UTC', rotation(['carol', 'dave'], '2026-03-16T00:00', 1, 'weeks')), id: 'secondary', name: 'Secondary' };
  const text = personCalendar({ id: 'carol', name: 'Carol C' }, [primary, secondary], [carol], { now: NOW, to: at('2026-04-20T00:00:00Z') });
  expect(text).toContain('X-WR-CALNAME:On call: Carol C');
  expect(readBack(text).map((e) => [e.summary, e.start, e.end])).toEqual([
    ['On call: Secondary', z('2026-03-16T00:00'), z('2026-03-23T00:00')],
    ['On call: Primary', z('2026-03-25T10:00'), z('2026-03-25T18:00')],
    ['On call: Secondary', z('2026-03-30T00:00'), z('2026-04-06T00:00')],
    ['On call: Secondary', z('2026-04-13T00:00'), z('2026-04-20T00:00')],
  ]);
});

test('the feed imported again as a layer (ical-generator → ical.js) gives back the same shifts', () => {
  const from = at('2026-03-06T12:00:00Z');
  const to = at('2026-05-19T12:00:00Z');
  const layer = icalLayer(scheduleCalendar(primary, [carol], { now: NOW }), { from, to });
  const named = layer.events.map((e) => [e.person, e.start, e.end]);
  expect(named).toEqual(EXPECTED.map(([p, s, e]) => [`${p} on call`, at(`${s}:00Z`), at(`${e}:00Z`)]));
  const mirrored = schedule('UTC', layer);
  expect(shiftsBetween(mirrored, from, to, []).map((x) => [x.start, x.end])).toEqual(shiftsBetween(primary, from, to, [carol]).map((x) => [x.start, x.end]));
});

test('a 5 s rotation: the feed is bounded (2000 shifts) and centred on now instead of listing 74 days of them', () => {
  const fast = schedule('UTC', rotation(['alice', 'bob'], '2026-03-01T00:00:00', 5, 'seconds'));
  const started = Date.now();
  const events = readBack(scheduleCalendar(fast, [], { now: NOW }));
  expect(Date.now() - started).toBeLessThan(20_000);
  expect(events.length).toBeGreaterThan(1000);
  expect(events.length).toBeLessThanOrEqual(2000);
  expect(events.some((e) => at(e.start) <= NOW && NOW < at(e.end))).toBe(true);
  expect(events.every((e) => at(e.end) - at(e.start) === 5000)).toBe(true);
});
