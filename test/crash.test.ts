// Crash recovery on the real stack: kill -9 of the worker mid-notification and of the ingest
// between workflow start and XACK. Every valid alert must end delivered, each under one idempotency key.
import os from 'node:os';
import path from 'node:path';
import { alertEvent } from './helpers/alerts';
import { closedHistory, notifyCalls } from './helpers/histories';
import { Pipeline } from './helpers/pipeline';
import { startProcess } from './helpers/processes';

jest.setTimeout(180_000);

function report(name: string, p: Pipeline, alerts: number): void {
  const perKey = new Map<string, number>();
  for (const post of p.receiver.posts) perKey.set(post.key, (perKey.get(post.key) ?? 0) + 1);
  const repeats = [...perKey.values()].filter((n) => n > 1).length;
  process.stdout.write(`${name}: ${alerts} alerts, ${p.receiver.posts.length} raw POSTs, ${perKey.size} distinct idempotency keys, ${repeats} keys seen more than once\n`);
}

describe('crash recovery', () => {
  it('kill -9 of the worker while notifications are in flight: all delivered, one key per alert', async () => {
    // The receiver takes 1.5 s per POST, so notifications are in flight when the worker dies.
    const p = await new Pipeline({ behaviour: () => ({ status: 200, delayMs: 1500 }), channel: { timeout: '3s' } }).start();
    try {
      const worker = await p.worker();
      await p.ingest();
      const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => p.publish(alertEvent({ alertId: `crash-w-${i}` }))));
      await p.receiver.waitFor(() => p.receiver.posts.length >= 3, 30_000);
      await worker.kill('SIGKILL');
      await p.worker();
      await p.receiver.waitFor(() => p.receiver.deliveredKeys().size === ids.length, 120_000);
      for (const id of ids) await p.waitFor(`${id} delivered`, async () => (await p.doc(id))?.delivered === true, 60_000);
      expect([...p.receiver.keys()].sort()).toEqual(ids.map((id) => p.key(id)).sort());
      expect(await p.pending()).toBe(0);
      report('worker kill -9', p, ids.length);
    } finally {
      await p.stop();
    }
  });

  it('kill -9 of the ingest between start and ack: another ingest reclaims the entries, no second delivery', async () => {
    const p = await new Pipeline().start();
    try {
      // No worker yet, so only the ingest could ack: it dies right after starting the workflows, at its XACK
      // (test/helpers/crash-before-ack.js, loaded into it from here: the product has no hook for this).
      const ids = await Promise.all(Array.from({ length: 5 }, (_, i) => p.publish(alertEvent({ alertId: `crash-i-${i}` }))));
      const crashing = startProcess('ingest', p.env({ INGEST_CONSUMER: 'ingest-1', NODE_OPTIONS: `--require=${path.join(__dirname, 'helpers', 'crash-before-ack.js')}` }));
      await crashing.exited;
      expect(crashing.child.signalCode).toBe('SIGKILL');
      expect(await p.pending()).toBe(ids.length); // started but not acked

      // A second ingest (another consumer) takes over the dead consumer's entries after the idle time.
      const second = await p.ingest({ INGEST_CONSUMER: 'ingest-2', INGEST_RECLAIM_IDLE: '1s' });
      await second.waitForLine(/reclaimed entries pending on an idle consumer/, 30_000);
      await p.waitFor('empty pending list', async () => (await p.pending()) === 0, 30_000);
      await p.worker();
      await p.receiver.waitFor(() => p.receiver.deliveredKeys().size === ids.length, 60_000);
      // The reclaim started no second delivery: each alert's latest (so only) run is the one the dead ingest started,
      // closed after one call to its channel. With every run closed, nothing more can be sent.
      const temporal = await p.temporal();
      for (const id of ids) {
        const handle = temporal.workflow.getHandle(p.key(id));
        const { status, events } = await closedHistory(handle);
        expect(status).toBe('COMPLETED');
        expect(events[0].workflowExecutionStartedEventAttributes?.identity).toBe(`${crashing.child.pid}@${os.hostname()}`);
        expect(notifyCalls(events).map((c) => c.channel)).toEqual(['hook']);
      }
      expect(second.output().match(/already started \(redelivered entry\)/g)).toHaveLength(ids.length);
      expect(p.receiver.posts.length).toBe(ids.length); // one POST per alert
      report('ingest kill -9', p, ids.length);
    } finally {
      await p.stop();
    }
  });
});
