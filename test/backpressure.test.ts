// Backpressure, end to end: with INGEST_MAX_IN_FLIGHT=5 and no worker, the ingest starts 5 deliveries
// and leaves the rest in the stream (the group's lag); once a worker runs, everything is delivered once.
import type { Client } from '@temporalio/client';
import { alertEvent } from './helpers/alerts';
import { Pipeline } from './helpers/pipeline';

jest.setTimeout(120_000);

describe('ingest backpressure (INGEST_MAX_IN_FLIGHT)', () => {
  const p = new Pipeline();
  let temporal: Client;

  beforeAll(async () => {
    await p.start();
    temporal = await p.temporal();
  });
  afterAll(() => p.stop());

  const started = async () => (await temporal.workflow.count(`TaskQueue = "${p.taskQueue}"`)).count;
  const lag = async () => {
    const groups = (await p.redis.xinfo('GROUPS', p.stream)) as unknown[][];
    const g = groups.find((x) => x[1] === p.group)!;
    return Number(g[g.indexOf('lag') + 1]);
  };

  it('holds new entries in the stream while the limit is reached, then delivers all of them once', async () => {
    const ingest = await p.ingest({ INGEST_MAX_IN_FLIGHT: '5', INGEST_BATCH_SIZE: '3' });
    const ids = [];
    for (let i = 0; i < 20; i++) ids.push(await p.publish(alertEvent({ alertId: `bp-${i}` })));

    await ingest.waitForLine(/backpressure: INGEST_MAX_IN_FLIGHT deliveries in flight/);
    await new Promise((r) => setTimeout(r, 3000)); // several more checks: it stays at the limit
    expect(await started()).toBe(5);
    expect(await lag()).toBe(15);
    expect(await p.pending()).toBe(0); // what it started is acked; the rest was never read

    await p.worker();
    await p.receiver.waitFor(() => p.receiver.deliveredKeys().size === ids.length, 90_000);
    expect([...p.receiver.deliveredKeys()].sort()).toEqual(ids.map((id) => p.key(id)).sort());
    await ingest.waitForLine(/backpressure released/);
    await p.waitFor('lag 0 and nothing pending', async () => (await lag()) === 0 && (await p.pending()) === 0);
    expect(await started()).toBe(ids.length);
    expect(ingest.child.exitCode).toBeNull();
  });
});
