// Backpressure, end to end: with INGEST_MAX_IN_FLIGHT=5, INGEST_READ_AHEAD=10 and no worker, the ingest starts 5
// deliveries, holds the next 10 read ahead (pending in the group, not started) and leaves the rest in the stream
// (the group's lag); once a worker runs, everything is delivered once.
import type { Client } from '@temporalio/client';
import { alertEvent } from './helpers/alerts';
import { Pipeline } from './helpers/pipeline';
import { freePort } from './helpers/secure-proxy';

jest.setTimeout(120_000);

/**
 * How long src/ingestor.ts counts an ingest's own reservations (VISIBILITY_LAG_MS): after that only Temporal's
 * visibility count of the deliveries in flight holds the limit.
 */
const LEDGER_WINDOW_S = 5;

describe('ingest backpressure (INGEST_MAX_IN_FLIGHT)', () => {
  const p = new Pipeline();
  let temporal: Client;

  beforeAll(async () => {
    await p.start();
    temporal = await p.temporal();
  });
  afterAll(() => p.stop());

  const started = async () => (await temporal.workflow.count(`TaskQueue = "${p.taskQueue}"`)).count;

  /** One sample of the ingest's own counters (its /metrics). */
  const metric = async (port: number, name: string): Promise<number> => {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    if (!line) throw new Error(`no ${name} in the ingest's metrics`);
    return Number(line.slice(name.length + 1));
  };

  it('holds new entries read ahead and in the stream while the limit is reached, past its own reservations, then delivers all of them once', async () => {
    const port = await freePort();
    const ingest = await p.ingest({ INGEST_MAX_IN_FLIGHT: '5', INGEST_READ_AHEAD: '10', INGEST_BATCH_SIZE: '3', METRICS_PORT: String(port) });
    const ids = [];
    for (let i = 0; i < 20; i++) ids.push(await p.publish(alertEvent({ alertId: `bp-${i}` })));

    await ingest.waitForLine(/backpressure: INGEST_MAX_IN_FLIGHT deliveries in flight/);
    // Not a sleep: the ingest's own count of the 500 ms checks that found no room, until they reach past the
    // window in which its reservations count; the checks after that found no room from the visibility count alone.
    await p.waitFor('checks past the reservations\' window', async () => (await metric(port, 'alert_ingest_throttled_seconds_total')) >= LEDGER_WINDOW_S + 1, 30_000);
    expect(await metric(port, 'alert_ingest_in_flight')).toBe(5); // what that count saw
    expect(await metric(port, 'alert_ingest_entries_total{result="started"}')).toBe(5);
    expect(await started()).toBe(5);
    expect(await metric(port, 'alert_ingest_read_ahead')).toBe(10);
    expect(await p.pending()).toBe(10); // what it started is acked; what it holds read ahead is not
    expect(await p.lag()).toBe(5); // the rest was never read

    await p.worker();
    await p.receiver.waitFor(() => p.receiver.deliveredKeys().size === ids.length, 90_000);
    expect([...p.receiver.deliveredKeys()].sort()).toEqual(ids.map((id) => p.key(id)).sort());
    await ingest.waitForLine(/backpressure released/);
    await p.waitFor('lag 0 and nothing pending', async () => (await p.lag()) === 0 && (await p.pending()) === 0);
    expect(await started()).toBe(ids.length);
    expect(ingest.child.exitCode).toBeNull();
  });
});
