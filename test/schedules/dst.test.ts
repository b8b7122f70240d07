// Hand-computed hand-off tables across the 2026 DST changes.
// Europe/Berlin: CET = UTC+1, CEST = UTC+2; 2026-03-29 02:00 CET → 03:00 CEST (01:00Z); 2026-10-25 03:00 CEST → 02:00 CET (01:00Z).
// America/New_York: EST = UTC-5, EDT = UTC-4; 2026-03-08 02:00 EST → 03:00 EDT (07:00Z); 2026-11-01 02:00 EDT → 01:00 EST (06:00Z).
// Each row: [local hand-off (for the reader), the hand-off instant in UTC (computed by hand), who takes over].
import { Settings } from 'luxon';
import { onCallAt, shiftsBetween, type ScheduleDef } from '../../src/schedules';
import { at, rotation, schedule, who } from './fixtures';

type Row = [local: string, utc: string, person: string];
const ABC = ['alice', 'bob', 'carol'];

/** Every row's instant is a hand-off to its person (the instant before still belongs to the previous row), and the
 *  shifts between the first and the last row are exactly the rows. */
function expectHandOffs(s: ScheduleDef, rows: Row[]): void {
  rows.forEach(([, utc, person], i) => {
    expect(who(s, utc)).toBe(person);
    if (i > 0) expect(onCallAt(s, at(utc) - 1, []).people).toEqual([rows[i - 1][2]]);
  });
  const shifts = shiftsBetween(s, at(rows[0][1]), at(rows[rows.length - 1][1]), []);
  expect(shifts.map((x) => [x.start, x.end, x.person])).toEqual(
    rows.slice(0, -1).map(([, utc, person], i) => [at(utc), at(rows[i + 1][1]), person]),
  );
}

describe('daily rotation, 09:00 hand-off (calendar days: same local time across DST)', () => {
  test('Berlin, spring forward: the shift over the change lasts 23 h', () => {
    expectHandOffs(schedule('Europe/Berlin', rotation(ABC, '2026-03-27T09:00', 1, 'days')), [
      ['03-27 09:00 CET', '2026-03-27T08:00:00Z', 'alice'],
      ['03-28 09:00 CET', '2026-03-28T08:00:00Z', 'bob'],
      ['03-29 09:00 CEST', '2026-03-29T07:00:00Z', 'carol'],
      ['03-30 09:00 CEST', '2026-03-30T07:00:00Z', 'alice'],
    ]);
  });
  test('Berlin, fall back: the shift over the change lasts 25 h', () => {
    const s = schedule('Europe/Berlin', rotation(ABC, '2026-10-23T09:00', 1, 'days'));
    expectHandOffs(s, [
      ['10-23 09:00 CEST', '2026-10-23T07:00:00Z', 'alice'],
      ['10-24 09:00 CEST', '2026-10-24T07:00:00Z', 'bob'],
      ['10-25 09:00 CET', '2026-10-25T08:00:00Z', 'carol'],
      ['10-26 09:00 CET', '2026-10-26T08:00:00Z', 'alice'],
    ]);
    expect(onCallAt(s, at('2026-10-24T07:00:00Z'), []).until).toBe(at('2026-10-25T08:00:00Z'));
  });
  test('New York, spring forward', () => {
    expectHandOffs(schedule('America/New_York', rotation(ABC, '2026-03-06T09:00', 1, 'days')), [
      ['03-06 09:00 EST', '2026-03-06T14:00:00Z', 'alice'],
      ['03-07 09:00 EST', '2026-03-07T14:00:00Z', 'bob'],
      ['03-08 09:00 EDT', '2026-03-08T13:00:00Z', 'carol'],
      ['03-09 09:00 EDT', '2026-03-09T13:00:00Z', 'alice'],
    ]);
  });
  test('New York, fall back', () => {
    expectHandOffs(schedule('America/New_York', rotation(ABC, '2026-10-30T09:00', 1, 'days')), [
      ['10-30 09:00 EDT', '2026-10-30T13:00:00Z', 'alice'],
      ['10-31 09:00 EDT', '2026-10-31T13:00:00Z', 'bob'],
      ['11-01 09:00 EST', '2026-11-01T14:00:00Z', 'carol'],
      ['11-02 09:00 EST', '2026-11-02T14:00:00Z', 'alice'],
    ]);
  });
});

describe('12 h shifts (elapsed time: the local hand-off hour moves by one across DST)', () => {
  test('Berlin, spring forward: 09:00/21:00 CET become 10:00/22:00 CEST', () => {
    expectHandOffs(schedule('Europe/Berlin', rotation(['alice', 'bob'], '2026-03-28T09:00', 12, 'hours')), [
      ['03-28 09:00 CET', '2026-03-28T08:00:00Z', 'alice'],
      ['03-28 21:00 CET', '2026-03-28T20:00:00Z', 'bob'],
      ['03-29 10:00 CEST (moved)', '2026-03-29T08:00:00Z', 'alice'],
      ['03-29 22:00 CEST (moved)', '2026-03-29T20:00:00Z', 'bob'],
      ['03-30 10:00 CEST', '2026-03-30T08:00:00Z', 'alice'],
    ]);
  });
  test('Berlin, fall back: 09:00/21:00 CEST become 08:00/20:00 CET', () => {
    expectHandOffs(schedule('Europe/Berlin', rotation(['alice', 'bob'], '2026-10-24T09:00', 12, 'hours')), [
      ['10-24 09:00 CEST', '2026-10-24T07:00:00Z', 'alice'],
      ['10-24 21:00 CEST', '2026-10-24T19:00:00Z', 'bob'],
      ['10-25 08:00 CET (moved)', '2026-10-25T07:00:00Z', 'alice'],
      ['10-25 20:00 CET (moved)', '2026-10-25T19:00:00Z', 'bob'],
    ]);
  });
  test('New York, spring forward: 09:00/21:00 EST become 10:00/22:00 EDT', () => {
    expectHandOffs(schedule('America/New_York', rotation(['alice', 'bob'], '2026-03-07T09:00', 12, 'hours')), [
      ['03-07 09:00 EST', '2026-03-07T14:00:00Z', 'alice'],
      ['03-07 21:00 EST', '2026-03-08T02:00:00Z', 'bob'],
      ['03-08 10:00 EDT (moved)', '2026-03-08T14:00:00Z', 'alice'],
      ['03-08 22:00 EDT (moved)', '2026-03-09T02:00:00Z', 'bob'],
    ]);
  });
  test('New York, fall back: 09:00/21:00 EDT become 08:00/20:00 EST', () => {
    expectHandOffs(schedule('America/New_York', rotation(['alice', 'bob'], '2026-10-31T09:00', 12, 'hours')), [
      ['10-31 09:00 EDT', '2026-10-31T13:00:00Z', 'alice'],
      ['10-31 21:00 EDT', '2026-11-01T01:00:00Z', 'bob'],
      ['11-01 08:00 EST (moved)', '2026-11-01T13:00:00Z', 'alice'],
      ['11-01 20:00 EST (moved)', '2026-11-02T01:00:00Z', 'bob'],
    ]);
  });
});

describe('a hand-off at a local time the DST change skips or repeats', () => {
  test('Berlin 02:30 daily: on 03-29 02:30 does not exist, the hand-off is at 03:30 CEST; the next day 02:30 again', () => {
    expectHandOffs(schedule('Europe/Berlin', rotation(ABC, '2026-03-27T02:30', 1, 'days')), [
      ['03-27 02:30 CET', '2026-03-27T01:30:00Z', 'alice'],
      ['03-28 02:30 CET', '2026-03-28T01:30:00Z', 'bob'],
      ['03-29 03:30 CEST (02:30 skipped)', '2026-03-29T01:30:00Z', 'carol'],
      ['03-30 02:30 CEST', '2026-03-30T00:30:00Z', 'alice'],
      ['03-31 02:30 CEST', '2026-03-31T00:30:00Z', 'bob'],
    ]);
  });
  test('New York 02:30 daily: on 03-08 the hand-off is at 03:30 EDT', () => {
    expectHandOffs(schedule('America/New_York', rotation(ABC, '2026-03-06T02:30', 1, 'days')), [
      ['03-06 02:30 EST', '2026-03-06T07:30:00Z', 'alice'],
      ['03-07 02:30 EST', '2026-03-07T07:30:00Z', 'bob'],
      ['03-08 03:30 EDT (02:30 skipped)', '2026-03-08T07:30:00Z', 'carol'],
      ['03-09 02:30 EDT', '2026-03-09T06:30:00Z', 'alice'],
    ]);
  });
  test('a rotation starting inside the gap starts at the moved time', () => {
    const s = schedule('Europe/Berlin', rotation(ABC, '2026-03-29T02:30', 1, 'days'));
    expect(onCallAt(s, at('2026-03-29T01:29:59Z'), [])).toEqual({ people: [], source: null, until: at('2026-03-29T01:30:00Z') });
    expect(who(s, '2026-03-29T01:30:00Z')).toBe('alice');
  });
  test('Berlin 02:30 daily across the fall-back night: the first 02:30 (CEST) is the hand-off', () => {
    expectHandOffs(schedule('Europe/Berlin', rotation(ABC, '2026-10-24T02:30', 1, 'days')), [
      ['10-24 02:30 CEST', '2026-10-24T00:30:00Z', 'alice'],
      ['10-25 02:30 CEST (first of two)', '2026-10-25T00:30:00Z', 'bob'],
      ['10-26 02:30 CET', '2026-10-26T01:30:00Z', 'carol'],
    ]);
  });
  test('New York 01:30 daily across the fall-back night: the first 01:30 (EDT) is the hand-off', () => {
    expectHandOffs(schedule('America/New_York', rotation(ABC, '2026-10-31T01:30', 1, 'days')), [
      ['10-31 01:30 EDT', '2026-10-31T05:30:00Z', 'alice'],
      ['11-01 01:30 EDT (first of two)', '2026-11-01T05:30:00Z', 'bob'],
      ['11-02 01:30 EST', '2026-11-02T06:30:00Z', 'carol'],
    ]);
  });
  test('the ambiguous hand-off does not depend on the day the code runs (Luxon alone would use today\'s offset)', () => {
    const s = schedule('Europe/Berlin', rotation(ABC, '2026-10-24T02:30', 1, 'days'));
    const realNow = Settings.now;
    try {
      for (const today of ['2026-01-15T12:00:00Z', '2026-07-15T12:00:00Z']) {
        Settings.now = () => at(today);
        expect(onCallAt(s, at('2026-10-25T00:30:00Z'), []).people).toEqual(['bob']);
        expect(onCallAt(s, at('2026-10-25T00:29:59Z'), []).until).toBe(at('2026-10-25T00:30:00Z'));
      }
    } finally {
      Settings.now = realNow;
    }
  });
});

describe('a restriction window across the DST night (22:00-06:00 local, every day)', () => {
  const night = [{ from: '22:00', to: '06:00' }];
  test('Berlin, fall back: 10-24 22:00 CEST → 10-25 06:00 CET lasts 9 h', () => {
    const s = schedule('Europe/Berlin', rotation(['alice'], '2026-10-01T00:00', 1, 'weeks', night));
    expect(shiftsBetween(s, at('2026-10-24T12:00:00Z'), at('2026-10-25T12:00:00Z'), []))
      .toEqual([{ person: 'alice', start: at('2026-10-24T20:00:00Z'), end: at('2026-10-25T05:00:00Z'), source: { layer: 0 } }]);
    expect(who(s, '2026-10-25T04:30:00Z')).toBe('alice'); // 05:30 CET: an 8-hour window would have closed at 04:00Z
    expect(onCallAt(s, at('2026-10-24T20:00:00Z'), []).until).toBe(at('2026-10-25T05:00:00Z'));
    expect(who(s, '2026-10-25T05:00:00Z')).toBeNull();
  });
  test('Berlin, spring forward: 03-28 22:00 CET → 03-29 06:00 CEST lasts 7 h', () => {
    const s = schedule('Europe/Berlin', rotation(['alice'], '2026-03-01T00:00', 1, 'weeks', night));
    expect(shiftsBetween(s, at('2026-03-28T12:00:00Z'), at('2026-03-29T12:00:00Z'), []).map((x) => [x.start, x.end]))
      .toEqual([[at('2026-03-28T21:00:00Z'), at('2026-03-29T04:00:00Z')]]);
  });
  test('New York, fall back: 10-31 22:00 EDT → 11-01 06:00 EST lasts 9 h', () => {
    const s = schedule('America/New_York', rotation(['alice'], '2026-10-01T00:00', 1, 'weeks', night));
    expect(shiftsBetween(s, at('2026-10-31T20:00:00Z'), at('2026-11-01T20:00:00Z'), []).map((x) => [x.start, x.end]))
      .toEqual([[at('2026-11-01T02:00:00Z'), at('2026-11-01T11:00:00Z')]]);
    expect(who(s, '2026-11-01T10:30:00Z')).toBe('alice');
    expect(who(s, '2026-11-01T11:00:00Z')).toBeNull();
  });
});
