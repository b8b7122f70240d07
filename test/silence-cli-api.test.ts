// Silences from the outside, against the real stack: `alertctl silence add/list/expire` in-process
// (test/helpers/alertctl.ts; --json, exit codes 0/1/2), the intake's /api/v1/silences in process (buildIntakeServer:
// bearer auth, 201/400/404/503) and as the real process (its OpenSearch and Temporal wiring), and wakeSilenced
// signalling real running workflows found by their alert documents (status `silenced`, suppressedBy). Those workflows
// are of a type no worker runs, on a task queue no worker polls: only their document and the signal in their history
// matter. Needs `npm run build` (dist/src/intake.js).
import { Client as OpenSearchClient } from '@opensearch-project/opensearch';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type Redis from 'ioredis';
import { DEFAULT_ALERTMANAGER_MAPPING } from '../src/intake/alertmanager';
import { buildIntakeServer, type IntakeApp } from '../src/intake/server';
import { ensureOnce, type SilenceApi } from '../src/intake/silences';
import { createLogger } from '../src/logger';
import { AlertStore } from '../src/store';
import { HeldDeliveries } from '../src/storm/held';
import { SilenceStore } from '../src/storm/silences';
import { wakeInhibited, wakeSilenced } from '../src/storm/wake';
import { runAlertctl, type AlertctlResult } from './helpers/alertctl';
import { TEST_INTAKE_TOKEN, startIntake, type IntakeProcess } from './helpers/intake';
import { OPENSEARCH_URL, cleanup, devServerEnv, opensearch, redis, uid } from './helpers/stack';

jest.setTimeout(90_000);

const index = uid('silence-cli');
const silenceIndex = SilenceStore.indexFor(index);
const taskQueue = uid('silenced-no-worker');
const SETTINGS = { shards: 1, replicas: 0 };
const HOUR = 3_600_000;
const silent = createLogger('silence-test', 'silent');

let env: TestWorkflowEnvironment;
let os: OpenSearchClient;
let r: Redis;
let store: SilenceStore;
let lister: HeldDeliveries;
const started: string[] = [];
const streams: string[] = [];

beforeAll(async () => {
  env = await devServerEnv();
  os = opensearch();
  r = redis();
  store = new SilenceStore(os, silenceIndex);
  await new AlertStore(os, index).ensureIndex();
  lister = new HeldDeliveries(os, index);
});
afterAll(async () => {
  for (const id of started) await env.client.workflow.getHandle(id).terminate('test clean-up').catch(() => undefined);
  await cleanup(r, os, streams, [index]);
  r.disconnect();
  await os.close();
  await env.teardown();
});

// ---- helpers ----
function alertctl(args: string[], extra: Record<string, string> = {}): Promise<AlertctlResult> {
  return runAlertctl(['silence', ...args], { OPENSEARCH_URL, ALERT_INDEX: index, ...extra });
}

/**
 * Starts a workflow held back by silence `silenceId` and writes its document as a silenced delivery's record does
 * (no refresh: a wake right after must still find it). `status`: what the document says (a delivered one is not held).
 */
async function silencedWorkflow(silenceId: string, alertIndex = index, status = 'silenced'): Promise<string> {
  const workflowId = uid('silenced');
  await env.client.workflow.start('silencedStandIn', { taskQueue, workflowId });
  started.push(workflowId);
  const now = new Date().toISOString();
  await os.index({
    index: alertIndex, id: workflowId,
    body: { workflowId, streamId: '1-0', receivedAt: now, delivered: status === 'delivered', deliveryStatus: status, suppressedBy: `silence:${silenceId}`, updatedAt: now },
  });
  return workflowId;
}
/** The `silenceEnded` signals in a workflow's history, as their inputs. */
async function silenceSignals(workflowId: string): Promise<unknown[]> {
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'silenceEnded')
    .map((e) => JSON.parse(Buffer.from(e.workflowExecutionSignaledEventAttributes!.input!.payloads![0].data!).toString()));
}

// ---------------------------------------------------------------------------------------------------------
describe('wakeSilenced', () => {
  it('signals silenceEnded, once, to each running delivery whose document says that silence holds it back', async () => {
    const [a, b] = [uid('s'), uid('s')];
    const held = [await silencedWorkflow(a), await silencedWorkflow(a)];
    const other = await silencedWorkflow(b);
    const notHeldAnyMore = await silencedWorkflow(a, index, 'delivered');
    expect(await wakeSilenced(env.client, lister, a)).toBe(2);
    for (const id of held) expect(await silenceSignals(id)).toEqual([{ silenceId: a }]);
    expect(await silenceSignals(other)).toEqual([]);
    expect(await silenceSignals(notHeldAnyMore)).toEqual([]);
  });

  it('finds a delivery whose record was written a moment before the wake (the listing refreshes the index first)', async () => {
    // Without the refresh, a document written within the index's refresh interval (1 s) is not yet searchable.
    const id = uid('s');
    const late = await silencedWorkflow(id);
    expect(await wakeSilenced(env.client, lister, id)).toBe(1);
    expect(await silenceSignals(late)).toEqual([{ silenceId: id }]);
  });

  it('lists past one page of documents (search_after)', async () => {
    const id = uid('s');
    const ids = await Promise.all(Array.from({ length: 3 }, () => silencedWorkflow(id)));
    const small = new HeldDeliveries(os, index, 2);
    expect((await small.list(`silence:${id}`)).sort()).toEqual([...ids].sort());
  });

  it('a closed workflow is not signalled (its document may still say silenced); an empty ID is refused', async () => {
    const id = uid('s');
    const closed = await silencedWorkflow(id);
    await env.client.workflow.getHandle(closed).terminate('closed before the wake');
    expect(await wakeSilenced(env.client, lister, id)).toBe(0);
    await expect(wakeSilenced(env.client, lister, '')).rejects.toThrow(/not a silence ID/);
    await expect(wakeInhibited(env.client, lister, '')).rejects.toThrow(/not an alert ID/);
  });
});

// ---------------------------------------------------------------------------------------------------------
describe('alertctl silence', () => {
  it('add (active and pending), list, expire (waking its delivery), list --expired / --all, as JSON', async () => {
    const add = await alertctl(['add', '--match', 'team=~"db.*"', '--match', 'severity=high', '--for', '2h', '--comment', 'failover drill', '--by', 'alice', '--json']);
    expect(add.stderr).toBe('');
    expect(add.code).toBe(0);
    const s = add.json().silence;
    expect(s).toMatchObject({ matchers: [{ name: 'team', op: '=~', value: 'db.*' }, { name: 'severity', op: '=', value: 'high' }], createdBy: 'alice', comment: 'failover drill', state: 'active' });
    expect(Date.parse(s.endsAt) - Date.parse(s.startsAt)).toBeGreaterThan(2 * HOUR - 5_000);
    expect(await store.get(s.id)).toMatchObject({ id: s.id, endsAt: s.endsAt });

    const starts = new Date(Date.now() + HOUR).toISOString();
    const until = new Date(Date.now() + 3 * HOUR).toISOString();
    const later = (await alertctl(['add', '--match', 'alertname="DiskFull"', '--starts', starts, '--until', until, '--comment', 'maintenance', '--by', 'bob', '--json'])).json().silence;
    expect(later).toMatchObject({ state: 'pending', startsAt: starts, endsAt: until });

    const list = await alertctl(['list', '--json']);
    expect(list.code).toBe(0);
    expect(list.json()).toMatchObject({ count: 2, silences: [{ id: s.id, state: 'active' }, { id: later.id, state: 'pending' }] });
    const text = (await alertctl(['list'])).stdout;
    expect(text).toMatch(new RegExp(`^ID +STATE +MATCHERS +ENDS +BY +COMMENT`));
    expect(text).toContain(`${s.id}  active   team=~"db.*" severity="high"  ${s.endsAt}  alice  failover drill`);
    expect(text).toContain('# 2 silence(s)');

    const delivery = await silencedWorkflow(s.id);
    const expire = await alertctl(['expire', s.id, '--by', 'carol', '--json']);
    expect(expire.code).toBe(0);
    expect(expire.json()).toMatchObject({ silence: { id: s.id, state: 'expired', expiredBy: 'carol' }, alreadyEnded: false, woken: 1 });
    expect(await silenceSignals(delivery)).toEqual([{ silenceId: s.id }]);
    expect((await alertctl(['list', '--json'])).json().silences.map((x: { id: string }) => x.id)).toEqual([later.id]);
    expect((await alertctl(['list', '--expired', '--json'])).json()).toMatchObject({ count: 1, silences: [{ id: s.id, expiredBy: 'carol' }] });
    expect((await alertctl(['list', '--all', '--json'])).json().count).toBe(2);

    const again = await alertctl(['expire', later.id]); // --by: the user name
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`^silence ${later.id} expired by tester; 0 silenced deliveries woken`));
    const twice = await alertctl(['expire', later.id, '--json']);
    expect(twice.json()).toMatchObject({ alreadyEnded: true, silence: { expiredBy: 'tester' } });
  });

  it.each([
    [['add', '--match', 'team=~"db("', '--for', '1h', '--comment', 'c', '--by', 'b'], /--match team=~"db\(": bad regex/],
    [['add', '--match', 'team db', '--for', '1h', '--comment', 'c', '--by', 'b'], /--match team db: expected name="value"/],
    [['add', '--for', '1h', '--comment', 'c', '--by', 'b'], /--match is required/],
    [['add', '--match', 'a=b', '--comment', 'c', '--by', 'b'], /--for DURATION or --until TIME is required/],
    [['add', '--match', 'a=b', '--for', '1h', '--until', '2030-01-01T00:00:00Z', '--comment', 'c', '--by', 'b'], /exclude each other/],
    [['add', '--match', 'a=b', '--for', 'soon', '--comment', 'c', '--by', 'b'], /--for soon: expected a duration/],
    [['add', '--match', 'a=b', '--for', '1h', '--by', 'b'], /--comment TEXT is required/],
    [['add', '--match', 'a=b', '--for', '1h', '--comment', 'c'], /--by NAME is required/],
    [['add', '--match', 'a=b', '--until', '2001-01-01T00:00:00Z', '--comment', 'c', '--by', 'b'], /endsAt: .* is not in the future/],
    [['add', '--match', 'a=~".*"', '--for', '1h', '--comment', 'c', '--by', 'b'], /must not match the empty string/],
    [['add', '--match', 'a=b', '--for', '400d', '--comment', 'c', '--by', 'b'], /at most a year/],
    [[], /a subcommand is needed: add, list, expire/],
    [['mute'], /unknown subcommand "mute"/],
    [['list', '--for', '2h'], /--for is not an option of silence list/],
    [['list', 'extra'], /unexpected argument "extra"/],
    [['expire'], /needs the silence ID/],
    [['expire', 'a', 'b'], /unexpected argument "b"/],
  ])('usage error, exit 2, nothing stored: %j', async (args, why) => {
    const before = (await store.list({ state: 'all' })).length;
    const res = await alertctl([...args, '--json']);
    expect(res.code).toBe(2);
    expect(JSON.parse(res.stderr)).toMatchObject({ code: 2, error: expect.stringMatching(why) });
    expect(res.stdout).toBe('');
    expect((await store.list({ state: 'all' })).length).toBe(before);
  });

  it('an unknown ID is exit 1 (not found); OpenSearch unreachable is exit 1 naming it', async () => {
    const unknown = await alertctl(['expire', 'no-such-silence', '--json']);
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.stderr)).toMatchObject({ code: 1, error: expect.stringMatching(/not found: no silence no-such-silence/) });
    const down = await alertctl(['list'], { OPENSEARCH_URL: 'http://127.0.0.1:1' });
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/alertctl silence: silences in ".*\.silences" at http:\/\/127\.0\.0\.1:1 .*(ECONNREFUSED|connect)/i);
    expect(down.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace
  });
});

// ---------------------------------------------------------------------------------------------------------
describe('intake /api/v1/silences (in process)', () => {
  const TOKEN = 'silence-api-token-0123456789abcdef';
  const apps: IntakeApp[] = [];
  const wakes: string[] = [];
  let wakeResult: () => Promise<number> = () => Promise.resolve(3);
  const written: string[][] = [];

  function intake(silences: SilenceApi): IntakeApp {
    const app = buildIntakeServer({
      cfg: { auth: 'bearer', tokens: [TOKEN], bodyLimit: 64 * 1024, maxAlerts: 10, alertmanager: DEFAULT_ALERTMANAGER_MAPPING },
      log: silent,
      writer: { stream: 'silence-test', add: (entries) => (written.push(entries), Promise.resolve(entries.map((_, i) => `1-${i}`))) },
      limits: { maxEventBytes: 4096, channels: new Set() },
      silences,
      ready: () => true,
    });
    apps.push(app);
    return app;
  }
  const api = (s: SilenceStore): SilenceApi => ({
    store: s, ensureIndex: ensureOnce(() => s.ensureIndex(SETTINGS)), where: 'the test cluster',
    wake: (id) => (wakes.push(id), wakeResult()),
  });
  let app: IntakeApp;
  let base: string;
  const call = async (method: string, url: string, body?: unknown, token: string | null = TOKEN) => {
    const res = await fetch(`${base}${url}`, {
      method, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(20_000),
    });
    return { status: res.status, headers: res.headers, json: (await res.json()) as any };
  };

  const apiIndex = SilenceStore.indexFor(uid('silence-api'));

  beforeAll(async () => {
    app = intake(api(new SilenceStore(os, apiIndex)));
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    for (const a of apps) await a.close();
    await os.indices.delete({ index: apiIndex }).catch(() => undefined);
  });

  it('refuses every route without the bearer token (401), and creates nothing', async () => {
    for (const [method, url] of [['GET', '/api/v1/silences'], ['POST', '/api/v1/silences'], ['GET', '/api/v1/silences/x'], ['DELETE', '/api/v1/silences/x']]) {
      const res = await call(method, url, method === 'POST' ? { matchers: ['a="b"'], duration: '1h', createdBy: 'x', comment: 'y' } : undefined, null);
      expect([method, url, res.status]).toEqual([method, url, 401]);
      expect((await call(method, url, undefined, 'wrong-token-0123456789abcdef')).status).toBe(401);
    }
    expect((await call('GET', '/api/v1/silences?state=all')).json.count).toBe(0);
  });

  it('POST (text and object matchers, duration or endsAt) → 201; GET one and the list; DELETE expires and wakes', async () => {
    const created = await call('POST', '/api/v1/silences', { matchers: ['team=~"db.*"', { name: 'severity', op: '!=', value: 'info' }], duration: '2h', createdBy: 'alice', comment: 'drill' });
    expect(created.status).toBe(201);
    const s = created.json;
    expect(s).toMatchObject({ matchers: [{ name: 'team', op: '=~', value: 'db.*' }, { name: 'severity', op: '!=', value: 'info' }], createdBy: 'alice', comment: 'drill', state: 'active' });
    expect(Date.parse(s.endsAt) - Date.parse(s.startsAt)).toBeGreaterThan(2 * HOUR - 5_000);
    expect(created.headers.get('location')).toBe(`/api/v1/silences/${s.id}`);
    const endsAt = new Date(Date.now() + 5 * HOUR).toISOString();
    const second = (await call('POST', '/api/v1/silences', { matchers: ['alertname=DiskFull'], startsAt: new Date(Date.now() + HOUR).toISOString(), endsAt, createdBy: 'bob', comment: 'later' })).json;
    expect(second).toMatchObject({ endsAt, state: 'pending' });

    expect((await call('GET', `/api/v1/silences/${s.id}`)).json).toEqual(s);
    expect((await call('GET', '/api/v1/silences')).json).toMatchObject({ count: 2, silences: [{ id: s.id }, { id: second.id }] });
    expect((await call('GET', '/api/v1/silences?state=pending')).json).toMatchObject({ count: 1, silences: [{ id: second.id }] });
    expect((await call('GET', '/api/v1/silences?state=soon')).status).toBe(400);

    const del = await call('DELETE', `/api/v1/silences/${s.id}?by=carol`);
    expect(del.status).toBe(200);
    expect(del.json).toMatchObject({ silence: { id: s.id, state: 'expired', expiredBy: 'carol' }, alreadyEnded: false, woken: 3 });
    expect(wakes).toEqual([s.id]);
    expect((await call('GET', '/api/v1/silences?state=expired')).json).toMatchObject({ count: 1, silences: [{ id: s.id }] });

    // `by` in the body; a wake that fails still answers 200 (the silence is over), saying so.
    wakeResult = () => Promise.reject(new Error('Temporal unreachable'));
    const body = await call('DELETE', `/api/v1/silences/${second.id}`, { by: 'dave' });
    expect(body.status).toBe(200);
    expect(body.json).toMatchObject({ silence: { expiredBy: 'dave' }, woken: null, wakeError: expect.stringMatching(/not woken.*Temporal unreachable/) });
    expect((await call('DELETE', '/api/v1/silences/no-such-id')).status).toBe(404);
    expect((await call('GET', '/api/v1/silences/no-such-id')).status).toBe(404);
  });

  it('POST with problems → 400 naming every one; nothing is created', async () => {
    const before = (await call('GET', '/api/v1/silences?state=all')).json.count;
    const res = await call('POST', '/api/v1/silences', { matchers: ['team=~"db("', 'ok="x"'], createdBy: '', startsAt: 'soon' });
    expect(res.status).toBe(400);
    expect(res.json.problems).toEqual([
      expect.stringMatching(/^matchers\[0\]: bad regex/),
      expect.stringMatching(/^endsAt or duration: required/),
      expect.stringMatching(/^startsAt: expected an ISO 8601 time/),
      expect.stringMatching(/^createdBy: required/),
      expect.stringMatching(/^comment: required/),
    ]);
    const stored = await call('POST', '/api/v1/silences', { matchers: [{ name: 'x', op: '=~', value: '.*' }], endsAt: '2001-01-01T00:00:00Z', createdBy: 'a', comment: 'b' });
    expect(stored.status).toBe(400);
    expect(stored.json.problems).toEqual([expect.stringMatching(/must not match the empty string/), expect.stringMatching(/^endsAt: .* is not in the future/)]);
    expect((await call('POST', '/api/v1/silences', [1])).status).toBe(400);
    expect((await call('POST', '/api/v1/silences', { matchers: ['a=b'], duration: '1h', endsAt: '2030-01-01T00:00:00Z', createdBy: 'a', comment: 'b' })).json.problems).toEqual(['endsAt and duration exclude each other']);
    expect((await call('GET', '/api/v1/silences?state=all')).json.count).toBe(before);
  });

  it('OpenSearch unreachable: the silence routes answer 503 with the reason; alerts are still accepted', async () => {
    const down = new OpenSearchClient({ node: 'http://127.0.0.1:1', maxRetries: 0, requestTimeout: 2_000 });
    const broken = intake(api(new SilenceStore(down, 'unreachable.silences')));
    const url = await broken.listen({ host: '127.0.0.1', port: 0 });
    const res = await fetch(`${url}/api/v1/silences`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: string }).error).toMatch(/^silences are unavailable: OpenSearch at the test cluster, index "unreachable.silences": .*ECONNREFUSED/);
    const alert = { alertId: 'a-1', ruleId: 'r', ruleName: 'R', severity: 'high', title: 't', view: 'v', scope: 's', firedAt: '2030-01-01T00:00:00Z' };
    const accepted = await fetch(`${url}/api/v1/alerts`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(alert) });
    expect(accepted.status).toBe(202);
    await down.close();
  });
});

// ---------------------------------------------------------------------------------------------------------
describe('intake process (dist/src/intake.js)', () => {
  let intake: IntakeProcess | undefined;
  afterAll(async () => {
    await intake?.kill('SIGTERM');
  });

  it('serves the silence API from ALERT_INDEX.silences and wakes deliveries through Temporal', async () => {
    const ownIndex = uid('silence-intake');
    const stream = uid('silence-intake');
    streams.push(stream);
    intake = await startIntake({ stream, extra: { OPENSEARCH_URL, ALERT_INDEX: ownIndex } });
    const auth = { authorization: `Bearer ${TEST_INTAKE_TOKEN}` };
    const created = await intake.post('/api/v1/silences', { matchers: ['team="db"'], duration: '1h', createdBy: 'alice', comment: 'via the intake' });
    expect(created.status).toBe(201);
    const ownStore = new SilenceStore(os, SilenceStore.indexFor(ownIndex));
    expect(await ownStore.get(created.json.id)).toMatchObject({ comment: 'via the intake' });
    await new AlertStore(os, ownIndex).ensureIndex();
    const delivery = await silencedWorkflow(created.json.id, ownIndex);
    const del = await fetch(`${intake.url}/api/v1/silences/${created.json.id}?by=carol`, { method: 'DELETE', headers: auth });
    expect(del.status).toBe(200);
    expect(await del.json()).toMatchObject({ woken: 1, silence: { state: 'expired', expiredBy: 'carol' } });
    expect(await silenceSignals(delivery)).toEqual([{ silenceId: created.json.id }]);
    expect((await fetch(`${intake.url}/api/v1/silences`)).status).toBe(401);
    await os.indices.delete({ index: [SilenceStore.indexFor(ownIndex), ownIndex] }).catch(() => undefined);
  });
});
