// Restriction windows (weekdays 09-17, overnight 22-06) and layers (a higher layer with a gap falls through).
// Europe/Berlin in June 2026: CEST, UTC+2. 2026-06-01 is a Monday.
import { onCallAt, shiftsBetween } from '../../src/schedules';
import { at, rotation, schedule, who } from './fixtures';

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri'] as const;
const officeHours = [{ days: [...WEEKDAYS], from: '09:00', to: '17:00' }];

describe('weekdays 09:00-17:00 on a daily rotation of alice, bob (hand-off 09:00)', () => {
  const s = schedule('Europe/Berlin', rotation(['alice', 'bob'], '2026-06-01T09:00', 1, 'days', officeHours));

  test('one shift per weekday, 07:00Z-15:00Z, nobody at night or at the weekend (the rotation keeps turning)', () => {
    const shifts = shiftsBetween(s, at('2026-06-01T00:00:00Z'), at('2026-06-09T00:00:00Z'), []);
    expect(shifts.map((x) => [x.person, x.start, x.end])).toEqual([
      ['alice', at('2026-06-01T07:00:00Z'), at('2026-06-01T15:00:00Z')], // Mon, slot 0
      ['bob', at('2026-06-02T07:00:00Z'), at('2026-06-02T15:00:00Z')],
      ['alice', at('2026-06-03T07:00:00Z'), at('2026-06-03T15:00:00Z')],
      ['bob', at('2026-06-04T07:00:00Z'), at('2026-06-04T15:00:00Z')],
      ['alice', at('2026-06-05T07:00:00Z'), at('2026-06-05T15:00:00Z')], // Fri; Sat (bob), Sun (alice) masked
      ['bob', at('2026-06-08T07:00:00Z'), at('2026-06-08T15:00:00Z')], // Mon, slot 7
    ]);
  });
  test('edges: 08:59:59 nobody, 09:00 on, 16:59:59 on, 17:00 nobody (local)', () => {
    expect(who(s, '2026-06-02T06:59:59Z')).toBeNull();
    expect(onCallAt(s, at('2026-06-02T06:59:59Z'), []).until).toBe(at('2026-06-02T07:00:00Z'));
    expect(who(s, '2026-06-02T07:00:00Z')).toBe('bob');
    expect(who(s, '2026-06-02T14:59:59Z')).toBe('bob');
    expect(onCallAt(s, at('2026-06-02T14:59:59Z'), []).until).toBe(at('2026-06-02T15:00:00Z'));
    expect(who(s, '2026-06-02T15:00:00Z')).toBeNull();
    expect(who(s, '2026-06-06T10:00:00Z')).toBeNull(); // Saturday noon
  });
});

describe('overnight 22:00-06:00', () => {
  test('every day: each night is one shift from 20:00Z to 04:00Z', () => {
    const s = schedule('Europe/Berlin', rotation(['alice'], '2026-06-01T00:00', 1, 'weeks', [{ from: '22:00', to: '06:00' }]));
    expect(shiftsBetween(s, at('2026-06-01T00:00:00Z'), at('2026-06-03T12:00:00Z'), []).map((x) => [x.start, x.end])).toEqual([
      [at('2026-06-01T00:00:00Z'), at('2026-06-01T04:00:00Z')], // Sunday night's window, clipped at the listing's start
      [at('2026-06-01T20:00:00Z'), at('2026-06-02T04:00:00Z')],
      [at('2026-06-02T20:00:00Z'), at('2026-06-03T04:00:00Z')],
    ]);
  });
  test('Fridays only: the window belongs to the day it starts (Saturday 05:00 on, Saturday 23:00 off)', () => {
    const s = schedule('Europe/Berlin', rotation(['alice'], '2026-06-01T00:00', 1, 'weeks', [{ days: ['fri'], from: '22:00', to: '06:00' }]));
    expect(who(s, '2026-06-05T19:59:59Z')).toBeNull(); // Fri 21:59:59
    expect(who(s, '2026-06-05T20:00:00Z')).toBe('alice'); // Fri 22:00
    expect(who(s, '2026-06-06T03:00:00Z')).toBe('alice'); // Sat 05:00
    expect(who(s, '2026-06-06T04:00:00Z')).toBeNull(); // Sat 06:00
    expect(who(s, '2026-06-06T21:00:00Z')).toBeNull(); // Sat 23:00
    // nobody until next Friday 22:00; `until` may come earlier, at the weekly hand-off (Monday 00:00 local)
    expect(onCallAt(s, at('2026-06-06T04:00:00Z'), []).until).toBe(at('2026-06-07T22:00:00Z'));
    expect(onCallAt(s, at('2026-06-07T22:00:00Z'), []).until).toBe(at('2026-06-12T20:00:00Z'));
  });
  test('from == to is a whole day', () => {
    const s = schedule('Europe/Berlin', rotation(['alice'], '2026-06-01T00:00', 1, 'weeks', [{ days: ['wed'], from: '12:00', to: '12:00' }]));
    expect(shiftsBetween(s, at('2026-06-01T00:00:00Z'), at('2026-06-08T00:00:00Z'), []).map((x) => [x.start, x.end]))
      .toEqual([[at('2026-06-03T10:00:00Z'), at('2026-06-04T10:00:00Z')]]);
  });
});

describe('layers: the topmost layer with someone wins, a gap falls through', () => {
  const base = rotation(['alice', 'bob'], '2026-06-01T09:00', 1, 'weeks');
  const dayCover = rotation(['carol'], '2026-06-01T00:00', 1, 'weeks', officeHours);
  const s = schedule('Europe/Berlin', base, dayCover);

  test('office hours: carol from layer 1; outside them: alice from layer 0', () => {
    expect(onCallAt(s, at('2026-06-02T08:00:00Z'), [])).toEqual({ people: ['carol'], source: { layer: 1 }, until: at('2026-06-02T15:00:00Z') });
    expect(onCallAt(s, at('2026-06-02T16:00:00Z'), [])).toEqual({ people: ['alice'], source: { layer: 0 }, until: at('2026-06-03T07:00:00Z') });
  });
  test('the shifts alternate between the layers; the weekly hand-off in the lower layer shows only in its gaps', () => {
    const shifts = shiftsBetween(s, at('2026-06-05T14:00:00Z'), at('2026-06-08T16:00:00Z'), []);
    expect(shifts.map((x) => [x.person, x.source, x.start, x.end])).toEqual([
      ['carol', { layer: 1 }, at('2026-06-05T14:00:00Z'), at('2026-06-05T15:00:00Z')],
      ['alice', { layer: 0 }, at('2026-06-05T15:00:00Z'), at('2026-06-08T07:00:00Z')], // the weekend, to Monday 09:00
      ['carol', { layer: 1 }, at('2026-06-08T07:00:00Z'), at('2026-06-08T15:00:00Z')], // bob's week starts under carol
      ['bob', { layer: 0 }, at('2026-06-08T15:00:00Z'), at('2026-06-08T16:00:00Z')],
    ]);
  });
  test('with no layer having anyone: nobody, until the first layer starts', () => {
    const later = schedule('Europe/Berlin', rotation(['alice'], '2026-07-01T09:00', 1, 'days'));
    expect(onCallAt(later, at('2026-06-29T00:00:00Z'), [])).toEqual({ people: [], source: null, until: at('2026-07-01T07:00:00Z') });
  });
  test('until is capped 31 days ahead (a rotation of one person never changes)', () => {
    const one = schedule('Europe/Berlin', rotation(['alice'], '2026-06-01T09:00', 52, 'weeks'));
    expect(onCallAt(one, at('2026-06-10T00:00:00Z'), []).until).toBe(at('2026-07-11T00:00:00Z'));
    expect(onCallAt(schedule('UTC'), at('2026-06-10T00:00:00Z'), [])).toEqual({ people: [], source: null, until: at('2026-07-11T00:00:00Z') });
  });
});
