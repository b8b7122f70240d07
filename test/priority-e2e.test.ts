// Priority on the real stack (docs/delivery.md#priority-and-fairness): a critical alert published behind a
// backlog of `low` ones, all started before a worker runs, is notified among the first: Temporal hands its
// workflow and activity tasks out before the lows'. Stream order (one task queue, first in first out) would notify
// it last. Its start carries its priority and fairness keys (DELIVERY_FAIRNESS=rule). And behind a backlog that
// INGEST_MAX_IN_FLIGHT keeps out of Temporal, the ingest's read-ahead starts the critical before the lows ahead of it.
import { alertEvent } from './helpers/alerts';
import { Pipeline } from './helpers/pipeline';

jest.setTimeout(240_000);
const LOWS = 150;

const p = new Pipeline();
beforeAll(() => p.start());
afterAll(() => p.stop());

/** Each alert once, in the order its first POST reached the receiver (a retried POST is not a second place). */
const arrivalOrder = (q: Pipeline) => [...new Set(q.receiver.posts.map((x) => x.json?.data?.alertId as string))];

const startPriority = async (messageId: string) => {
  const history = await (await p.temporal()).workflow.getHandle(p.key(messageId)).fetchHistory();
  const { priorityKey, fairnessKey } = history.events![0].workflowExecutionStartedEventAttributes!.priority ?? {};
  return { priorityKey, fairnessKey };
};

it(`a critical published behind ${LOWS} lows is notified among the first; each start carries its keys`, async () => {
  const lows = Array.from({ length: LOWS }, (_, i) => alertEvent({ severity: 'low', ruleId: 'noisy-rule', title: `low ${i}` }));
  const critical = alertEvent({ severity: 'critical', ruleId: 'db-down', title: 'database down' });
  const lowIds = await p.publishAtOnce(lows);
  const [criticalId] = await p.publishAtOnce([critical]);
  // small batches: the critical is in the last one, so the ingest starts it after every low
  await p.ingest({ INGEST_BATCH_SIZE: '10' });
  await p.waitFor('every entry started and acked', () => p.allReadAndAcked().catch(() => false), 120_000);
  await p.worker();
  await p.receiver.waitFor(() => arrivalOrder(p).length === LOWS + 1, 180_000);

  const order = arrivalOrder(p);
  const rank = order.indexOf(critical.alertId);
  expect(rank).toBeGreaterThanOrEqual(0);
  // first in, first out would make it the last (rank 150)
  expect(rank).toBeLessThan(10);
  expect(await startPriority(criticalId)).toEqual({ priorityKey: 1, fairnessKey: 'db-down' });
  expect(await startPriority(lowIds[0])).toEqual({ priorityKey: 4, fairnessKey: 'noisy-rule' });
});

it('behind a backlog the in-flight limit holds back, the read-ahead starts the critical first', async () => {
  const q = await new Pipeline().start();
  try {
    const lows = Array.from({ length: LOWS }, (_, i) => alertEvent({ severity: 'low', ruleId: 'noisy-rule', title: `backlog ${i}` }));
    const critical = alertEvent({ severity: 'critical', ruleId: 'db-down', title: 'database down' });
    await q.publishAtOnce([...lows, critical]);
    await q.worker();
    // fifty deliveries in flight at most: without the read-ahead the lows would start ten at a time, in stream order
    await q.ingest({ INGEST_MAX_IN_FLIGHT: '50', INGEST_BATCH_SIZE: '10' });
    await q.receiver.waitFor(() => arrivalOrder(q).length === LOWS + 1, 180_000);
    const order = arrivalOrder(q);
    expect(order.indexOf(critical.alertId)).toBeGreaterThanOrEqual(0);
    expect(order.indexOf(critical.alertId)).toBeLessThan(10);
  } finally {
    await q.stop();
  }
});
