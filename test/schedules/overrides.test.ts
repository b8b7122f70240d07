// Overrides: a person for [start, end) over every layer; overlapping ones: the one created last wins.
import { onCallAt, shiftsBetween } from '../../src/schedules';
import { at, override, rotation, schedule, who } from './fixtures';

const s = schedule('UTC', rotation(['alice'], '2026-06-01T00:00', 1, 'weeks'));
// bob 10-14 (created 08:00), carol 12-16 (created 09:00: newest), dave 11-13 (created 07:00: oldest)
const bob = override('o-bob', 'bob', '2026-06-02T10:00:00Z', '2026-06-02T14:00:00Z', '2026-06-01T08:00:00Z');
const carol = override('o-carol', 'carol', '2026-06-02T12:00:00+00:00', '2026-06-02T18:00:00+02:00', '2026-06-01T09:00:00Z');
const dave = override('o-dave', 'dave', '2026-06-02T11:00:00Z', '2026-06-02T13:00:00Z', '2026-06-01T07:00:00Z');
const all = [bob, carol, dave];

test('the override in force wins over the layer; the one created last wins where they overlap', () => {
  expect(who(s, '2026-06-02T09:59:59.999Z', all)).toBe('alice');
  expect(onCallAt(s, at('2026-06-02T10:00:00Z'), all)).toEqual({ people: ['bob'], source: { override: 'o-bob' }, until: at('2026-06-02T12:00:00Z') });
  expect(who(s, '2026-06-02T11:30:00Z', all)).toBe('bob'); // dave's is older than bob's
  expect(onCallAt(s, at('2026-06-02T12:00:00Z'), all)).toEqual({ people: ['carol'], source: { override: 'o-carol' }, until: at('2026-06-02T16:00:00Z') });
  expect(who(s, '2026-06-02T13:59:59Z', all)).toBe('carol');
});

test('[start, end): an override ending exactly at the instant does not apply', () => {
  expect(who(s, '2026-06-02T15:59:59.999Z', all)).toBe('carol');
  expect(onCallAt(s, at('2026-06-02T16:00:00Z'), all)).toMatchObject({ people: ['alice'], source: { layer: 0 } });
  expect(who(s, '2026-06-02T14:00:00Z', [bob])).toBe('alice');
});

test('shiftsBetween follows the winners', () => {
  expect(shiftsBetween(s, at('2026-06-02T09:00:00Z'), at('2026-06-02T17:00:00Z'), all)).toEqual([
    { person: 'alice', start: at('2026-06-02T09:00:00Z'), end: at('2026-06-02T10:00:00Z'), source: { layer: 0 } },
    { person: 'bob', start: at('2026-06-02T10:00:00Z'), end: at('2026-06-02T12:00:00Z'), source: { override: 'o-bob' } },
    { person: 'carol', start: at('2026-06-02T12:00:00Z'), end: at('2026-06-02T16:00:00Z'), source: { override: 'o-carol' } },
    { person: 'alice', start: at('2026-06-02T16:00:00Z'), end: at('2026-06-02T17:00:00Z'), source: { layer: 0 } },
  ]);
});

test('an older override starting under a newer one shows when the newer one ends', () => {
  const long = override('o-long', 'erin', '2026-06-02T11:00:00Z', '2026-06-02T20:00:00Z', '2026-06-01T00:00:00Z');
  expect(who(s, '2026-06-02T15:00:00Z', [...all, long])).toBe('carol');
  expect(who(s, '2026-06-02T16:00:00Z', [...all, long])).toBe('erin');
});

test('the answer does not depend on the overrides\' order; equal createdAt: the greater ID wins', () => {
  for (const t of ['2026-06-02T10:30:00Z', '2026-06-02T11:30:00Z', '2026-06-02T12:30:00Z']) {
    expect(onCallAt(s, at(t), [...all].reverse())).toEqual(onCallAt(s, at(t), all));
  }
  const a = override('o-a', 'ann', '2026-06-02T10:00:00Z', '2026-06-02T11:00:00Z', '2026-06-01T00:00:00Z');
  const b = override('o-b', 'ben', '2026-06-02T10:00:00Z', '2026-06-02T11:00:00Z', '2026-06-01T00:00:00.000+00:00');
  expect(who(s, '2026-06-02T10:00:00Z', [a, b])).toBe('ben');
  expect(who(s, '2026-06-02T10:00:00Z', [b, a])).toBe('ben');
});

test('an override fills a gap where no layer has anyone, and other schedules\' overrides are ignored', () => {
  const empty = schedule('UTC');
  expect(onCallAt(empty, at('2026-06-02T10:00:00Z'), [bob])).toMatchObject({ people: ['bob'], source: { override: 'o-bob' } });
  const elsewhere = override('o-x', 'xavier', '2026-06-02T00:00:00Z', '2026-06-03T00:00:00Z', '2026-06-01T10:00:00Z', 'secondary');
  expect(who(s, '2026-06-02T10:30:00Z', [bob, elsewhere])).toBe('bob');
});

test('an empty or reversed range never applies; an instant without an offset is refused, naming the override', () => {
  const reversed = override('o-rev', 'zed', '2026-06-02T12:00:00Z', '2026-06-02T10:00:00Z', '2026-06-01T10:00:00Z');
  expect(who(s, '2026-06-02T11:00:00Z', [reversed])).toBe('alice');
  const local = override('o-local', 'zed', '2026-06-02T10:00:00', '2026-06-02T12:00:00Z', '2026-06-01T10:00:00Z');
  expect(() => onCallAt(s, at('2026-06-02T11:00:00Z'), [local])).toThrow(/override o-local: start .* offset or Z/);
});
