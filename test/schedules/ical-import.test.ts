// iCal import (ical.js): events, RRULE/EXDATE/RECURRENCE-ID expansion within a window, zones, names, errors.
import { IcalImportError, icalLayer, knownPeople, onCallAt } from '../../src/schedules';
import { at, rotation, schedule } from './fixtures';

const cal = (...events: string[]) => ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', ...events, 'END:VCALENDAR'].join('\r\n');
const vevent = (...lines: string[]) => ['BEGIN:VEVENT', 'DTSTAMP:20260101T000000Z', ...lines, 'END:VEVENT'].join('\r\n');
const WINDOW = { from: at('2026-01-01T00:00:00Z'), to: at('2027-01-01T00:00:00Z') };
const spans = (text: string, options = WINDOW) => icalLayer(text, options).events.map((e) => [e.person, new Date(e.start).toISOString(), new Date(e.end).toISOString()]);

// Mondays 09:00-17:00 Berlin from 2026-03-02, 6 times, 16 March excluded; 30 March on is CEST (07:00Z).
const weekly = vevent('UID:cover-1', 'DTSTART;TZID=Europe/Berlin:20260302T090000', 'DTEND;TZID=Europe/Berlin:20260302T170000',
  'RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=6', 'EXDATE;TZID=Europe/Berlin:20260316T090000', 'SUMMARY:  alice ');
const byAttendee = vevent('UID:cover-2', 'DTSTART:20260320T100000Z', 'DTEND:20260320T120000Z', 'ATTENDEE;CN=bob:mailto:bob@example.com');

test('a weekly RRULE with an EXDATE: five occurrences at 09:00-17:00 local across the DST change; an ATTENDEE CN names bob', () => {
  expect(spans(cal(weekly, byAttendee))).toEqual([
    ['alice', '2026-03-02T08:00:00.000Z', '2026-03-02T16:00:00.000Z'],
    ['alice', '2026-03-09T08:00:00.000Z', '2026-03-09T16:00:00.000Z'],
    ['bob', '2026-03-20T10:00:00.000Z', '2026-03-20T12:00:00.000Z'],
    ['alice', '2026-03-23T08:00:00.000Z', '2026-03-23T16:00:00.000Z'],
    ['alice', '2026-03-30T07:00:00.000Z', '2026-03-30T15:00:00.000Z'],
    ['alice', '2026-04-06T07:00:00.000Z', '2026-04-06T15:00:00.000Z'],
  ]);
});

test('as the top layer: its events win, the excluded date falls through to the rotation below', () => {
  const s = schedule('Europe/Berlin', rotation(['zoe'], '2026-01-05T00:00', 1, 'weeks'), icalLayer(cal(weekly), { ...WINDOW, timeZone: 'Europe/Berlin' }));
  expect(onCallAt(s, at('2026-03-09T10:00:00Z'), [])).toEqual({ people: ['alice'], source: { layer: 1 }, until: at('2026-03-09T16:00:00Z') });
  expect(onCallAt(s, at('2026-03-16T10:00:00Z'), []).people).toEqual(['zoe']);
  expect(onCallAt(s, at('2026-03-30T06:59:59Z'), []).people).toEqual(['zoe']);
  expect(onCallAt(s, at('2026-03-30T07:00:00Z'), []).people).toEqual(['alice']);
});

test('an endless RRULE is expanded within the window only', () => {
  const daily = vevent('UID:d', 'DTSTART:20260101T000000Z', 'DTEND:20260101T010000Z', 'RRULE:FREQ=DAILY', 'SUMMARY:alice');
  const layer = icalLayer(cal(daily), { from: at('2026-06-10T00:30:00Z'), to: at('2026-06-13T00:00:00Z') });
  expect(layer.events.map((e) => new Date(e.start).toISOString())).toEqual(
    ['2026-06-10T00:00:00.000Z', '2026-06-11T00:00:00.000Z', '2026-06-12T00:00:00.000Z'],
  );
});

test('RECURRENCE-ID: a moved occurrence and a cancelled one', () => {
  const master = vevent('UID:m', 'DTSTART;TZID=America/New_York:20260105T090000', 'DTEND;TZID=America/New_York:20260105T100000',
    'RRULE:FREQ=DAILY;COUNT=3', 'SUMMARY:carol');
  const moved = vevent('UID:m', 'RECURRENCE-ID;TZID=America/New_York:20260106T090000', 'DTSTART;TZID=America/New_York:20260106T130000',
    'DTEND;TZID=America/New_York:20260106T150000', 'SUMMARY:dave');
  const gone = vevent('UID:m', 'RECURRENCE-ID;TZID=America/New_York:20260107T090000', 'DTSTART;TZID=America/New_York:20260107T090000',
    'DTEND;TZID=America/New_York:20260107T100000', 'STATUS:CANCELLED', 'SUMMARY:carol');
  expect(spans(cal(master, moved, gone))).toEqual([
    ['carol', '2026-01-05T14:00:00.000Z', '2026-01-05T15:00:00.000Z'],
    ['dave', '2026-01-06T18:00:00.000Z', '2026-01-06T20:00:00.000Z'],
  ]);
});

test('a TZID that is not IANA is read through the calendar\'s own VTIMEZONE', () => {
  const vtimezone = ['BEGIN:VTIMEZONE', 'TZID:W. Europe Standard Time',
    'BEGIN:STANDARD', 'DTSTART:16010101T030000', 'TZOFFSETFROM:+0200', 'TZOFFSETTO:+0100', 'RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10', 'END:STANDARD',
    'BEGIN:DAYLIGHT', 'DTSTART:16010101T020000', 'TZOFFSETFROM:+0100', 'TZOFFSETTO:+0200', 'RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3', 'END:DAYLIGHT',
    'END:VTIMEZONE'].join('\r\n');
  const e = vevent('UID:w', 'DTSTART;TZID=W. Europe Standard Time:20260701T090000', 'DTEND;TZID=W. Europe Standard Time:20260701T170000', 'SUMMARY:erin');
  expect(spans(cal(vtimezone, e))).toEqual([['erin', '2026-07-01T07:00:00.000Z', '2026-07-01T15:00:00.000Z']]);
});

test('floating date-times and all-day dates are in the zone given (the schedule\'s)', () => {
  const floating = vevent('UID:f', 'DTSTART:20260302T090000', 'DTEND:20260302T170000', 'SUMMARY:alice');
  const allDay = vevent('UID:a', 'DTSTART;VALUE=DATE:20260308', 'DTEND;VALUE=DATE:20260309', 'SUMMARY:bob');
  expect(spans(cal(floating, allDay), { ...WINDOW, timeZone: 'America/New_York' } as typeof WINDOW)).toEqual([
    ['alice', '2026-03-02T14:00:00.000Z', '2026-03-02T22:00:00.000Z'],
    ['bob', '2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z'], // the spring-forward day: 23 h
  ]);
});

test('knownPeople splits the names into person IDs and unknown names', () => {
  const layer = icalLayer(cal(weekly, byAttendee, vevent('UID:x', 'DTSTART:20260401T000000Z', 'DTEND:20260401T010000Z', 'SUMMARY:Mallory M.')), WINDOW);
  expect(knownPeople(layer, ['alice', 'bob', 'carol'])).toEqual({ known: ['alice', 'bob'], unknown: ['Mallory M.'] });
});

describe('errors name the problem and the event, never an address', () => {
  test('text that is not a calendar', () => {
    expect(() => icalLayer('hello', WINDOW)).toThrow(IcalImportError);
    expect(() => icalLayer('BEGIN:VCARD\r\nEND:VCARD', WINDOW)).toThrow(/not an iCalendar text/);
  });
  test('an unknown TZID', () => {
    const e = vevent('UID:z', 'DTSTART;TZID=Mars/Olympus:20260701T090000', 'DTEND;TZID=Mars/Olympus:20260701T170000', 'SUMMARY:erin');
    expect(() => icalLayer(cal(e), WINDOW)).toThrow('event z: time zone "Mars/Olympus" is neither an IANA zone nor defined in the calendar');
  });
  test('an event naming nobody (an attendee without CN is not a name)', () => {
    const e = vevent('UID:n', 'DTSTART:20260701T090000Z', 'DTEND:20260701T170000Z', 'ATTENDEE:mailto:secret@example.com');
    expect(() => icalLayer(cal(e), WINDOW)).toThrow('event n: names nobody (no SUMMARY, no ATTENDEE with a CN)');
  });
  test('a parser error message is stripped of addresses', () => {
    const broken = 'BEGIN:VCALENDAR\r\nATTENDEE;CN=x secret@example.com\r\nEND:VCALENDAR'; // ical.js quotes the line
    let message = '';
    try {
      icalLayer(broken, WINDOW);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^not an iCalendar text/);
    expect(message).not.toContain('secret@example.com');
  });
});
