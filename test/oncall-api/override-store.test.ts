// OverrideStore against the stack's OpenSearch: validation naming every problem against the on-call file, writes seen
// at once (refresh=wait_for), listing, removal kept as history (a future override void, a running one cut short),
// compare-and-set removal, the 2-second read cache every worker answers from, and the index's strict mapping.
import type { Client } from '@opensearch-project/opensearch';
import { MappingMismatchError, OverrideInvalidError, OverrideNotFoundError } from '../../src/errors';
import type { OnCallDirectory } from '../../src/oncall/directory';
import { OverrideStore } from '../../src/oncall/overrides';
import { effectiveEnd, overrideState } from '../../src/oncall/override-rules';
import { opensearch, uid } from '../helpers/stack';
import { openDirectory } from './fixture';

jest.setTimeout(60_000);

const HOUR = 3_600_000;
const SETTINGS = { shards: 1, replicas: 0 };
const iso = (ms: number) => new Date(ms).toISOString();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let os: Client;
let directory: OnCallDirectory;
const indices: string[] = [];

/** A store on an index of its own (created), as one worker has it. */
async function newStore(index = OverrideStore.indexFor(uid('oncall-store')), cacheMs?: number): Promise<OverrideStore> {
  const store = new OverrideStore(os, index, directory, cacheMs === undefined ? {} : { cacheMs });
  await store.ensureIndex(SETTINGS);
  indices.push(index);
  return store;
}
const swap = (extra: Partial<Parameters<OverrideStore['add']>[0]> = {}) => ({
  schedule: 'primary', person: 'carol', start: iso(Date.now() + HOUR), end: iso(Date.now() + 3 * HOUR), createdBy: 'alice', reason: 'dentist', ...extra,
});

beforeAll(() => {
  os = opensearch();
  directory = openDirectory();
});
afterAll(async () => {
  for (const index of indices) await os.indices.delete({ index }).catch(() => undefined);
  await os.close();
});

describe('add', () => {
  it('stores a valid override, readable and listed at once (refresh wait_for), with its ID', async () => {
    const store = await newStore();
    const o = await store.add(swap());
    expect(o).toEqual({ ...swap(), id: expect.stringMatching(/^[0-9a-f-]{36}$/), start: expect.any(String), end: expect.any(String), createdAt: expect.any(String), removedAt: null, removedBy: null });
    expect(await store.get(o.id)).toEqual(o);
    // A search (not a get by ID) right after add: only a refreshed index answers it.
    expect(await store.list({ schedule: 'primary' })).toEqual([o]);
    expect(overrideState(o)).toBe('upcoming');
  });

  it('refuses with every problem at once, naming each field; nothing is stored', async () => {
    const store = await newStore();
    const bad = { schedule: 'tertiary', person: 'mallory', start: 'tomorrow', end: iso(Date.now() - HOUR), createdBy: ' ', reason: 7 as unknown as string };
    const error = await store.add(bad).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OverrideInvalidError);
    expect((error as OverrideInvalidError).problems).toEqual([
      'schedule: no schedule "tertiary" in the on-call file',
      'person: no person "mallory" in the on-call file',
      'start: expected an ISO 8601 instant with a zone, such as 2030-01-31T18:00:00Z or 2030-01-31T19:00:00+01:00, got "tomorrow"',
      expect.stringMatching(/^end: .* is not in the future/),
      'createdBy: required (who makes the override)',
      'reason: expected text',
    ]);
    const reversed = await store.add(swap({ start: iso(Date.now() + 2 * HOUR), end: iso(Date.now() + HOUR) })).catch((e: OverrideInvalidError) => e.problems);
    expect(reversed).toEqual([expect.stringMatching(/^end: .* is not after start /)]);
    const noZone = await store.add(swap({ start: '2030-01-01T10:00', end: '2030-01-01T12:00' })).catch((e: OverrideInvalidError) => e.problems);
    expect(noZone).toEqual([expect.stringMatching(/^start: expected an ISO 8601 instant with a zone/), expect.stringMatching(/^end: expected an ISO 8601 instant with a zone/)]);
    const tooLong = await store.add(swap({ end: iso(Date.now() + 400 * 24 * HOUR) })).catch((e: OverrideInvalidError) => e.problems);
    expect(tooLong).toEqual(['end: an override lasts at most a year (a lasting change belongs in the on-call file)']);
    expect(await store.list({ from: 0, removed: true })).toEqual([]);
  });

  it('takes a start in the past as now (an override never rewrites who was on call); an offset is kept as the instant', async () => {
    const store = await newStore();
    const before = Date.now();
    const o = await store.add(swap({ start: iso(before - 5 * HOUR) }));
    expect(Date.parse(o.start)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(o.start)).toBeLessThan(before + 10_000);
    expect(overrideState(o)).toBe('active');
    const instant = Math.ceil((Date.now() + HOUR) / 1000) * 1000;
    const inBerlinSummer = `${iso(instant + 2 * HOUR).slice(0, 19)}+02:00`; // the same instant, written with an offset
    const offset = await store.add(swap({ start: inBerlinSummer, end: iso(instant + HOUR) }));
    expect(offset.start).toBe(iso(instant));
  });
});

describe('list and remove', () => {
  it('lists by schedule, by default only what is not over; remove of a future one voids it, of a running one ends it now', async () => {
    const store = await newStore();
    const running = await store.add(swap({ start: iso(Date.now()), person: 'bob' }));
    const future = await store.add(swap());
    const other = await store.add(swap({ schedule: 'secondary', person: 'alice' }));
    expect((await store.list({ schedule: 'primary' })).map((o) => o.id)).toEqual([running.id, future.id]);
    expect((await store.list()).map((o) => o.id).sort()).toEqual([running.id, future.id, other.id].sort());
    expect((await store.list({ to: Date.now() + HOUR / 2 })).map((o) => o.id)).toEqual([running.id]);

    const voided = await store.remove(future.id, 'carol');
    expect(voided).toEqual({ changed: true, override: { ...future, removedAt: expect.any(String), removedBy: 'carol' } });
    expect(overrideState(voided.override)).toBe('removed');
    expect((await store.list({ schedule: 'primary' })).map((o) => o.id)).toEqual([running.id]);
    expect((await store.list({ schedule: 'primary', removed: true })).map((o) => o.id)).toEqual([running.id, future.id]);
    expect(await store.get(future.id)).toEqual(voided.override); // kept, as history

    const cut = await store.remove(running.id, 'dave');
    expect(cut.changed).toBe(true);
    expect(overrideState(cut.override)).toBe('ended');
    expect(cut.override.end).toBe(running.end); // the planned end is kept; the removal ends it
    expect(effectiveEnd(cut.override)).toBe(Date.parse(cut.override.removedAt!));
    expect(await store.list({ schedule: 'primary' })).toEqual([]);
    // The part in force stays true for the past.
    expect((await store.overlapping('primary', Date.parse(running.start), Date.now())).map((o) => [o.id, o.end])).toEqual([[running.id, cut.override.removedAt]]);
  });

  it('remove of one removed (or over) already changes nothing; of an unknown ID throws OverrideNotFoundError', async () => {
    const store = await newStore();
    const o = await store.add(swap());
    const first = await store.remove(o.id, 'a');
    expect(await store.remove(o.id, 'b')).toEqual({ changed: false, override: first.override });
    await expect(store.remove('no-such-override', 'a')).rejects.toBeInstanceOf(OverrideNotFoundError);
    await expect(store.remove('', 'a')).rejects.toBeInstanceOf(OverrideNotFoundError);
  });

  it('two removes at once: one writes it (compare-and-set), the other sees it removed', async () => {
    const store = await newStore();
    const other = new OverrideStore(os, store.index, directory);
    const o = await store.add(swap());
    const results = await Promise.all([store.remove(o.id, 'first'), other.remove(o.id, 'second')]);
    expect(results.map((r) => r.changed).sort()).toEqual([false, true]);
    const winner = results.find((r) => r.changed)!.override.removedBy;
    expect(results.map((r) => r.override.removedBy)).toEqual([winner, winner]);
    expect((await store.get(o.id))!.removedBy).toBe(winner);
  });
});

describe('overlapping: what every worker answers from', () => {
  it('gives the overrides of one schedule in force during a span, oldest first, with effective ends and only the Override fields', async () => {
    const store = await newStore();
    const a = await store.add(swap({ person: 'carol' }));
    const b = await store.add(swap({ person: 'bob', start: iso(Date.now() + 2 * HOUR), end: iso(Date.now() + 4 * HOUR) }));
    await store.add(swap({ schedule: 'secondary' }));
    const now = Date.now();
    const found = await store.overlapping('primary', now, now + 5 * HOUR);
    expect(found).toEqual([
      { id: a.id, schedule: 'primary', person: 'carol', start: a.start, end: a.end, createdAt: a.createdAt, createdBy: 'alice', reason: 'dentist' },
      { id: b.id, schedule: 'primary', person: 'bob', start: b.start, end: b.end, createdAt: b.createdAt, createdBy: 'alice', reason: 'dentist' },
    ]);
    expect((await store.overlapping('primary', now + 3.5 * HOUR, now + 5 * HOUR)).map((o) => o.id)).toEqual([b.id]);
    expect(await store.overlapping('primary', now, now + HOUR / 2)).toEqual([]);
  });

  it("another worker's cache sees a new override within 2 s (the default), and not before its cache expires", async () => {
    const writer = await newStore();
    const worker = new OverrideStore(os, writer.index, directory); // default cacheMs: 2000
    const slow = new OverrideStore(os, writer.index, directory, { cacheMs: 30_000 });
    const now = Date.now();
    expect(await worker.overlapping('primary', now, now + 4 * HOUR)).toEqual([]);
    expect(await slow.overlapping('primary', now, now + 4 * HOUR)).toEqual([]);
    const o = await writer.add(swap());
    const written = Date.now();
    expect((await writer.overlapping('primary', now, now + 4 * HOUR)).map((x) => x.id)).toEqual([o.id]); // its own write: at once
    expect(await slow.overlapping('primary', now, now + 4 * HOUR)).toEqual([]); // answered from its cache
    let seenAfter = -1;
    while (Date.now() - written < 5_000) {
      if ((await worker.overlapping('primary', now, now + 4 * HOUR)).length) {
        seenAfter = Date.now() - written;
        break;
      }
      await sleep(50);
    }
    expect(seenAfter).toBeGreaterThanOrEqual(0);
    expect(seenAfter).toBeLessThan(2_000 + 500); // 2 s, plus one search on a loaded machine
    // The past beyond the cache's reach is read from the index, whatever the cache holds.
    expect(await slow.overlapping('primary', now - 48 * HOUR, now - 47 * HOUR)).toEqual([]);
  });
});

describe('ensureIndex', () => {
  it('creates the index with the strict mapping once; refuses an index mapped otherwise, naming the field', async () => {
    const store = await newStore();
    await store.ensureIndex(SETTINGS); // again: no error
    const mapping = (await os.indices.getMapping({ index: store.index })).body as Record<string, { mappings: { dynamic: string; properties: Record<string, { type: string }> } }>;
    expect(mapping[store.index].mappings.dynamic).toBe('strict');
    expect(mapping[store.index].mappings.properties.schedule.type).toBe('keyword');

    const wrong = OverrideStore.indexFor(uid('oncall-wrong'));
    indices.push(wrong);
    await os.indices.create({ index: wrong, body: { mappings: { properties: { schedule: { type: 'text' } } } } });
    const error = await new OverrideStore(os, wrong, directory).ensureIndex(SETTINGS).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MappingMismatchError);
    expect((error as Error).message).toMatch(new RegExp(`override index "${wrong}" has fields mapped wrongly:[\\s\\S]*field "schedule": found text, expected keyword`));
    expect((error as Error).message).toContain('field "(dynamic)"');
  });

  it('names its index beside the silence index, outside the rollover pattern <ALERT_INDEX>-*', () => {
    expect(OverrideStore.indexFor('alerts')).toBe('alerts.oncall-overrides');
  });
});
