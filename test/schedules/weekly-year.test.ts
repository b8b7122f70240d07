// A weekly rotation of three people over the whole of 2026 in Europe/Berlin: 52 hand-offs, every Monday at 09:00
// local time, 08:00Z in CET (until 2026-03-23 and from 2026-10-26) and 07:00Z in CEST (2026-03-30 … 2026-10-19).
// The table was computed by hand from the EU rule (CEST from the last Sunday of March to the last Sunday of October).
import { onCallAt, shiftsBetween } from '../../src/schedules';
import { at, rotation, schedule } from './fixtures';

const HAND_OFFS: [utc: string, person: string][] = [
  ['2026-01-05T08:00:00Z', 'alice'],
  ['2026-01-12T08:00:00Z', 'bob'],
  ['2026-01-19T08:00:00Z', 'carol'],
  ['2026-01-26T08:00:00Z', 'alice'],
  ['2026-02-02T08:00:00Z', 'bob'],
  ['2026-02-09T08:00:00Z', 'carol'],
  ['2026-02-16T08:00:00Z', 'alice'],
  ['2026-02-23T08:00:00Z', 'bob'],
  ['2026-03-02T08:00:00Z', 'carol'],
  ['2026-03-09T08:00:00Z', 'alice'],
  ['2026-03-16T08:00:00Z', 'bob'],
  ['2026-03-23T08:00:00Z', 'carol'],
  ['2026-03-30T07:00:00Z', 'alice'],
  ['2026-04-06T07:00:00Z', 'bob'],
  ['2026-04-13T07:00:00Z', 'carol'],
  ['2026-04-20T07:00:00Z', 'alice'],
  ['2026-04-27T07:00:00Z', 'bob'],
  ['2026-05-04T07:00:00Z', 'carol'],
  ['2026-05-11T07:00:00Z', 'alice'],
  ['2026-05-18T07:00:00Z', 'bob'],
  ['2026-05-25T07:00:00Z', 'carol'],
  ['2026-06-01T07:00:00Z', 'alice'],
  ['2026-06-08T07:00:00Z', 'bob'],
  ['2026-06-15T07:00:00Z', 'carol'],
  ['2026-06-22T07:00:00Z', 'alice'],
  ['2026-06-29T07:00:00Z', 'bob'],
  ['2026-07-06T07:00:00Z', 'carol'],
  ['2026-07-13T07:00:00Z', 'alice'],
  ['2026-07-20T07:00:00Z', 'bob'],
  ['2026-07-27T07:00:00Z', 'carol'],
  ['2026-08-03T07:00:00Z', 'alice'],
  ['2026-08-10T07:00:00Z', 'bob'],
  ['2026-08-17T07:00:00Z', 'carol'],
  ['2026-08-24T07:00:00Z', 'alice'],
  ['2026-08-31T07:00:00Z', 'bob'],
  ['2026-09-07T07:00:00Z', 'carol'],
  ['2026-09-14T07:00:00Z', 'alice'],
  ['2026-09-21T07:00:00Z', 'bob'],
  ['2026-09-28T07:00:00Z', 'carol'],
  ['2026-10-05T07:00:00Z', 'alice'],
  ['2026-10-12T07:00:00Z', 'bob'],
  ['2026-10-19T07:00:00Z', 'carol'],
  ['2026-10-26T08:00:00Z', 'alice'],
  ['2026-11-02T08:00:00Z', 'bob'],
  ['2026-11-09T08:00:00Z', 'carol'],
  ['2026-11-16T08:00:00Z', 'alice'],
  ['2026-11-23T08:00:00Z', 'bob'],
  ['2026-11-30T08:00:00Z', 'carol'],
  ['2026-12-07T08:00:00Z', 'alice'],
  ['2026-12-14T08:00:00Z', 'bob'],
  ['2026-12-21T08:00:00Z', 'carol'],
  ['2026-12-28T08:00:00Z', 'alice'],
];
const END = '2027-01-04T08:00:00Z'; // the 53rd hand-off (back to bob), closing the last shift

const s = schedule('Europe/Berlin', rotation(['alice', 'bob', 'carol'], '2026-01-05T09:00', 1, 'weeks'));

test('the table has 52 hand-offs', () => {
  expect(HAND_OFFS).toHaveLength(52);
});

test.each(HAND_OFFS.map(([utc, person], i) => [utc, person, i === 0 ? null : HAND_OFFS[i - 1][1]] as const))(
  'hand-off %s to %s (the instant before: %s)',
  (utc, person, before) => {
    expect(onCallAt(s, at(utc), []).people).toEqual([person]);
    expect(onCallAt(s, at(utc) - 1, []).people).toEqual(before === null ? [] : [before]);
  },
);

test('shiftsBetween over the year lists exactly the 52 shifts, each from its hand-off to the next', () => {
  const shifts = shiftsBetween(s, at('2026-01-01T00:00:00Z'), at(END), []);
  const ends = [...HAND_OFFS.slice(1).map(([utc]) => utc), END];
  expect(shifts).toEqual(HAND_OFFS.map(([utc, person], i) => ({ person, start: at(utc), end: at(ends[i]), source: { layer: 0 } })));
});

test('until is the next hand-off (a 7-day shift is under the 31-day cap)', () => {
  expect(onCallAt(s, at('2026-03-25T12:00:00Z'), []).until).toBe(at('2026-03-30T07:00:00Z'));
  expect(onCallAt(s, at('2026-10-20T12:00:00Z'), []).until).toBe(at('2026-10-26T08:00:00Z'));
});

test('years later the slot is found directly: 2036-01-07 (Monday) 09:00 CET is hand-off 522 → alice', () => {
  // 2026-01-05 → 2036-01-07 is 3654 days = 522 weeks (2028, 2032 are leap years); 522 mod 3 = 0 → alice.
  expect(onCallAt(s, at('2036-01-07T08:00:00Z'), []).people).toEqual(['alice']);
  expect(onCallAt(s, at('2036-01-07T07:59:59Z'), []).people).toEqual(['carol']);
});
