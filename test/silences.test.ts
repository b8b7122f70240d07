// SilenceStore (src/storm/silences.ts) against the stack's real OpenSearch: add / get / list / expire, every
// validation problem at once, derived states, `matching` from a cache refreshed at most every refreshMs (one
// search shared by concurrent callers), `matchingNow` reading the index, pending silences, and ensureIndex's
// mapping check. Each test has its own index, deleted after it.
import type { Client } from '@opensearch-project/opensearch';
import { MappingMismatchError, SilenceInvalidError, SilenceNotFoundError } from '../src/errors';
import { silencesChanged } from '../src/metrics';
import { parseMatcher } from '../src/storm/matchers';
import { SILENCE_MAPPING, SilenceStore, silenceState, type NewSilence } from '../src/storm/silences';
import { opensearch, uid } from './helpers/stack';

jest.setTimeout(60_000);

const SETTINGS = { shards: 1, replicas: 0 };
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let os: Client;
let index: string;
const indices: string[] = [];

beforeAll(() => {
  os = opensearch();
});
beforeEach(() => {
  index = uid('silences');
  indices.push(index);
});
afterEach(async () => {
  jest.restoreAllMocks();
  for (const i of indices.splice(0)) await os.indices.delete({ index: i }).catch(() => undefined);
});
afterAll(async () => {
  await os.close();
});

async function store(refreshMs?: number): Promise<SilenceStore> {
  const s = new SilenceStore(os, index, refreshMs === undefined ? {} : { refreshMs });
  await s.ensureIndex(SETTINGS);
  return s;
}
const silence = (over: Partial<NewSilence> = {}): NewSilence => ({
  matchers: [parseMatcher('team="db"')], endsAt: iso(Date.now() + HOUR), createdBy: 'alice', comment: 'failover drill', ...over,
});
const problemsOf = async (p: Promise<unknown>): Promise<string[]> => {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(SilenceInvalidError);
  return (e as SilenceInvalidError).problems;
};
/** Counts the searches a client makes (they still run). */
function countSearches(client: Client): { count: () => number } {
  const spy = jest.spyOn(client, 'search');
  return { count: () => spy.mock.calls.length };
}
const counter = async (action: string) => (await silencesChanged.get()).values.find((v) => v.labels.action === action)?.value ?? 0;

describe('add, get, list, expire', () => {
  it('add stores the silence (ID, times, creator) and a search sees it at once', async () => {
    const s = await store();
    const before = Date.now();
    const added = await s.add(silence({ matchers: [parseMatcher('team=~"db.*"'), parseMatcher('severity!="info"')] }));
    expect(added.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(Date.parse(added.startsAt)).toBeGreaterThanOrEqual(before);
    expect(added).toMatchObject({ createdBy: 'alice', comment: 'failover drill', expiredBy: null, createdAt: added.startsAt, updatedAt: added.startsAt });
    expect(await s.get(added.id)).toEqual(added);
    // No wait, no refresh: written with refresh=wait_for.
    expect(await s.list({ state: 'active' })).toEqual([added]);
    expect(silenceState(added)).toBe('active');
    expect(await s.get('no-such-id')).toBeUndefined();
  });

  it('a start in the past is taken as now; names and comments are trimmed', async () => {
    const s = await store();
    const before = Date.now();
    const added = await s.add(silence({ startsAt: iso(before - HOUR), createdBy: '  bob ', comment: ' why  ' }));
    expect(Date.parse(added.startsAt)).toBeGreaterThanOrEqual(before);
    expect([added.createdBy, added.comment]).toEqual(['bob', 'why']);
  });

  it('every problem is named at once, and nothing is stored', async () => {
    const s = await store();
    const now = Date.now();
    expect(await problemsOf(s.add({ matchers: [], startsAt: 'tomorrow', endsAt: iso(now - 1000), createdBy: ' ', comment: '' }))).toEqual([
      expect.stringMatching(/^matchers: at least one is needed/),
      expect.stringMatching(/^startsAt: expected an ISO 8601 time/),
      expect.stringMatching(/^endsAt: .* is not in the future/),
      expect.stringMatching(/^createdBy: required/),
      expect.stringMatching(/^comment: required/),
    ]);
    expect(await problemsOf(s.add(silence({ matchers: [{ name: 'team', op: '=~', value: 'db(' }, { name: '1x', op: '=', value: 'a' }, { name: 'a', op: '==' as never, value: 'b' }] }))))
      .toEqual([expect.stringMatching(/^matchers\[0\]: bad regex/), expect.stringMatching(/^matchers\[1\]: .*not a label name/), expect.stringMatching(/^matchers\[2\]: /)]);
    // Matchers that all match an alert without the label would silence nearly everything (Alertmanager refuses them too).
    expect(await problemsOf(s.add(silence({ matchers: [parseMatcher('team=~".*"'), parseMatcher('x=""')] })))).toEqual([expect.stringMatching(/at least one must not match the empty string/)]);
    expect(await problemsOf(s.add(silence({ startsAt: iso(now + 2 * HOUR), endsAt: iso(now + HOUR) })))).toEqual([expect.stringMatching(/^endsAt: .* is not after startsAt/)]);
    expect(await problemsOf(s.add(silence({ endsAt: iso(now + 366 * 24 * HOUR) })))).toEqual([expect.stringMatching(/at most a year/)]);
    expect(await problemsOf(s.add(silence({ endsAt: undefined as never })))).toEqual(['endsAt: required']);
    expect(await problemsOf(s.add(silence({ createdBy: 'a\u0007b' })))).toEqual([expect.stringMatching(/control characters/)]);
    expect(await s.list({ state: 'all' })).toEqual([]);
  });

  it('list by state: pending (starts later), active, expired; all of them by creation, latest first', async () => {
    const s = await store();
    const now = Date.now();
    const pending = await s.add(silence({ startsAt: iso(now + HOUR), endsAt: iso(now + 2 * HOUR) }));
    const active = await s.add(silence());
    const ended = await s.add(silence());
    await s.expire(ended.id, 'carol');
    expect((await s.list({ state: 'pending' })).map((x) => x.id)).toEqual([pending.id]);
    expect((await s.list({ state: 'active' })).map((x) => x.id)).toEqual([active.id]);
    expect((await s.list({ state: 'expired' })).map((x) => x.id)).toEqual([ended.id]);
    expect((await s.list({ state: 'all' })).map((x) => x.id)).toEqual([ended.id, active.id, pending.id]);
    expect(silenceState(pending)).toBe('pending');
    expect(silenceState(pending, Date.parse(pending.startsAt))).toBe('active');
    expect(silenceState(pending, Date.parse(pending.endsAt))).toBe('expired');
  });

  it('a list of an index nobody created yet is empty (no error)', async () => {
    expect(await new SilenceStore(os, index).list({ state: 'all' })).toEqual([]);
  });

  it('expire ends it now and names who; again returns it unchanged; an unknown ID is SilenceNotFoundError', async () => {
    const s = await store();
    const added = await s.add(silence());
    const before = Date.now();
    const expired = await s.expire(added.id, 'carol');
    expect(Date.parse(expired.endsAt)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(expired.endsAt)).toBeLessThanOrEqual(Date.now());
    expect(expired).toMatchObject({ id: added.id, startsAt: added.startsAt, expiredBy: 'carol', updatedAt: expired.endsAt, createdAt: added.createdAt });
    expect(await s.get(added.id)).toEqual(expired);
    expect(silenceState(expired)).toBe('expired');
    expect(await s.expire(added.id, 'dave')).toEqual(expired);
    await expect(s.expire('no-such-id', 'carol')).rejects.toThrow(SilenceNotFoundError);
    await expect(s.expire(added.id, ' ')).rejects.toThrow(SilenceInvalidError);
  });

  it('expiring a pending silence means it never starts (startsAt = endsAt = now)', async () => {
    const s = await store();
    const pending = await s.add(silence({ startsAt: iso(Date.now() + HOUR), endsAt: iso(Date.now() + 2 * HOUR) }));
    const expired = await s.expire(pending.id, 'carol');
    expect(expired.startsAt).toBe(expired.endsAt);
    expect(Date.parse(expired.endsAt)).toBeLessThan(Date.parse(pending.startsAt));
    expect((await s.list({ state: 'pending' }))).toEqual([]);
  });

  it('counts adds and expiries (alert_silences_changed_total)', async () => {
    const s = await store();
    const [adds, expiries] = [await counter('add'), await counter('expire')];
    const a = await s.add(silence());
    await s.expire(a.id, 'carol');
    await s.expire(a.id, 'carol'); // already over: not counted again
    expect([await counter('add') - adds, await counter('expire') - expiries]).toEqual([1, 1]);
  });
});

describe('matching', () => {
  const db = { team: 'db', severity: 'high' };

  it('answers from a cache at most refreshMs old: one search, shared by concurrent callers; another process\'s silence is seen after the refresh', async () => {
    const worker = await store(1500);
    const searches = countSearches(os);
    const other = new SilenceStore(os, index); // another process: alertctl, the intake
    const answers = await Promise.all(Array.from({ length: 10 }, () => worker.matching(db)));
    expect(answers).toEqual(Array(10).fill(undefined));
    expect(searches.count()).toBe(1);
    const added = await other.add(silence());
    expect(await worker.matching(db)).toBeUndefined(); // the cache has not seen it yet
    expect(searches.count()).toBe(1);
    await sleep(1600);
    expect(await worker.matching(db)).toEqual(added);
    expect(searches.count()).toBe(2);
    expect(await worker.matching({ team: 'web' })).toBeUndefined();
    expect(searches.count()).toBe(2);
  });

  it('matchingNow reads the index: it sees a silence added or expired elsewhere at once', async () => {
    const worker = await store(60_000);
    const other = new SilenceStore(os, index);
    expect(await worker.matching(db)).toBeUndefined();
    const added = await other.add(silence());
    expect(await worker.matchingNow(db)).toEqual(added);
    await other.expire(added.id, 'carol');
    expect(await worker.matching(db)).toEqual(added); // the cache filled by matchingNow, still within refreshMs
    expect(await worker.matchingNow(db)).toBeUndefined();
    expect(await worker.matching(db)).toBeUndefined(); // and matchingNow refreshed the cache
  });

  it('a change made by the same store is seen by its next lookup (no refreshMs wait)', async () => {
    const s = await store(60_000);
    expect(await s.matching(db)).toBeUndefined();
    const added = await s.add(silence());
    expect(await s.matching(db)).toEqual(added);
    await s.expire(added.id, 'carol');
    expect(await s.matching(db)).toBeUndefined();
  });

  it('of several matching silences, the one ending last; all matchers must match', async () => {
    const s = await store();
    const now = Date.now();
    await s.add(silence({ endsAt: iso(now + HOUR) }));
    const longest = await s.add(silence({ matchers: [parseMatcher('severity=~"high|critical"')], endsAt: iso(now + 3 * HOUR) }));
    await s.add(silence({ endsAt: iso(now + 2 * HOUR) }));
    await s.add(silence({ matchers: [parseMatcher('team="db"'), parseMatcher('severity="low"')], endsAt: iso(now + 4 * HOUR) }));
    expect((await s.matching(db))?.id).toBe(longest.id);
    expect((await s.matchingNow(db))?.id).toBe(longest.id);
  });

  it('a pending silence does not match until its start; then it does, from the same cache', async () => {
    const s = await store(60_000);
    const searches = countSearches(os);
    const startsAt = Date.now() + 1500;
    const pending = await s.add(silence({ startsAt: iso(startsAt) }));
    expect(await s.matching(db)).toBeUndefined();
    expect(await s.matchingNow(db)).toBeUndefined();
    const n = searches.count();
    expect(await s.matching(db, startsAt)).toEqual(pending);
    expect(await s.matching(db, Date.parse(pending.endsAt))).toBeUndefined(); // over at its end
    expect(searches.count()).toBe(n);
    await sleep(startsAt - Date.now() + 50);
    expect(await s.matching(db)).toEqual(pending);
    expect(await s.matchingNow(db)).toEqual(pending);
  });
});

describe('ensureIndex', () => {
  it('creates the index with the strict mapping (an unknown field is refused); a second call passes', async () => {
    const s = await store();
    await s.ensureIndex(SETTINGS);
    const mapping = (await os.indices.getMapping({ index })).body[index].mappings;
    expect(mapping.dynamic).toBe('strict');
    expect(Object.keys(mapping.properties ?? {}).sort()).toEqual(Object.keys(SILENCE_MAPPING.properties).sort());
    await expect(os.index({ index, body: { id: 'x', surprise: 1 }, refresh: true })).rejects.toThrow(/strict_dynamic_mapping_exception/);
  });

  it('an existing index mapped otherwise is refused, naming the index and each field', async () => {
    const { comment, matchers: _m, ...rest } = SILENCE_MAPPING.properties;
    await os.indices.create({
      index,
      body: { mappings: { dynamic: 'strict', properties: { ...rest, comment: { ...comment, type: 'keyword' } as never, matchers: { type: 'keyword' } } } },
    });
    const e = await new SilenceStore(os, index).ensureIndex(SETTINGS).then(() => undefined, (err: unknown) => err);
    expect(e).toBeInstanceOf(MappingMismatchError);
    expect((e as MappingMismatchError).mismatches).toEqual([
      { field: 'matchers', found: 'keyword', expected: 'object' },
      { field: 'comment', found: 'keyword', expected: 'text' },
    ]);
    expect((e as Error).message).toContain(`silence index "${index}"`);
    expect((e as Error).message).toMatch(/field "comment": found keyword, expected text/);
  });

  it('a missing field, a sub-field of the matchers mapped otherwise, and dynamic mapping on are refused', async () => {
    const { expiredBy: _e, matchers: _m, ...rest } = SILENCE_MAPPING.properties;
    await os.indices.create({ index, body: { mappings: { properties: { ...rest, matchers: { properties: { name: { type: 'keyword' }, op: { type: 'keyword' }, value: { type: 'text' } } } } } } });
    const e = await new SilenceStore(os, index).ensureIndex(SETTINGS).then(() => undefined, (err: unknown) => err);
    expect((e as MappingMismatchError).mismatches).toEqual([
      { field: 'matchers.value', found: 'text', expected: 'keyword' },
      { field: 'expiredBy', found: 'missing', expected: 'keyword' },
      { field: '(dynamic)', found: 'true', expected: 'strict' },
    ]);
  });
});
