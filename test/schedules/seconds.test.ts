// Seconds-long shifts, as the end-to-end test uses them: a 5 s rotation of three people.
import { onCallAt, shiftsBetween } from '../../src/schedules';
import { at, rotation, schedule } from './fixtures';

// 13:00:00 local in Berlin on 2026-12-06 (CET) = 12:00:00Z
const s = schedule('Europe/Berlin', rotation(['alice', 'bob', 'carol'], '2026-12-06T13:00:00', 5, 'seconds'));
const T0 = at('2026-12-06T12:00:00Z');

test('each 5 s slot goes to the next person; until is the next hand-off', () => {
  expect(onCallAt(s, T0 - 1, [])).toEqual({ people: [], source: null, until: T0 });
  expect(onCallAt(s, T0, [])).toEqual({ people: ['alice'], source: { layer: 0 }, until: T0 + 5000 });
  expect(onCallAt(s, T0 + 4999, []).people).toEqual(['alice']);
  expect(onCallAt(s, T0 + 5000, [])).toEqual({ people: ['bob'], source: { layer: 0 }, until: T0 + 10_000 });
  expect(onCallAt(s, T0 + 10_000, []).people).toEqual(['carol']);
  expect(onCallAt(s, T0 + 15_000, []).people).toEqual(['alice']);
});

test('shiftsBetween lists 5 s shifts exactly', () => {
  expect(shiftsBetween(s, T0 + 2500, T0 + 20_000, []).map((x) => [x.person, x.start - T0, x.end - T0])).toEqual([
    ['alice', 2500, 5000], ['bob', 5000, 10_000], ['carol', 10_000, 15_000], ['alice', 15_000, 20_000],
  ]);
});

test('a year later the slot is computed, not iterated: 365 days + 7 s is slot 6 307 201 → bob', () => {
  // 365 × 86 400 s / 5 s = 6 307 200 slots (a multiple of 3), + 7 s → slot 6 307 201, 1 mod 3 → bob, from +365 d 5 s
  const t = T0 + 365 * 86_400_000 + 7000;
  const started = Date.now();
  expect(onCallAt(s, t, [])).toEqual({ people: ['bob'], source: { layer: 0 }, until: T0 + 365 * 86_400_000 + 10_000 });
  expect(Date.now() - started).toBeLessThan(200);
});

test('an override in the middle of a seconds rotation takes whole seconds from it', () => {
  const o = { id: 'o1', schedule: 'primary', person: 'dave', start: '2026-12-06T12:00:07Z', end: '2026-12-06T12:00:12Z', createdAt: '2026-12-06T11:00:00Z', createdBy: 'test' };
  expect(shiftsBetween(s, T0, T0 + 15_000, [o]).map((x) => [x.person, x.start - T0, x.end - T0])).toEqual([
    ['alice', 0, 5000], ['bob', 5000, 7000], ['dave', 7000, 12_000], ['carol', 12_000, 15_000],
  ]);
});

test('maxShifts bounds a long listing of short shifts', () => {
  expect(shiftsBetween(s, T0, T0 + 86_400_000, [], 100)).toHaveLength(100);
});
