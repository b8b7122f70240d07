// The ingest's read-ahead on the real stack (docs/delivery.md#priority-and-fairness): behind a backlog that
// INGEST_MAX_IN_FLIGHT keeps out of Temporal, the critical published last is started, and notified, before the lows
// ahead of it in the stream. (With a read-ahead of 1 the ingest starts in stream order: the critical came last.)
import { alertEvent } from './helpers/alerts';
import { Pipeline, arrivalOrder } from './helpers/pipeline';

jest.setTimeout(240_000);
const LOWS = 150;

it(`behind ${LOWS} lows the in-flight limit holds back, the read-ahead starts the critical first`, async () => {
  const q = await new Pipeline().start();
  try {
    const lows = Array.from({ length: LOWS }, (_, i) => alertEvent({ severity: 'low', ruleId: 'noisy-rule', title: `backlog ${i}` }));
    const critical = alertEvent({ severity: 'critical', ruleId: 'db-down', title: 'database down' });
    const ids = await q.publishAtOnce([...lows, critical]);
    await q.worker();
    // fifty deliveries in flight at most: without the read-ahead the lows would start ten at a time, in stream order
    await q.ingest({ INGEST_MAX_IN_FLIGHT: '50', INGEST_BATCH_SIZE: '10' });
    await q.receiver.waitFor(() => arrivalOrder(q).length === LOWS + 1, 180_000);
    // The ingest's part: the order in which it started the workflows (each one's first history event). Started in
    // stream order the critical would be the last (measured with a read-ahead of 1: 151st by start, 150 by notification).
    const startRank = await q.rankByFirstEvent(ids, ids.at(-1)!, (e) => !!e.workflowExecutionStartedEventAttributes, 1);
    process.stdout.write(`read-ahead: the critical was started at position ${startRank + 1} of ${LOWS + 1}\n`);
    expect(startRank).toBeLessThan(20); // in the first batches the ingest starts
    // What a person sees: the notification among the first (deliveries started together run side by side)
    const order = arrivalOrder(q);
    expect(order.indexOf(critical.alertId)).toBeGreaterThanOrEqual(0);
    expect(order.indexOf(critical.alertId)).toBeLessThan(50);
  } finally {
    await q.stop();
  }
});
