// The intake's on-call routes in process (buildIntakeServer, fastify inject) over the fixture's on-call file and a
// real OverrideStore on the stack's OpenSearch: bearer auth, who (hand-computed answers, across the Berlin DST
// change), shifts, overrides (every problem named, kept when removed), the calendar feeds' tokens (read back by
// ical.js, a parser independent of the writer), and no contact address in any answer.
import type { Client } from '@opensearch-project/opensearch';
import ICAL from 'ical.js';
import { DEFAULT_ALERTMANAGER_MAPPING } from '../../src/intake/alertmanager';
import type { OnCallApi } from '../../src/intake/oncall-api';
import { buildIntakeServer, type IntakeApp } from '../../src/intake/server';
import { ensureOnce } from '../../src/intake/silences';
import { createLogger } from '../../src/logger';
import type { OnCallDirectory } from '../../src/oncall/directory';
import { feedPath, feedToken } from '../../src/oncall/ical-tokens';
import { OverrideStore } from '../../src/oncall/overrides';
import { opensearch, uid } from '../helpers/stack';
import { ADDRESS_MARKER, openDirectory } from './fixture';

jest.setTimeout(60_000);

const TOKEN = 'oncall-api-token-0123456789abcdef';
const SECRET = Buffer.from('oncall-ical-secret-0123456789abcdef0123456789');
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();
const silent = createLogger('oncall-routes-test', 'silent');

let os: Client;
let directory: OnCallDirectory;
let store: OverrideStore;
const apps: IntakeApp[] = [];
/** Every body answered, to check that none holds a contact address. */
const bodies: string[] = [];

function intake(oncall: OnCallApi | undefined): IntakeApp {
  const app = buildIntakeServer({
    cfg: { auth: 'bearer', tokens: [TOKEN], bodyLimit: 64 * 1024, maxAlerts: 10, alertmanager: DEFAULT_ALERTMANAGER_MAPPING },
    log: silent,
    writer: { stream: 'oncall-test', add: (entries) => Promise.resolve(entries.map((_, i) => `1-${i}`)) },
    limits: { maxEventBytes: 4096, channels: new Set() },
    ...(oncall ? { oncall } : {}),
    ready: () => true,
  });
  apps.push(app);
  return app;
}
const api = (s: OverrideStore, icalSecret: Buffer | null = SECRET): OnCallApi => ({
  directory, overrides: s, ensureIndex: ensureOnce(() => s.ensureIndex({ shards: 1, replicas: 0 })), where: 'the test cluster', ...(icalSecret ? { icalSecret } : {}),
});

let app: IntakeApp;
/** Each app listens on a free port of its own (fastify's inject cannot load under jest: an ES module it needs). */
const listening = new Map<IntakeApp, Promise<string>>();
async function call(method: 'GET' | 'POST' | 'DELETE', url: string, body?: unknown, token: string | null = TOKEN, on = app) {
  if (!listening.has(on)) listening.set(on, on.listen({ host: '127.0.0.1', port: 0 }));
  const base = await listening.get(on)!;
  const res = await fetch(`${base}${url}`, {
    method, signal: AbortSignal.timeout(20_000),
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  bodies.push(text);
  const headers = Object.fromEntries(res.headers.entries());
  return { status: res.status, headers, body: text, json: (headers['content-type'] ?? '').startsWith('application/json') ? JSON.parse(text) : undefined };
}

beforeAll(() => {
  os = opensearch();
  directory = openDirectory();
  store = new OverrideStore(os, OverrideStore.indexFor(uid('oncall-routes')), directory);
  app = intake(api(store));
});
afterAll(async () => {
  for (const a of apps) await a.close();
  await os.indices.delete({ index: store.index }).catch(() => undefined);
  await os.close();
});

describe('auth', () => {
  it('refuses every /api/oncall route without the bearer token, or with a wrong one (401)', async () => {
    const routes: ['GET' | 'POST' | 'DELETE', string][] = [['GET', '/api/oncall/who'], ['GET', '/api/oncall/overrides'], ['POST', '/api/oncall/overrides'], ['GET', '/api/oncall/overrides/x'],
      ['DELETE', '/api/oncall/overrides/x'], ['GET', '/api/oncall/schedules/primary/shifts']];
    for (const [method, url] of routes) {
      expect([method, url, (await call(method, url, method === 'POST' ? { schedule: 'primary' } : undefined, null)).status]).toEqual([method, url, 401]);
      expect([method, url, (await call(method, url, undefined, 'wrong-token-0123456789abcdef')).status]).toEqual([method, url, 401]);
    }
    expect((await call('GET', '/api/oncall/overrides?from=1970-01-01T00:00:00Z&removed=true')).json).toEqual({ count: 0, overrides: [] });
  });

  it('without an on-call file the API says so (404), still behind the token; the feeds are not served', async () => {
    const off = intake(undefined);
    expect(await call('GET', '/api/oncall/who', undefined, TOKEN, off)).toMatchObject({ status: 404, json: { error: 'on call is off: the intake has no on-call file (ONCALL_FILE)' } });
    expect((await call('GET', '/api/oncall/who', undefined, null, off)).status).toBe(401);
    const path = feedPath({ schedule: 'primary' });
    expect(await call('GET', `${path}?token=${feedToken(SECRET, path)}`, undefined, null, off)).toMatchObject({ status: 404, json: { error: 'not found' } });
  });
});

describe('GET /api/oncall/who', () => {
  it('answers from the rotation, hand-computed: weekly hand-off Monday 09:00 Berlin, before and after the DST change', async () => {
    const alice = { id: 'alice', name: 'Alice Example' };
    const bob = { id: 'bob', name: 'Bob Builder' };
    const primary = { id: 'primary', name: 'Primary' };
    const who = async (at: string) => (await call('GET', `/api/oncall/who?schedule=primary&at=${encodeURIComponent(at)}`)).json;
    expect(await who('2026-01-06T12:00:00Z')).toEqual({ at: '2026-01-06T12:00:00.000Z', schedule: primary, people: [alice], source: { layer: 0 }, until: '2026-01-12T08:00:00.000Z' });
    expect(await who('2026-01-12T09:00:00+01:00')).toMatchObject({ at: '2026-01-12T08:00:00.000Z', people: [bob], until: '2026-01-19T08:00:00.000Z' });
    // Week 12 begins Monday 30 March, the day after the clocks went forward: 09:00 CEST is 07:00Z.
    expect(await who('2026-03-30T06:59:59Z')).toMatchObject({ people: [bob], until: '2026-03-30T07:00:00.000Z' });
    expect(await who('2026-03-30T07:00:00Z')).toMatchObject({ people: [alice], until: '2026-04-06T07:00:00.000Z' });
  });

  it('every schedule without ?schedule=, in the file\'s order; nobody outside a restriction; `at` defaults to now', async () => {
    const res = (await call('GET', '/api/oncall/who?at=2026-01-10T12:00:00Z')).json; // a Saturday
    expect(res.at).toBe('2026-01-10T12:00:00.000Z');
    expect(res.schedules.map((s: { schedule: { id: string } }) => s.schedule.id)).toEqual(['primary', 'secondary', 'daytime']);
    expect(res.schedules[2]).toMatchObject({ schedule: { id: 'daytime', name: 'daytime' }, people: [], source: null });
    // Secondary: daily from 2026-01-01 00:00 New York (05:00Z): carol, bob, carol … → 10 January (day 9) is bob's.
    expect(res.schedules[1]).toMatchObject({ people: [{ id: 'bob', name: 'Bob Builder' }], until: '2026-01-11T05:00:00.000Z' });
    const before = Date.now();
    const now = (await call('GET', '/api/oncall/who?schedule=secondary')).json;
    expect(Date.parse(now.at)).toBeGreaterThanOrEqual(before - 1);
    expect(Date.parse(now.at)).toBeLessThanOrEqual(Date.now());
  });

  it('an unknown schedule is 404 naming the known ones; a bad instant is 400', async () => {
    expect(await call('GET', '/api/oncall/who?schedule=tertiary')).toMatchObject({ status: 404, json: { error: 'no schedule "tertiary" in the on-call file (schedules: primary, secondary, daytime)' } });
    expect(await call('GET', '/api/oncall/who?at=yesterday')).toMatchObject({ status: 400, json: { error: expect.stringMatching(/^at=yesterday: expected an ISO 8601 instant with a zone/) } });
    expect((await call('GET', '/api/oncall/who?at=2026-01-10T12:00')).status).toBe(400); // no zone: refused, not guessed
    expect((await call('GET', '/api/oncall/schedules/tertiary/shifts')).status).toBe(404);
  });
});

describe('overrides', () => {
  it('POST → 201 with its ID; who then answers from it, and `until` before it stops at its start; listed; DELETE keeps it as removed', async () => {
    // The span looked at, [start - 1 h, start + 3 h], holds no hand-off of the weekly rotation (Monday 09:00 Berlin):
    // an hour from now, or an hour into the next shift when the current one ends sooner than that span.
    const current = (await call('GET', '/api/oncall/who?schedule=primary')).json;
    const soon = Math.ceil((Date.now() + HOUR) / 1000) * 1000;
    const start = Date.parse(current.until) > soon + 3 * HOUR ? soon : Date.parse(current.until) + HOUR;
    const rota = (await call('GET', `/api/oncall/who?schedule=primary&at=${iso(start)}`)).json.people[0].id;
    const created = await call('POST', '/api/oncall/overrides', { schedule: 'primary', person: 'carol', start: iso(start), end: iso(start + 2 * HOUR), createdBy: 'alice', reason: 'swap for the dentist' });
    expect(created.status).toBe(201);
    const o = created.json.override;
    expect(o).toEqual({ id: expect.any(String), schedule: 'primary', person: 'carol', start: iso(start), end: iso(start + 2 * HOUR), createdAt: expect.any(String), createdBy: 'alice', reason: 'swap for the dentist', removedAt: null, removedBy: null, state: 'upcoming' });
    expect(created.headers.location).toBe(`/api/oncall/overrides/${o.id}`);

    const during = (await call('GET', `/api/oncall/who?schedule=primary&at=${iso(start + HOUR)}`)).json;
    expect(during).toMatchObject({ people: [{ id: 'carol', name: 'Carol Cover' }], until: iso(start + 2 * HOUR), source: { override: { id: o.id, createdBy: 'alice', reason: 'swap for the dentist', start: iso(start), end: iso(start + 2 * HOUR) } } });
    const now = (await call('GET', '/api/oncall/who?schedule=primary')).json;
    expect(now.source).toEqual({ layer: 0 });
    expect(Date.parse(now.until)).toBeLessThanOrEqual(start);
    const shifts = (await call('GET', `/api/oncall/schedules/primary/shifts?from=${iso(start - HOUR)}&to=${iso(start + 3 * HOUR)}`)).json.shifts;
    expect(shifts.map((s: { person: { id: string }; start: string; end: string; source: unknown }) => [s.person.id, s.start, s.end, s.source])).toEqual(
      [[rota, iso(start - HOUR), iso(start), { layer: 0 }], ['carol', iso(start), iso(start + 2 * HOUR), { override: o.id }], [rota, iso(start + 2 * HOUR), iso(start + 3 * HOUR), { layer: 0 }]]);

    expect((await call('GET', '/api/oncall/overrides?schedule=primary')).json).toEqual({ count: 1, overrides: [o] });
    expect((await call('GET', '/api/oncall/overrides?schedule=secondary')).json.count).toBe(0);
    expect((await call('GET', `/api/oncall/overrides/${o.id}`)).json).toEqual({ override: o });

    const removed = await call('DELETE', `/api/oncall/overrides/${o.id}?by=bob`);
    expect(removed).toMatchObject({ status: 200, json: { removed: true, override: { id: o.id, state: 'removed', removedBy: 'bob' } } });
    expect((await call('DELETE', `/api/oncall/overrides/${o.id}`, { by: 'carol' })).json).toMatchObject({ removed: false, override: { removedBy: 'bob' } });
    expect((await call('GET', `/api/oncall/who?schedule=primary&at=${iso(start + HOUR)}`)).json.source).toEqual({ layer: 0 });
    expect((await call('GET', '/api/oncall/overrides')).json.count).toBe(0);
    expect((await call('GET', '/api/oncall/overrides?removed=true')).json.overrides.map((x: { id: string }) => x.id)).toEqual([o.id]);
    expect(await call('DELETE', '/api/oncall/overrides/no-such-id')).toMatchObject({ status: 404, json: { error: 'no override no-such-id' } });
    expect((await call('GET', '/api/oncall/overrides/no-such-id')).status).toBe(404);
    expect((await call('DELETE', `/api/oncall/overrides/${o.id}?by=%07`)).status).toBe(400);
  });

  it('POST with problems → 400 naming every one; nothing is created', async () => {
    const before = (await call('GET', '/api/oncall/overrides?from=1970-01-01T00:00:00Z&removed=true')).json.count;
    const res = await call('POST', '/api/oncall/overrides', { schedule: 'tertiary', person: 'mallory', start: 'now', end: '2001-01-01T00:00:00Z' });
    expect(res.status).toBe(400);
    expect(res.json).toEqual({
      error: 'invalid override; nothing was created',
      problems: [
        'schedule: no schedule "tertiary" in the on-call file', 'person: no person "mallory" in the on-call file',
        expect.stringMatching(/^start: expected an ISO 8601 instant/), expect.stringMatching(/^end: 2001-01-01T00:00:00.000Z is not in the future/),
        'createdBy: required (who makes the override)',
      ],
    });
    expect((await call('POST', '/api/oncall/overrides', [1])).json.problems).toEqual([expect.stringMatching(/^\(body\): expected a JSON object/)]);
    expect((await call('POST', '/api/oncall/overrides', {})).json.problems).toHaveLength(5);
    expect((await call('GET', '/api/oncall/overrides?from=1970-01-01T00:00:00Z&removed=true')).json.count).toBe(before);
  });

  it('OpenSearch unreachable: the override-reading routes answer 503 with the reason; alerts are still accepted', async () => {
    const { Client: OpenSearchClient } = await import('@opensearch-project/opensearch');
    const down = new OpenSearchClient({ node: 'http://127.0.0.1:1', maxRetries: 0, requestTimeout: 2_000 });
    const broken = intake(api(new OverrideStore(down, 'unreachable.oncall-overrides', directory)));
    const res = await call('GET', '/api/oncall/who?schedule=primary', undefined, TOKEN, broken);
    expect(res.status).toBe(503);
    expect(res.json.error).toMatch(/^on-call overrides are unavailable: OpenSearch at the test cluster, index "unreachable.oncall-overrides": .*ECONNREFUSED/);
    expect((await call('GET', '/api/oncall/overrides', undefined, TOKEN, broken)).status).toBe(503);
    const alert = { alertId: 'a-1', ruleId: 'r', ruleName: 'R', severity: 'high', title: 't', view: 'v', scope: 's', firedAt: '2030-01-01T00:00:00Z' };
    expect((await call('POST', '/api/v1/alerts', alert, TOKEN, broken)).status).toBe(202);
    await down.close();
  });
});

describe('GET /api/oncall/schedules/:id/shifts', () => {
  it('lists the shifts of a span with people as ID and name; 7 days by default; a bad span is 400', async () => {
    const res = (await call('GET', '/api/oncall/schedules/primary/shifts?from=2026-01-05T08:00:00Z&to=2026-01-19T08:00:00Z')).json;
    expect(res).toEqual({
      schedule: { id: 'primary', name: 'Primary' }, from: '2026-01-05T08:00:00.000Z', to: '2026-01-19T08:00:00.000Z',
      shifts: [
        { person: { id: 'alice', name: 'Alice Example' }, start: '2026-01-05T08:00:00.000Z', end: '2026-01-12T08:00:00.000Z', source: { layer: 0 } },
        { person: { id: 'bob', name: 'Bob Builder' }, start: '2026-01-12T08:00:00.000Z', end: '2026-01-19T08:00:00.000Z', source: { layer: 0 } },
      ],
    });
    const week = (await call('GET', '/api/oncall/schedules/secondary/shifts?from=2026-02-01T05:00:00Z')).json;
    expect(week.to).toBe('2026-02-08T05:00:00.000Z');
    expect(week.shifts).toHaveLength(7);
    expect((await call('GET', '/api/oncall/schedules/primary/shifts?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z')).status).toBe(400);
    expect((await call('GET', '/api/oncall/schedules/primary/shifts?from=2026-01-01T00:00:00Z&to=2028-01-01T00:00:00Z')).status).toBe(400);
  });
});

describe('calendar feeds', () => {
  const url = (subject: { schedule: string } | { person: string }, token?: string) => {
    const path = feedPath(subject);
    return `${path}?token=${encodeURIComponent(token ?? feedToken(SECRET, path))}`;
  };
  const events = (text: string) => new ICAL.Component(ICAL.parse(text)).getAllSubcomponents('vevent').map((v) => new ICAL.Event(v));

  it("serve a schedule's shifts with its token and no bearer token, read back by ical.js", async () => {
    const res = await call('GET', url({ schedule: 'primary' }), undefined, null);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/calendar; charset=utf-8');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    const found = events(res.body);
    expect(found.length).toBeGreaterThanOrEqual(10); // weekly shifts over 14 days back and 60 ahead
    expect(new Set(found.map((e) => e.summary))).toEqual(new Set(['Alice Example on call', 'Bob Builder on call']));
    const now = Date.now();
    const current = found.find((e) => e.startDate.toJSDate().getTime() <= now && e.endDate.toJSDate().getTime() > now)!;
    const who = (await call('GET', '/api/oncall/who?schedule=primary')).json;
    expect(current.summary).toBe(`${who.people[0].name} on call`);
    expect(current.endDate.toJSDate().toISOString()).toBe(who.until);
  });

  it("serve a person's shifts across schedules", async () => {
    const res = await call('GET', url({ person: 'bob' }), undefined, null);
    expect(res.status).toBe(200);
    expect(new Set(events(res.body).map((e) => e.summary))).toEqual(new Set(['On call: Primary', 'On call: Secondary']));
  });

  it('refuse a wrong token, another feed\'s token, a missing one (403, before the ID is looked up); an unknown ID with its token is 404', async () => {
    const good = feedToken(SECRET, feedPath({ schedule: 'primary' }));
    const wrong = `${good.slice(0, -2)}${good.endsWith('AA') ? 'BB' : 'AA'}`;
    expect(await call('GET', url({ schedule: 'primary' }, wrong), undefined, null)).toMatchObject({ status: 403, json: { error: 'invalid feed token' } });
    expect((await call('GET', url({ schedule: 'primary' }, feedToken(SECRET, feedPath({ schedule: 'secondary' }))), undefined, null)).status).toBe(403);
    expect((await call('GET', url({ person: 'alice' }, feedToken(SECRET, feedPath({ person: 'bob' }))), undefined, null)).status).toBe(403);
    expect((await call('GET', url({ schedule: 'primary' }, feedToken(Buffer.from('another-secret-0123456789abcdef0123456789'), feedPath({ schedule: 'primary' }))), undefined, null)).status).toBe(403);
    expect(await call('GET', '/oncall/ical/schedules/primary.ics', undefined, null)).toMatchObject({ status: 403, json: { error: expect.stringMatching(/^a feed token is required/) } });
    expect((await call('GET', url({ schedule: 'tertiary' }, 'x'), undefined, null)).status).toBe(403);
    expect(await call('GET', url({ schedule: 'tertiary' }), undefined, null)).toMatchObject({ status: 404, json: { error: 'no schedule "tertiary" in the on-call file' } });
    expect((await call('GET', `/oncall/ical/schedules/primary?token=${good}`, undefined, null)).status).toBe(404);
  });

  it('are off without ONCALL_ICAL_SECRET (404), while the API works', async () => {
    const noFeeds = intake(api(store, null));
    expect((await call('GET', url({ schedule: 'primary' }), undefined, null, noFeeds)).status).toBe(404);
    expect((await call('GET', '/api/oncall/who?schedule=primary', undefined, TOKEN, noFeeds)).status).toBe(200);
  });
});

describe('contacts', () => {
  it('not one answer of this suite (run last) holds a contact address', () => {
    expect(bodies.length).toBeGreaterThan(50);
    expect(bodies.filter((b) => b.includes(ADDRESS_MARKER))).toEqual([]);
  });
});
