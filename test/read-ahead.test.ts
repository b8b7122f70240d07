// The ingest's read-ahead (src/read-ahead.ts): what it hands out first, what it holds once, and, against the stack's
// Redis, that keeping its entries claimed resets their idle time without counting a delivery.
import type Redis from 'ioredis';
import { ReadAhead } from '../src/read-ahead';
import type { Entry } from '../src/stream-group';
import { redis, uid } from './helpers/stack';

const entry = (id: string, severity?: string): Entry => [id, ['event', severity ? JSON.stringify({ severity }) : '{']];
const ids = (entries: Entry[]) => entries.map(([id]) => id);

it('hands out the highest severity first, stream order within one, unreadable entries last', () => {
  const ahead = new ReadAhead(100);
  ahead.add([entry('1-0', 'low'), entry('2-0', 'info'), entry('3-0'), entry('4-0', 'critical'), entry('5-0', 'low'), entry('6-0', 'high')], false);
  expect(ids(ahead.take(3).fresh)).toEqual(['4-0', '6-0', '1-0']);
  // a take of 10: one place (a tenth) for the oldest held, here the info alert 2-0
  expect(ids(ahead.take(10).fresh)).toEqual(['2-0', '5-0', '3-0']);
  expect(ahead.size).toBe(0);
});

it('a tenth of each take goes to the oldest held: a flood of criticals delays the lows, never starves them', () => {
  const ahead = new ReadAhead(1000);
  ahead.add([entry('1-0', 'low'), entry('1-1', 'info')], false);
  ahead.add(Array.from({ length: 500 }, (_, i) => entry(`2-${i}`, 'critical')), false);
  const first = ids(ahead.take(20).fresh);
  expect(first.slice(0, 2)).toEqual(['1-0', '1-1']);
  expect(first.slice(2)).toEqual(Array.from({ length: 18 }, (_, i) => `2-${i}`));
  // lows read later are younger than the criticals still held: the share goes by age, not by severity
  ahead.add(Array.from({ length: 10 }, (_, i) => entry(`3-${i}`, 'low')), false);
  expect(ids(ahead.take(10).fresh)).toEqual(Array.from({ length: 10 }, (_, i) => `2-${i + 18}`));
  expect(ahead.size).toBe(482 - 10 + 10);
});

it('holds an entry once; tells re-read (pending) entries from new ones; its space is what the capacity leaves', () => {
  const ahead = new ReadAhead(4);
  ahead.add([entry('1-0', 'low'), entry('2-0', 'low')], false);
  ahead.add([entry('1-0', 'low'), entry('0-5', 'critical')], true);
  expect(ahead.size).toBe(3);
  expect(ahead.space).toBe(1);
  expect(ahead.holds('0-5')).toBe(true);
  const taken = ahead.take(2);
  expect(ids(taken.redelivered)).toEqual(['0-5']);
  expect(ids(taken.fresh)).toEqual(['1-0']);
  expect(ahead.holds('0-5')).toBe(false);
  expect(ahead.space).toBe(3);
});

describe('keepClaimed, on Redis', () => {
  let r: Redis;
  const stream = uid('read-ahead');
  beforeAll(() => {
    r = redis();
  });
  afterAll(async () => {
    await r.del(stream);
    r.disconnect();
  });

  it("resets the held entries' idle time and leaves their delivery count as it was; others' entries stay idle", async () => {
    await r.xgroup('CREATE', stream, 'g', '0', 'MKSTREAM');
    for (let i = 0; i < 3; i++) await r.xadd(stream, '*', 'event', JSON.stringify({ severity: 'low' }));
    const read = (await r.xreadgroup('GROUP', 'g', 'me', 'COUNT', 3, 'STREAMS', stream, '>')) as [string, Entry[]][];
    const entries = read[0][1];
    const ahead = new ReadAhead(10);
    ahead.add(entries.slice(0, 2), false);
    // all three idle for 100 s, as if they had waited that long
    await r.xclaim(stream, 'g', 'me', 0, ...ids(entries), 'IDLE', 100_000, 'JUSTID');
    await ahead.keepClaimed(r, stream, 'g', 'me');
    const pending = (await r.xpending(stream, 'g', '-', '+', 10)) as [string, string, number, number][];
    expect(pending.map(([id, consumer, , count]) => [id, consumer, count])).toEqual(ids(entries).map((id) => [id, 'me', 1]));
    const idle = pending.map(([, , ms]) => ms);
    expect(idle[0]).toBeLessThan(100_000);
    expect(idle[1]).toBeLessThan(100_000);
    expect(idle[2]).toBeGreaterThanOrEqual(100_000); // not held: left to XAUTOCLAIM
  });
});
