// A crash inside a workflow task, at every point, on the real stack (Temporal, OpenSearch, an HTTP receiver), with
// the service's real activities: for each path (escalation, silence, inhibition, parked failure, group, resolve) one
// alert per crash point loses its workflow task right after its n-th local activity did its work (as a kill -9 of
// the worker would), plus one control alert without a crash. The next attempt of the task runs those local
// activities again and finds their earlier effects (the document, the incident claim, the receiver's keys): the
// delivery must carry on from where it was, and each alert reach what it should, exactly as the control does.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client as OpenSearch } from '@opensearch-project/opensearch';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { createActivities } from '../src/activities';
import { loadChannelsFile } from '../src/channels/config';
import { ChannelRegistry } from '../src/channels/registry';
import type { AlertEvent } from '../src/contracts/alert';
import type { DeliveryRequest, DeliveryState } from '../src/contracts/delivery';
import { retryUpdate, statusQuery } from '../src/contracts/messages';
import { SA_RULE_ID, SA_SEVERITY, SA_STATUS } from '../src/contracts/search-attributes';
import { AlertStore } from '../src/store';
import { wakeSilenced } from '../src/storm/wake';
import type { deliverAlert } from '../src/workflows';
import { alertEvent } from './helpers/alerts';
import { CrashPoints } from './helpers/crash-points';
import { TestReceiver } from './helpers/receiver';
import { TEMPORAL_CONNECTION, cleanup, opensearch, terminateOpen, uid } from './helpers/stack';

jest.setTimeout(240_000);

const stream = uid('alerts');
const index = uid('crash-points');
const taskQueue = uid('crash-points');
const LEVEL1_MS = 3_000;
let brokenFixed = false;
const receiver = new TestReceiver((post) => ({ status: post.path === '/broken' && !brokenFixed ? 404 : 200 }));
const crash = new CrashPoints();
let dir: string;
let os_: OpenSearch;
let store: AlertStore;
let connection: Connection;
let native: NativeConnection;
let client: Client;
let worker: Worker;
let running: Promise<void>;

function writeChannels(): string {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crash-points-'));
  const hook = (name: string, urlPath: string, attempts = 5) => [`  ${name}:`, '    type: webhook', `    url: ${receiver.url.replace('/alerts', urlPath)}`, '    timeout: 3s',
    `    retry: { initialInterval: 200ms, maximumInterval: 1s, maximumAttempts: ${attempts} }`];
  const file = path.join(dir, 'channels.yaml');
  fs.writeFileSync(file, [
    'channels:', ...hook('chat', '/chat'), ...hook('pager', '/pager'), ...hook('broken', '/broken', 2),
    'escalations:',
    '  standard:',
    '    levels:',
    '      - { after: 0s, channels: [chat] }',
    `      - { after: ${LEVEL1_MS}ms, channels: [pager] }`,
    'routes:',
    '  - { match: { labels: { path: escalation } }, escalation: standard }',
    '  - { match: { labels: { path: parked } }, channels: [broken] }',
    '  - { name: grouped, match: { labels: { path: grouped } }, channels: [chat], group_by: [cluster], group_wait: 2s, group_interval: 2s }',
    '  - channels: [chat]',
    'inhibit_rules:',
    `  - { source_matchers: ['alertname="ClusterDown"'], target_matchers: ['severity="medium"'], equal: [cluster] }`,
    '',
  ].join('\n'));
  return file;
}

beforeAll(async () => {
  await receiver.start();
  const channels = new ChannelRegistry(loadChannelsFile(writeChannels(), {}), taskQueue);
  os_ = opensearch();
  store = new AlertStore(os_, index, { shards: 1, replicas: 0, inhibitRules: channels.inhibitRules() });
  await store.ensureIndex();
  connection = await Connection.connect(TEMPORAL_CONNECTION);
  client = new Client({ connection });
  native = await NativeConnection.connect(TEMPORAL_CONNECTION);
  const activities = createActivities({
    store, channels, park: { redriveIntervalMs: 0, giveUpAfterMs: 0 }, silences: store.silences,
    groups: { client, taskQueue, memberTimeoutMs: 24 * 3_600_000 },
  });
  const workflowBundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../src/workflows'),
    workflowInterceptorModules: [require.resolve('./workflows/crash-interceptor')],
    logger: new DefaultLogger('ERROR'),
  });
  worker = await Worker.create({ connection: native, taskQueue, workflowBundle, activities: crash.wrap(activities) });
  running = worker.run();
});

afterAll(async () => {
  await terminateOpen(client, taskQueue);
  worker.shutdown();
  await running;
  await native.close();
  await connection.close();
  await cleanup(undefined, os_, [], [index]);
  await os_.close();
  await receiver.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

let seq = 0;
/** Starts a delivery as the ingest does (its workflow ID is the delivery ID); crashes after local activity `crashAfter` (0: never). */
async function deliver(event: AlertEvent, crashAfter = 0, messageId = `${Date.now()}-${seq++}`): Promise<string> {
  const workflowId = `${stream}:${messageId}`;
  if (crashAfter) crash.crashAfter(workflowId, crashAfter);
  const req: DeliveryRequest = { stream, group: 'alert-processor', messageId, deliveryId: workflowId, receivedAt: new Date().toISOString(), event };
  await client.workflow.start<typeof deliverAlert>('deliverAlert', {
    taskQueue, workflowId, args: [req], workflowIdReusePolicy: 'REJECT_DUPLICATE', workflowIdConflictPolicy: 'FAIL',
    typedSearchAttributes: [{ key: SA_STATUS, value: 'pending' }, { key: SA_SEVERITY, value: event.severity }, { key: SA_RULE_ID, value: event.ruleId }],
  });
  return workflowId;
}

/** Each crashed delivery lost its task after the activity its point names (so the points are where the test says). */
function expectCrashedAt(ids: string[], points: string[]): void {
  expect(ids.slice(1).map((id) => crash.crashed.get(id))).toEqual(points);
  expect(crash.crashed.has(ids[0])).toBe(false);
}

const result = (id: string): Promise<DeliveryState> => client.workflow.getHandle<typeof deliverAlert>(id).result();
const postsFor = (urlPath: string, alertId: string) => receiver.posts.filter((p) => p.path === urlPath && p.json?.data?.alertId === alertId);
const alertOf = new Map<string, AlertEvent>();
const tracked = (e: AlertEvent, id: Promise<string>) => id.then((x) => (alertOf.set(x, e), x));

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Every delivery is open (Running) in this status. */
async function allOpenIn(ids: string[], status: string): Promise<void> {
  let seen: string[] = [];
  await waitFor(`${ids.length} deliveries open as ${status}`, async () => {
    seen = await Promise.all(ids.map(async (id) => {
      const h = client.workflow.getHandle(id);
      const run = (await h.describe()).status.name;
      // a query while a crashed workflow task is being retried can fail: not yet
      return `${run}:${(await h.query(statusQuery).catch((e: Error) => ({ status: `query failed (${e.message})` }))).status}`;
    }));
    return seen.every((s) => s === `RUNNING:${status}`);
  }).catch((e: Error) => {
    throw new Error(`${e.message}; last seen (control first): ${seen.join(', ')}`);
  });
}

/** One delivery per crash point (1 … points.length) and a control without a crash: their workflow IDs, control first. */
function startAll(points: string[], event: () => AlertEvent): Promise<string[]> {
  const events = [0, ...points].map(() => event());
  return Promise.all(events.map((e, at) => tracked(e, deliver(e, at))));
}

it('escalation: after a crash at any point of the first task, the pager level still comes (the timer is set)', async () => {
  const points = ['persistAlert', 'notifyChannel', 'recordOutcome', 'recordOutcome'];
  const ids = await startAll(points, () => alertEvent({ labels: { path: 'escalation' } }));
  const results = await Promise.all(ids.map(result));
  expectCrashedAt(ids, points);
  for (const [i, id] of ids.entries()) {
    expect(results[i]).toMatchObject({ status: 'delivered', escalationLevel: 1, incidentState: 'firing' });
    const { alertId } = alertOf.get(id)!;
    expect(new Set(postsFor('/chat', alertId).map((p) => p.key))).toEqual(new Set([id]));
    expect(new Set(postsFor('/pager', alertId).map((p) => p.key))).toEqual(new Set([id])); // its first reach: the delivery's key
    expect((await client.workflow.getHandle(id).describe()).searchAttributes).toMatchObject({ AlertState: ['firing'], AlertEscalationLevel: [1] });
  }
  // Lost after its notification but before its record: POSTed again under the same key (the receiver drops it).
  // Lost after its record: the record is found, and the chat is not notified again.
  const chatPosts = ids.map((id) => postsFor('/chat', alertOf.get(id)!.alertId).length);
  expect(chatPosts).toEqual([1, 1, 2, 1, 1]);
});

it('silenced: after a crash at any point, the delivery stays open as `silenced`, and is notified once the silence is expired', async () => {
  const silence = await store.silences.add({ matchers: [{ name: 'path', op: '=', value: 'silenced' }], endsAt: new Date(Date.now() + 3_600_000).toISOString(), createdBy: 'test', comment: 'crash points' });
  const held = ['persistAlert', 'recordOutcome', 'confirmHold'];
  const afterWake = ['silenceInForce', 'notifyChannel', 'recordOutcome'];
  const ids = await startAll([...held, ...afterWake], () => alertEvent({ labels: { path: 'silenced' } }));
  await allOpenIn(ids, 'silenced');
  for (const id of ids) expect(postsFor('/chat', alertOf.get(id)!.alertId)).toEqual([]);
  await store.silences.expire(silence.id, 'test');
  expect(await wakeSilenced(client, store.held, silence.id)).toBe(ids.length);
  const results = await Promise.all(ids.map(result));
  expectCrashedAt(ids, [...held, ...afterWake]);
  for (const [i, id] of ids.entries()) {
    expect(results[i]).toMatchObject({ status: 'delivered', suppressedBy: { kind: 'silence', silenceId: silence.id } });
    expect(new Set(postsFor('/chat', alertOf.get(id)!.alertId).map((p) => p.key))).toEqual(new Set([id]));
  }
});

it('inhibited: after a crash at any point, the delivery stays open as `inhibited`, and is notified when its source resolves', async () => {
  const cluster = uid('c');
  const source = alertEvent({ ruleName: 'ClusterDown', labels: { cluster } });
  expect(await result(await deliver(source))).toMatchObject({ status: 'delivered' });
  const held = ['persistAlert', 'recordOutcome', 'confirmHold'];
  const afterWake = ['silenceInForce', 'notifyChannel', 'recordOutcome'];
  const ids = await startAll([...held, ...afterWake], () => alertEvent({ severity: 'medium', labels: { cluster } }));
  await allOpenIn(ids, 'inhibited');
  for (const id of ids) expect(postsFor('/chat', alertOf.get(id)!.alertId)).toEqual([]);
  expect(await result(await deliver({ ...source, status: 'resolved' }))).toMatchObject({ status: 'delivered' });
  const results = await Promise.all(ids.map(result));
  expectCrashedAt(ids, [...held, ...afterWake]);
  for (const [i, id] of ids.entries()) {
    expect(results[i]).toMatchObject({ status: 'delivered', suppressedBy: { kind: 'inhibit', by: { alertId: source.alertId } } });
    expect(new Set(postsFor('/chat', alertOf.get(id)!.alertId).map((p) => p.key))).toEqual(new Set([id]));
  }
});

it('parked failure: after a crash at any point of the first task, the delivery stays open as `failed`, and a retry delivers it', async () => {
  const points = ['persistAlert', 'notifyChannel', 'recordOutcome'];
  const ids = await startAll(points, () => alertEvent({ labels: { path: 'parked' } }));
  await allOpenIn(ids, 'failed');
  for (const id of ids) expect((await client.workflow.getHandle(id).describe()).searchAttributes).toMatchObject({ AlertDeliveryStatus: ['failed'], AlertFailedChannels: ['broken'] });
  expectCrashedAt(ids, points);
  brokenFixed = true;
  const retried = await Promise.all(ids.map((id) => client.workflow.getHandle(id).executeUpdate(retryUpdate)));
  for (const [i, id] of ids.entries()) {
    expect(retried[i]).toMatchObject({ status: 'delivered', channels: [{ channel: 'broken', status: 'delivered' }] });
    expect(await result(id)).toMatchObject({ status: 'delivered' });
  }
});

it('grouped: after a crash at any point, each alert joins its group once and is notified with it', async () => {
  const points = ['persistAlert', 'joinGroup', 'recordOutcome'];
  const cluster = uid('g');
  const ids = await startAll(points, () => alertEvent({ labels: { path: 'grouped', cluster } }));
  const results = await Promise.all(ids.map(result));
  expectCrashedAt(ids, points);
  for (const r of results) expect(r.status).toBe('grouped');
  const docs = await waitFor('every member notified by its group', async () => {
    const found = await Promise.all(ids.map((id) => store.get(id)));
    return found.every((d) => d?.deliveryStatus === 'delivered') && found;
  });
  const groupKeys = new Set(docs.map((d) => (d as { groupNotificationKey?: string }).groupNotificationKey));
  expect(groupKeys.size).toBeGreaterThanOrEqual(1);
  const notified = receiver.posts.filter((p) => p.path === '/chat' && groupKeys.has(p.key)).flatMap((p) => (p.json?.group?.alerts ?? []) as { alertId: string }[]);
  for (const id of ids) expect(notified.filter((a) => a.alertId === alertOf.get(id)!.alertId).length).toBeGreaterThan(0);
});

it('grouped, its record late (a lost task runs again after the group notified): the group\'s record stays', async () => {
  const cluster = uid('g');
  const event = alertEvent({ labels: { path: 'grouped', cluster } });
  let release!: () => void;
  const messageId = `${Date.now()}-${seq++}`;
  const id = `${stream}:${messageId}`;
  const reached = crash.pauseBefore(id, 'recordOutcome', new Promise<void>((r) => (release = r)));
  await deliver(event, 0, messageId);
  await reached; // joined its group; its own record (`grouped`) not yet written
  const carried = await waitFor('the group recorded the member delivered', async () => {
    const d = await store.get(id) as { deliveryStatus?: string; groupNotificationKey?: string } | undefined;
    return d?.deliveryStatus === 'delivered' && d.groupNotificationKey;
  });
  release();
  expect(await result(id)).toMatchObject({ status: 'grouped' });
  expect(await store.get(id)).toMatchObject({ deliveryStatus: 'delivered', delivered: true, groupNotificationKey: carried });
});

it('resolve of a closed firing delivery: after a crash at any point, the resolved notification goes out under its one key', async () => {
  const points = ['persistAlert', 'planResolved', 'notifyChannel', 'recordOutcome'];
  const firing = await Promise.all([0, ...points].map(async () => {
    const event = alertEvent();
    const id = await deliver(event);
    await result(id);
    return { event, id };
  }));
  const resolves = await Promise.all(firing.map(({ event }, at) => deliver({ ...event, status: 'resolved' }, at)));
  const results = await Promise.all(resolves.map(result));
  expectCrashedAt(resolves, points);
  for (const [i, { event, id }] of firing.entries()) {
    expect(results[i]).toMatchObject({ status: 'delivered', incident: { role: 'resolve', firingDeliveryId: id } });
    expect(new Set(postsFor('/chat', event.alertId).map((p) => p.key))).toEqual(new Set([id, `${id}:resolved`]));
  }
});

it('a document another run left pending (it closed before recording): the new run takes it over, and a crash after its record still escalates', async () => {
  const event = alertEvent({ labels: { path: 'escalation' } });
  const messageId = `${Date.now()}-${seq++}`;
  const id = `${stream}:${messageId}`;
  const now = new Date().toISOString();
  await os_.index({ index, id, refresh: true, body: { ...event, streamId: messageId, workflowId: id, runId: 'an-earlier-run', receivedAt: now, delivered: false, deliveryStatus: 'pending', deliveries: [], updatedAt: now } });
  await deliver(event, 3, messageId);
  expect(await result(id)).toMatchObject({ status: 'delivered', escalationLevel: 1 });
  expect(crash.crashed.get(id)).toBe('recordOutcome');
  expect((await store.get(id))?.runId).toBe((await client.workflow.getHandle(id).describe()).runId);
});

describe('a hold that ends while the delivery is recording it (the wake lists before the record)', () => {
  /** Starts a delivery that stops before recording its hold; returns its ID and the function that lets it go on. */
  async function pausedBeforeRecord(event: AlertEvent): Promise<{ id: string; release: () => void }> {
    let release!: () => void;
    const open = new Promise<void>((r) => (release = r));
    const messageId = `${Date.now()}-${seq++}`; // one ID for the pause and the delivery (a clock tick between them changed it)
    const reached = crash.pauseBefore(`${stream}:${messageId}`, 'recordOutcome', open);
    const id = await tracked(event, deliver(event, 0, messageId));
    expect(id).toBe(`${stream}:${messageId}`);
    await reached; // persisted and screened (held back), its hold not yet recorded
    return { id, release };
  }

  it('inhibited: its second look after the record finds the source resolved, and it is notified at once', async () => {
    const cluster = uid('c');
    const source = alertEvent({ ruleName: 'ClusterDown', labels: { cluster } });
    await result(await deliver(source));
    const target = alertEvent({ severity: 'medium', labels: { cluster } });
    const { id, release } = await pausedBeforeRecord(target);
    expect(await result(await deliver({ ...source, status: 'resolved' }))).toMatchObject({ status: 'delivered' }); // its wake has listed
    release();
    expect(await result(id)).toMatchObject({ status: 'delivered', suppressedBy: { by: { alertId: source.alertId } } });
    expect(postsFor('/chat', target.alertId).map((p) => p.key)).toEqual([id]);
  });

  it('silenced: its second look after the record finds the silence expired, and it is notified at once', async () => {
    const silence = await store.silences.add({ matchers: [{ name: 'path', op: '=', value: 'race' }], endsAt: new Date(Date.now() + 3_600_000).toISOString(), createdBy: 'test', comment: 'race' });
    const target = alertEvent({ labels: { path: 'race' } });
    const { id, release } = await pausedBeforeRecord(target);
    await store.silences.expire(silence.id, 'test');
    expect(await wakeSilenced(client, store.held, silence.id)).toBe(0); // its document does not say silenced yet
    release();
    expect(await result(id)).toMatchObject({ status: 'delivered', suppressedBy: { silenceId: silence.id } });
    expect(postsFor('/chat', target.alertId).map((p) => p.key)).toEqual([id]);
  });
});
