// End to end on the real stack: Redis stream → ingest → Temporal → worker → OpenSearch + a real receiver.
import type { Client } from '@temporalio/client';
import { workflowIdFor } from '../src/contracts/ids';
import { statusQuery } from '../src/contracts/messages';
import { alertEvent } from './helpers/alerts';
import { closedHistory, notifyCalls } from './helpers/histories';
import { Pipeline } from './helpers/pipeline';

jest.setTimeout(120_000);

describe('delivery pipeline, end to end', () => {
  const p = new Pipeline();
  let temporal: Client;

  beforeAll(async () => {
    await p.start();
    temporal = await p.temporal();
  });
  afterAll(() => p.stop());

  it('delivers valid alerts once, rejects malformed entries visibly, leaves nothing pending', async () => {
    await p.worker();
    const ingest = await p.ingest();
    const valid = await Promise.all([1, 2, 3, 4, 5].map((i) => p.publish(alertEvent({ alertId: `e2e-${i}`, severity: i === 1 ? 'critical' : 'low' }))));
    const noEvent = await p.publishRaw('payload', '{}');
    const badJson = await p.publishRaw('event', '{"alertId": ');
    const badSchema = await p.publish({ ...alertEvent(), severity: 'urgent' });
    const unknownChannel = await p.publish(alertEvent({ channels: ['nope'] }));

    await p.receiver.waitFor(() => p.receiver.deliveredKeys().size === valid.length, 60_000);
    expect([...p.receiver.deliveredKeys()].sort()).toEqual(valid.map((id) => p.key(id)).sort());

    for (const id of valid) {
      const doc = await p.waitFor(`document ${id} delivered`, async () => {
        const d = await p.doc(id);
        return d?.delivered === true && d;
      });
      expect(doc).toMatchObject({ streamId: id, workflowId: workflowIdFor(p.stream, id), deliveryStatus: 'delivered' });
      expect(doc.deliveries).toEqual([expect.objectContaining({ channel: 'hook', status: 'delivered', attempts: 1 })]);
      const handle = temporal.workflow.getHandle(workflowIdFor(p.stream, id));
      // The record (a local activity) reaches the document a moment before its workflow task completes the run.
      const desc = await p.waitFor(`${id} closed`, async () => { const d = await handle.describe(); return d.status.name !== 'RUNNING' && d; }, 10_000);
      expect(desc.status.name).toBe('COMPLETED');
      expect(desc.searchAttributes.AlertDeliveryStatus).toEqual(['delivered']);
      expect((await handle.query(statusQuery)).status).toBe('delivered');
    }
    for (const [id, reason] of [
      [noEvent, /no "event" field/],
      [badJson, /not valid JSON/],
      [badSchema, /severity/],
      [unknownChannel, /unknown channel\(s\) "nope"/],
    ] as const) {
      const doc = await p.waitFor(`rejected document ${id}`, () => p.doc(id));
      expect(doc).toMatchObject({ deliveryStatus: 'rejected', delivered: false });
      expect(doc.rejectReason).toMatch(reason);
      expect(typeof doc.raw).toBe('string');
    }
    await p.waitFor('empty pending list', async () => (await p.pending()) === 0);
    expect(ingest.child.exitCode).toBeNull(); // the ingest kept running through bad input

    // Redeliver every entry (as after a consumer-group reset): no second delivery, nothing pending.
    const postsBefore = p.receiver.posts.length;
    const runs = await Promise.all(valid.map(async (id) => (await temporal.workflow.getHandle(workflowIdFor(p.stream, id)).describe()).runId));
    await p.redis.xgroup('SETID', p.stream, p.group, '0');
    // Every entry read again and acked: the group has nothing unread, nothing pending.
    await p.waitFor('the redelivered entries read and acked', () => p.allReadAndAcked());
    expect(ingest.output().match(/already started \(redelivered entry\)/g)).toHaveLength(valid.length);
    // No second run: each workflow ID's only run is the first one, closed; one hook call in its history. So
    // nothing could be sent again, now or later.
    for (const [i, id] of valid.entries()) {
      const handle = temporal.workflow.getHandle(workflowIdFor(p.stream, id));
      expect((await handle.describe()).runId).toBe(runs[i]);
      expect(notifyCalls((await closedHistory(handle)).events).map((c) => c.channel)).toEqual(['hook']);
    }
    expect(p.receiver.posts.length).toBe(postsBefore);

    // SIGTERM: the ingest stops reading, finishes in-flight work and exits 0.
    expect(await ingest.kill('SIGTERM')).toBe(0);
  });
});
