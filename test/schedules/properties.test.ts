// Property-based: for random schedules (rotation layers in several zones, restrictions, an iCal layer), overrides and
// instants, the invariants that tie onCallAt and shiftsBetween together hold.
import fc from 'fast-check';
import { Settings } from 'luxon';
import { onCallAt, shiftsBetween, UNTIL_CAP_MS, WEEKDAYS } from '../../src/schedules';
import type { IcalLayer, Layer, Override, Restriction, RotationLayer, ShiftLength } from '../../src/schedules';

const DAY = 86_400_000;
const PEOPLE = ['a', 'b', 'c', 'd', 'e'];
const ZONES = ['Europe/Berlin', 'America/New_York', 'UTC', 'Australia/Lord_Howe', 'Asia/Kolkata', 'America/Santiago'];
const T_MIN = Date.UTC(2025, 0, 1);
const T_MAX = Date.UTC(2028, 11, 31);

const two = (n: number) => String(n).padStart(2, '0');
/** 'HH:mm' on a quarter hour (02:00-03:00 included: inside the DST gap or the repeated hour in some zones). */
const clock = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 15, 30, 45)).map(([h, m]) => `${two(h)}:${two(m)}`);
const localStart = fc.record({ y: fc.integer({ min: 2024, max: 2027 }), mo: fc.integer({ min: 1, max: 12 }), d: fc.integer({ min: 1, max: 28 }), t: clock })
  .map(({ y, mo, d, t }) => `${y}-${two(mo)}-${two(d)}T${t}`);
const shift: fc.Arbitrary<ShiftLength> = fc.oneof(
  fc.record({ amount: fc.integer({ min: 30, max: 7200 }), unit: fc.constant('seconds' as const) }),
  fc.record({ amount: fc.integer({ min: 1, max: 600 }), unit: fc.constant('minutes' as const) }),
  fc.record({ amount: fc.integer({ min: 1, max: 48 }), unit: fc.constant('hours' as const) }),
  fc.record({ amount: fc.integer({ min: 1, max: 3 }), unit: fc.constant('days' as const) }),
  fc.record({ amount: fc.integer({ min: 1, max: 2 }), unit: fc.constant('weeks' as const) }),
);
const restriction: fc.Arbitrary<Restriction> = fc.record(
  { days: fc.subarray([...WEEKDAYS], { minLength: 1 }), from: clock, to: clock }, { requiredKeys: ['from', 'to'] },
);
const rotationLayer: fc.Arbitrary<RotationLayer> = fc.record({
  kind: fc.constant('rotation' as const),
  participants: fc.array(fc.constantFrom(...PEOPLE), { minLength: 1, maxLength: 4 }),
  start: localStart,
  shift,
  restrictions: fc.option(fc.array(restriction, { maxLength: 2 }), { nil: undefined }),
});

/** Layers, overrides and an iCal layer placed around the instant `t`, so that they matter. */
function around(t: number) {
  const span = fc.tuple(fc.integer({ min: -2 * DAY, max: 2 * DAY }), fc.integer({ min: 60_000, max: DAY }));
  const icalLayer: fc.Arbitrary<IcalLayer> = fc.array(fc.tuple(span, fc.constantFrom(...PEOPLE)), { maxLength: 4 }).map((events) => ({
    kind: 'ical' as const,
    events: events.map(([[off, len], person], i) => ({ person, start: t + off, end: t + off + len, uid: `e${i}` }))
      .sort((x, y) => x.start - y.start || x.end - y.end),
    window: { from: t - 3 * DAY, to: t + 3 * DAY },
  }));
  const override: fc.Arbitrary<Override> = fc.tuple(span, fc.constantFrom(...PEOPLE), fc.integer({ min: 0, max: 1000 }), fc.nat()).map(
    ([[off, len], person, created, id]) => ({
      id: `o${id}`, schedule: 's', person, start: new Date(t + off).toISOString(), end: new Date(t + off + len).toISOString(),
      createdAt: new Date(T_MIN + created * 60_000).toISOString(), createdBy: 'prop',
    }),
  );
  const layers: fc.Arbitrary<Layer[]> = fc.array(fc.oneof({ weight: 4, arbitrary: rotationLayer }, { weight: 1, arbitrary: icalLayer }), { minLength: 1, maxLength: 3 });
  return fc.record({ zone: fc.constantFrom(...ZONES), layers, overrides: fc.array(override, { maxLength: 3 }) })
    .map(({ zone, layers: ls, overrides }) => ({ t, schedule: { id: 's', timeZone: zone, layers: ls }, overrides }));
}

const cases = fc.integer({ min: T_MIN, max: T_MAX }).chain(around);
const RUNS = { numRuns: 150 };

test('onCallAt(t) is the shift of shiftsBetween(t - 1 d, t + 1 d) covering t; the shifts are ordered, disjoint, merged', () => {
  fc.assert(fc.property(cases, ({ t, schedule, overrides }) => {
    const answer = onCallAt(schedule, t, overrides);
    const shifts = shiftsBetween(schedule, t - DAY, t + DAY, overrides);
    shifts.forEach((s, i) => {
      expect(s.start).toBeLessThan(s.end);
      expect(s.start).toBeGreaterThanOrEqual(t - DAY);
      expect(s.end).toBeLessThanOrEqual(t + DAY);
      if (i === 0) return;
      const prev = shifts[i - 1];
      expect(prev.end).toBeLessThanOrEqual(s.start);
      if (prev.end === s.start) expect([prev.person, prev.source]).not.toEqual([s.person, s.source]);
    });
    const covering = shifts.find((s) => s.start <= t && t < s.end);
    expect(answer.people).toEqual(covering ? [covering.person] : []);
    expect(answer.source).toEqual(covering ? covering.source : null);
  }), RUNS);
});

test('until > t, at most 31 days ahead, and the answer is the same on [t, until)', () => {
  fc.assert(fc.property(cases, fc.double({ min: 0, max: 1, noNaN: true }), ({ t, schedule, overrides }, fraction) => {
    const answer = onCallAt(schedule, t, overrides);
    expect(answer.until).toBeGreaterThan(t);
    expect(answer.until).toBeLessThanOrEqual(t + UNTIL_CAP_MS);
    const inside = Math.min(answer.until - 1, t + Math.floor((answer.until - t) * fraction));
    for (const u of [t + 1, inside, answer.until - 1].filter((x) => x >= t && x < answer.until)) {
      const later = onCallAt(schedule, u, overrides);
      expect([later.people, later.source]).toEqual([answer.people, answer.source]);
    }
  }), RUNS);
});

test('onCallAt is deterministic: the same answer again, with the overrides reversed, and whatever day it is', () => {
  fc.assert(fc.property(cases, fc.integer({ min: T_MIN, max: T_MAX }), ({ t, schedule, overrides }, today) => {
    const answer = onCallAt(schedule, t, overrides);
    expect(onCallAt(schedule, t, overrides)).toEqual(answer);
    expect(onCallAt(schedule, t, [...overrides].reverse())).toEqual(answer);
    const realNow = Settings.now;
    try {
      Settings.now = () => today;
      expect(onCallAt(schedule, t, overrides)).toEqual(answer);
    } finally {
      Settings.now = realNow;
    }
  }), RUNS);
});
