// The combined process (src/combined.ts) on the real stack: the worker and the ingest in one process on one
// NativeConnection, the ingest starting each delivery with eager start. It delivers like the two processes
// (once per alert, documents delivered, nothing pending), its starts come back eager, and SIGTERM drains it.
import { alertEvent } from './helpers/alerts';
import { Pipeline } from './helpers/pipeline';

jest.setTimeout(120_000);

/** The ingest's stats from the combined process's last log line (`… stopped`). */
function stoppedStats(output: string): { started: number; eagerStarts: number; duplicates: number } {
  const line = output.split('\n').reverse().find((l) => l.includes('"combined worker and ingest stopped"'));
  if (!line) throw new Error(`no "stopped" line in:\n${output.slice(-3000)}`);
  return JSON.parse(line) as { started: number; eagerStarts: number; duplicates: number };
}

describe('combined worker + ingest (eager start)', () => {
  const p = new Pipeline();
  beforeAll(() => p.start());
  afterAll(() => p.stop());

  it('delivers every alert once, its starts come back eager, and SIGTERM drains it cleanly', async () => {
    const combined = await p.combined();
    const ids = await Promise.all(Array.from({ length: 40 }, (_, i) => p.publish(alertEvent({ alertId: `combined-${i}` }))));
    await p.receiver.waitFor(() => p.receiver.deliveredKeys().size === ids.length, 60_000);
    expect([...p.receiver.deliveredKeys()].sort()).toEqual(ids.map((id) => p.key(id)).sort());
    expect(p.receiver.posts).toHaveLength(ids.length); // one POST per alert: no repeat
    for (const id of ids) {
      await p.waitFor(`document ${id} delivered`, async () => (await p.doc(id))?.deliveryStatus === 'delivered');
    }
    await p.waitFor('empty pending list', async () => (await p.pending()) === 0);

    expect(await combined.kill('SIGTERM')).toBe(0); // the ingest stops reading, the worker drains, exit 0
    const stats = stoppedStats(combined.output());
    expect(stats.started).toBe(ids.length);
    expect(stats.duplicates).toBe(0);
    // Eager: the first workflow task came back with the start (a start without requestEagerStart, or a worker
    // without free slots, is never eager). At most 32 starts are in flight, with 128 slots: all of them here.
    expect(stats.eagerStarts).toBe(ids.length);
  });
});
