// A burst of one group's alerts, taken in slowly (one entry a read, four deliveries in flight) while the worker is
// killed with -9 again and again: intake is far behind the stream, so the group paces its notifications by stream
// time (docs/storm-control.md). Every entry ends in a visible state, each alert is carried by exactly one
// notification, and the group sends a handful of notifications, not one per group_interval of our slow intake.
import { alertEvent } from './helpers/alerts';
import { Pipeline } from './helpers/pipeline';
import type { ServiceProcess } from './helpers/processes';

jest.setTimeout(240_000);

const BURST = 40;
const KILLS_AFTER = [8, 18, 28]; // members recorded before each kill -9
const p = new Pipeline();

beforeAll(async () => {
  await p.start();
  p.useHookWith([
    'routes:',
    '  - { name: burst, match: { labels: { team: burst } }, channels: [hook], group_by: [cluster], group_wait: 1s, group_interval: 4s, repeat_interval: 1h }',
    '  - channels: [hook]',
  ]);
  await p.ingest({ INGEST_MAX_IN_FLIGHT: '4', INGEST_BATCH_SIZE: '1' });
});
afterAll(() => p.stop());

/** How many of the burst's documents have left `pending` (joined their group, or further). */
async function joined(ids: string[]): Promise<number> {
  const docs = await Promise.all(ids.map((id) => p.doc(id)));
  return docs.filter((d) => d && d.deliveryStatus !== 'pending').length;
}

it(`${BURST} alerts of one group at once, intake slow, ${KILLS_AFTER.length} kill -9 of the worker: each alert carried once, pacing holds`, async () => {
  let worker: ServiceProcess = await p.worker();
  const events = Array.from({ length: BURST }, () => alertEvent({ labels: { team: 'burst', cluster: 'b1' } }));
  const ids = await p.publishAtOnce(events);
  for (const n of KILLS_AFTER) {
    await p.waitFor(`${n} members joined`, async () => (await joined(ids)) >= n, 120_000);
    await worker.kill('SIGKILL');
    worker = await p.worker();
  }
  const docs = await p.waitFor(`all ${BURST} delivered`, async () => {
    const all = await Promise.all(ids.map((id) => p.doc(id)));
    return all.every((d) => d?.deliveryStatus === 'delivered') && all;
  }, 180_000);

  // One group; each notification went out once (by key); each alert is counted new by exactly one of them.
  const groupId: string = docs[0]!.groupId;
  expect(new Set(docs.map((d) => d!.groupId))).toEqual(new Set([groupId]));
  const posts = p.receiver.posts.filter((x) => x.json?.group?.id === groupId);
  const byKey = new Map(posts.map((x) => [x.key, x.json.group]));
  const newCounts = [...byKey.values()].map((g) => g.counts.new as number);
  expect(newCounts.reduce((a, b) => a + b, 0)).toBe(BURST);
  const carriedBy = new Map<string, number>();
  for (const d of docs) carriedBy.set(d!.groupNotificationKey, (carriedBy.get(d!.groupNotificationKey) ?? 0) + 1);
  expect([...carriedBy.entries()].sort()).toEqual([...byKey.entries()].map(([k, g]) => [k, g.counts.new]).sort());
  // Paced: the burst was in the stream at once (Alertmanager: one or two notifications). Intake takes about 50 s
  // (four starts per 5 s), behind by more than a group_interval after the first few: the first notification at
  // group_wait, one when a hold reaches 10 group_intervals (40 s), the rest when the joins end. Not paced: 7.
  expect(byKey.size).toBeLessThanOrEqual(4);
  // Every entry acked; the kills landed inside workflow tasks (of the group or of members), which timed out.
  await p.waitFor('every entry acked', () => p.allReadAndAcked());
  const client = await p.temporal();
  const cut = await Promise.all([groupId, ...ids.map((id) => p.key(id))].map(async (id) => {
    const { events } = await client.workflow.getHandle(id).fetchHistory();
    return events!.some((e) => e.workflowTaskTimedOutEventAttributes != null);
  }));
  expect(cut.filter(Boolean).length).toBeGreaterThanOrEqual(1);
  await worker.kill('SIGKILL');
});
