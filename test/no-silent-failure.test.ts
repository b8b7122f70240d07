// No alert stuck, none confused — end to end on the real stack (ingest, worker, Temporal, OpenSearch,
// a real receiver): values the index refuses, a store that refuses what the parser accepts, two streams
// into one index, an outcome that cannot be recorded, cancel/terminate from outside, a replayed stream.
import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { abandonUpdate } from '../src/contracts/messages';
import { SA_STATUS } from '../src/contracts/search-attributes';
import { ALERT_MAPPING } from '../src/store';
import { alertEvent } from './helpers/alerts';
import { notifiedChannels } from './helpers/histories';
import { Pipeline } from './helpers/pipeline';
import { writeChannelsFile } from './helpers/processes';
import { uid } from './helpers/stack';

jest.setTimeout(180_000);

const T = '2026-11-23T00:00:00';
/** Values OpenSearch's `date`/`keyword`/`flat_object` fields refuse (each checked against the real index in store-agreement). */
const STORE_REFUSED: [string, Record<string, unknown>][] = [
  ...[10, 11, 12, 15, 20, 30].map((n) => [`firedAt with ${n} fraction digits`, { firedAt: `${T}.${'1'.repeat(n)}Z` }] as [string, Record<string, unknown>]),
  ...['+18:01', '+18:30', '+19:00', '+23:59', '-18:01', '-19:00', '-23:59', '+00:60', '-05:60', '+24:00'].map((o) => [`offset ${o}`, { firedAt: `${T}${o}` }] as [string, Record<string, unknown>]),
  ['hour 24', { firedAt: '2026-11-23T24:00:00Z' }],
  ['second 60 (leap)', { firedAt: '2026-12-31T23:59:60Z' }],
  ['second 61', { firedAt: '2026-11-23T00:00:61Z' }],
  ['minute 60', { firedAt: '2026-11-23T00:60:00Z' }],
  ['29 February of a common year', { firedAt: '2026-02-29T00:00:00Z' }],
  ['31 April', { firedAt: '2026-04-31T00:00:00Z' }],
  ['31 June', { firedAt: '2026-06-31T00:00:00Z' }],
  ['30 February', { firedAt: '2024-02-30T00:00:00Z' }],
  ['month 13', { firedAt: '2026-13-01T00:00:00Z' }],
  ['month 00', { firedAt: '2026-00-01T00:00:00Z' }],
  ['day 00', { firedAt: '2026-11-00T00:00:00Z' }],
  ['day 32', { firedAt: '2026-01-32T00:00:00Z' }],
  ['lower-case t and z', { firedAt: '2026-11-23t00:00:00z' }],
  ['space separator', { firedAt: '2026-11-23 00:00:00Z' }],
  ['a dot without digits', { firedAt: '2026-11-23T00:00:00.Z' }],
  ['no zone', { firedAt: '2026-11-23T00:00:00' }],
  ['label value over 32766 bytes', { labels: { big: 'x'.repeat(40_000) } }],
  ['label value of 20000 two-byte chars', { labels: { big: 'é'.repeat(20_000) } }],
  ['label key over 32766 bytes', { labels: { ['k'.repeat(33_000)]: 'v' } }],
  ['alertId of 9000 four-byte chars', { alertId: '𝒜'.repeat(9_000) }],
  ['ruleId over 32766 bytes', { ruleId: 'r'.repeat(40_000) }],
  ['ruleName over 32766 bytes', { ruleName: 'n'.repeat(40_000) }],
  ['view over 32766 bytes', { view: 'v'.repeat(40_000) }],
  ['scope over 32766 bytes', { scope: 's'.repeat(40_000) }],
  ['channel name over 32766 bytes', { channels: ['c'.repeat(40_000)] }],
];

async function status(temporal: Client, workflowId: string): Promise<{ execution: string; status: string | undefined }> {
  const d = await temporal.workflow.getHandle(workflowId).describe().catch(() => undefined); // not started yet
  return { execution: d?.status.name ?? 'NOT STARTED', status: d?.typedSearchAttributes.get(SA_STATUS) };
}

describe('every input ends in a terminal, visible state', () => {
  const p = new Pipeline();
  beforeAll(() => p.start());
  afterAll(() => p.stop());

  it(`${STORE_REFUSED.length} store-refused values and valid controls: all terminal within 60 s, none pending, the valid ones delivered`, async () => {
    expect(STORE_REFUSED.length).toBeGreaterThanOrEqual(40);
    await p.worker();
    await p.ingest({ MAX_EVENT_BYTES: String(1024 * 1024) });
    const t0 = Date.now();
    const refused: [string, string][] = [];
    const valid: string[] = [];
    for (const [name, over] of STORE_REFUSED) {
      refused.push([name, await p.publish({ ...alertEvent(), ...over })]);
      valid.push(await p.publish(alertEvent({ firedAt: `${T}.123456789+18:00` })));
    }
    for (const [name, id] of refused) {
      const doc = await p.waitFor(`${name}: terminal`, () => p.doc(id), 60_000 - (Date.now() - t0));
      expect({ name, status: doc.deliveryStatus, delivered: doc.delivered }).toEqual({ name, status: 'rejected', delivered: false });
      expect(doc.rejectReason).toMatch(/fails the AlertEvent schema/);
    }
    await p.receiver.waitFor(() => p.receiver.deliveredKeys().size === valid.length, 60_000 - (Date.now() - t0));
    expect([...p.receiver.deliveredKeys()].sort()).toEqual(valid.map((id) => p.key(id)).sort());
    expect(await p.pending()).toBe(0);
    const temporal = await p.temporal();
    await p.waitFor('no delivery pending', async () => (await temporal.workflow.count(`TaskQueue = "${p.taskQueue}" AND ExecutionStatus = "Running"`)).count === 0);
    process.stdout.write(`store-refused values: ${refused.length} rejected at the ingest, ${valid.length} controls delivered, in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  });
});

describe('defence in depth: the store refuses what the parser accepted', () => {
  // An operator's index that keeps dates without fractions: its `firedAt` is still a `date` (the start-up
  // check passes), but a value with milliseconds is refused on every attempt.
  const p = new Pipeline();
  beforeAll(async () => {
    await p.start();
    const mappings = { ...ALERT_MAPPING, properties: { ...ALERT_MAPPING.properties, firedAt: { type: 'date', format: 'strict_date_time_no_millis' } } };
    await p.os.indices.create({ index: p.index, body: { settings: { number_of_shards: 1, number_of_replicas: 0 }, mappings } as never });
  });
  afterAll(() => p.stop());

  it('the workflow ends rejected with the reason: a search attribute, a document, no notification, nothing pending', async () => {
    await p.worker();
    await p.ingest();
    const refused = await p.publish(alertEvent({ firedAt: '2026-11-23T00:00:00.123Z' }));
    const ok = await p.publish(alertEvent({ firedAt: '2026-11-23T00:00:00Z' }));
    const temporal = await p.temporal();
    await p.waitFor('refused alert closed', async () => (await status(temporal, p.key(refused))).execution === 'COMPLETED', 60_000);
    expect(await status(temporal, p.key(refused))).toEqual({ execution: 'COMPLETED', status: 'rejected' });
    const result = await temporal.workflow.getHandle(p.key(refused)).result();
    expect(result).toMatchObject({ status: 'rejected', rejectReason: expect.stringContaining('mapper_parsing_exception') });
    const doc = await p.waitFor('rejection recorded', () => p.doc(refused));
    expect(doc).toMatchObject({ deliveryStatus: 'rejected', delivered: false, workflowId: p.key(refused) });
    expect(doc.rejectReason).toMatch(/OpenSearch refused the create \(400 mapper_parsing_exception\)/);
    await p.receiver.waitFor(() => p.receiver.deliveredKeys().has(p.key(ok)));
    expect(p.receiver.keys().has(p.key(refused))).toBe(false);
    expect(await p.pending()).toBe(0);
  });
});

describe('one ID end to end, unique across streams', () => {
  const p = new Pipeline();
  const other = uid('alerts');
  beforeAll(() => p.start());
  afterAll(async () => {
    await p.redis.del(other);
    await p.stop();
  });

  it('equal message IDs on two streams into one index: two documents, two deliveries, two distinct keys', async () => {
    await p.worker();
    await p.ingest();
    await p.ingest({ ALERT_STREAM: other, INGEST_CONSUMER: 'ingest-other' });
    const a = alertEvent({ alertId: 'stream-a-alert' });
    const b = alertEvent({ alertId: 'stream-b-alert' });
    expect(await p.redis.xadd(p.stream, '1000-1', 'event', JSON.stringify(a))).toBe('1000-1');
    expect(await p.redis.xadd(other, '1000-1', 'event', JSON.stringify(b))).toBe('1000-1');
    const keys = [`${p.stream}:1000-1`, `${other}:1000-1`];
    await p.receiver.waitFor(() => p.receiver.deliveredKeys().size === 2, 60_000);
    expect([...p.receiver.deliveredKeys()].sort()).toEqual([...keys].sort());
    const alertOf = (key: string) => p.receiver.posts.find((x) => x.key === key)!.json.data.alertId;
    expect(alertOf(`${p.stream}:1000-1`)).toBe('stream-a-alert');
    expect(alertOf(`${other}:1000-1`)).toBe('stream-b-alert');
    for (const [key, alertId] of [[keys[0], 'stream-a-alert'], [keys[1], 'stream-b-alert']]) {
      const doc = await p.waitFor(`${key} delivered`, async () => {
        const res = await p.os.get({ index: p.index, id: key }).catch(() => undefined);
        const src = res?.body._source as Record<string, unknown> | undefined;
        return src?.delivered === true && src;
      });
      expect(doc).toMatchObject({ alertId, workflowId: key, streamId: '1000-1', deliveryStatus: 'delivered' });
    }
  });
});

describe('operations never leave a wrong record', () => {
  const p = new Pipeline({ behaviour: (post) => ({ status: post.json?.data?.labels?.fate === 'gone' ? 410 : 200 }) });
  beforeAll(() => p.start());
  afterAll(() => p.stop());

  it('cancel and terminate of parked deliveries (as from the UI or CLI) record a final state in the document', async () => {
    await p.worker({ RECONCILE_INTERVAL: '1s' });
    await p.ingest();
    const temporal = await p.temporal();
    const terminatedEvent = alertEvent({ labels: { fate: 'gone' } });
    const [cancelled, terminated] = [await p.publish(alertEvent({ labels: { fate: 'gone' } })), await p.publish(terminatedEvent)];
    for (const id of [cancelled, terminated]) await p.waitFor(`${id} parked`, async () => (await p.doc(id))?.deliveryStatus === 'failed');
    await temporal.workflow.getHandle(p.key(cancelled)).cancel();
    await temporal.workflow.getHandle(p.key(terminated)).terminate('receiver decommissioned, see INC-42');
    const c = await p.waitFor('cancel recorded', async () => { const d = await p.doc(cancelled); return d?.deliveryStatus === 'abandoned' && d; });
    expect(c).toMatchObject({ delivered: false, abandonReason: 'cancelled: the workflow was cancelled (UI or CLI)' });
    // The record (a local activity) reaches the document a moment before the workflow task ends the run.
    const closed = await p.waitFor('cancelled run closed', async () => {
      const d = await temporal.workflow.getHandle(p.key(cancelled)).describe();
      return d.status.name !== 'RUNNING' && d;
    }, 15_000);
    expect(closed.status.name).toBe('CANCELLED');
    const t = await p.waitFor('terminate recorded', async () => { const d = await p.doc(terminated); return d?.deliveryStatus === 'terminated' && d; }, 30_000);
    expect(t).toMatchObject({ delivered: false, abandonReason: 'workflow terminated: receiver decommissioned, see INC-42' });
    // Its incident is released: the next firing of the alert pages again instead of being swallowed as a duplicate.
    // (the reconciler releases it right after recording the document: wait for it, bounded)
    const incident = await p.waitFor('incident released', async () => {
      const source = (await p.os.get({ index: `${p.index}.incidents`, id: terminatedEvent.alertId })).body._source as Record<string, unknown>;
      return source.state === 'resolved' && source;
    }, 15_000);
    expect(incident).toMatchObject({ state: 'resolved', closedReason: 'workflow terminated: receiver decommissioned, see INC-42' });
  });

  it('an outcome the store refuses (document deleted mid-delivery) fails the run visibly with the reason', async () => {
    p.receiver.behaviour = () => ({ status: 200, delayMs: 1500 });
    const id = await p.publish(alertEvent());
    await p.waitFor('document written', () => p.doc(id));
    await p.os.delete({ index: p.index, id: p.key(id), refresh: true });
    const temporal = await p.temporal();
    const handle = temporal.workflow.getHandle(p.key(id));
    await p.waitFor('run closed', async () => (await handle.describe()).status.name !== 'RUNNING', 30_000);
    expect((await handle.describe()).status.name).toBe('FAILED');
    const err = await handle.result().catch((e: { cause?: { message?: string; type?: string } }) => e.cause);
    expect(err).toMatchObject({ type: 'OutcomeNotRecorded', message: expect.stringMatching(/^delivery delivered, but the outcome could not be recorded: .*document_missing_exception/) });
  });
});

describe('an ingest and a worker with different channels files', () => {
  const p = new Pipeline();
  beforeAll(() => p.start());
  afterAll(() => p.stop());

  it('an alert naming a channel only the ingest knows parks visibly as failed (not a persist step failing forever)', async () => {
    await p.worker();
    const wider = writeChannelsFile({ hook: { url: p.receiver.url }, pager: { url: p.receiver.url } });
    fs.appendFileSync(wider, 'routes:\n  - channels: [hook]\n');
    await p.ingest({ CHANNELS_FILE: wider });
    const id = await p.publish(alertEvent({ channels: ['pager'] }));
    const doc = await p.waitFor('parked', async () => { const d = await p.doc(id); return d?.deliveryStatus === 'failed' && d; }, 30_000);
    expect(doc.deliveries).toEqual([expect.objectContaining({ channel: 'pager', status: 'failed', lastErrorType: 'PermanentDeliveryError', lastError: 'channel "pager" is not configured on this worker' })]);
    fs.rmSync(path.dirname(wider), { recursive: true, force: true });
  });
});

describe('a replayed stream never notifies a finished delivery again', () => {
  const p = new Pipeline({ behaviour: (post) => ({ status: post.json?.data?.labels?.fate === 'gone' ? 410 : 200 }) });
  beforeAll(() => p.start());
  afterAll(() => p.stop());

  it('after the executions are gone (retention), XGROUP from 0 starts them again: delivered and abandoned ones send nothing', async () => {
    await p.worker();
    const ingest = await p.ingest();
    const temporal = await p.temporal();
    const delivered = await p.publish(alertEvent());
    const abandoned = await p.publish(alertEvent({ labels: { fate: 'gone' } }));
    await p.waitFor('delivered', async () => (await p.doc(delivered))?.delivered === true);
    await p.waitFor('parked', async () => (await p.doc(abandoned))?.deliveryStatus === 'failed');
    await temporal.workflow.getHandle(p.key(abandoned)).executeUpdate(abandonUpdate, { args: ['receiver decommissioned'] });
    await p.waitFor('abandoned', async () => (await p.doc(abandoned))?.deliveryStatus === 'abandoned');
    const postsBefore = p.receiver.posts.length;
    // Retention drops closed executions; deleting them does the same now.
    for (const id of [delivered, abandoned]) {
      await temporal.workflowService.deleteWorkflowExecution({ namespace: 'default', workflowExecution: { workflowId: p.key(id) } });
    }
    await p.waitFor('executions gone', async () => {
      const gone = await Promise.all([delivered, abandoned].map((id) => temporal.workflow.getHandle(p.key(id)).describe().then(() => false, () => true)));
      return gone.every(Boolean);
    });
    await ingest.kill('SIGTERM');
    await p.redis.xgroup('SETID', p.stream, p.group, '0');
    await p.ingest();
    for (const [id, finished] of [[delivered, 'delivered'], [abandoned, 'abandoned']]) {
      const handle = temporal.workflow.getHandle(p.key(id));
      await p.waitFor(`${id} started again and closed`, async () => (await handle.describe().catch(() => undefined))?.status.name === 'COMPLETED', 60_000);
      expect((await handle.result()).status).toBe(finished);
      expect(await notifiedChannels(handle)).toEqual([]); // the second run closed without a notify call
    }
    expect(p.receiver.posts.length).toBe(postsBefore);
    expect(await p.pending()).toBe(0);
  });
});
