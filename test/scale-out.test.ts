// Scale-out on the real stack: two worker processes and two ingest processes (two consumers of one consumer
// group, one task queue) deliver one stream's alerts once each, and what INGEST_MAX_IN_FLIGHT bounds when
// two ingests share it. Throughput with 1 vs 2 of each is measured by `npm run bench -- --scale 1,2`, not
// here; docs/scaling.md says what grows past one machine.
import os from 'node:os';
import type { Client } from '@temporalio/client';
import { alertEvent } from './helpers/alerts';
import { lastLogLine, peakOverlap, readDeliveryRuns } from './helpers/histories';
import { Pipeline } from './helpers/pipeline';
import type { ServiceProcess } from './helpers/processes';

jest.setTimeout(300_000);

/** The identity the Temporal SDK gives a client or worker by default: `<pid>@<host>`, so one per process. */
const identity = (proc: ServiceProcess) => `${proc.child.pid}@${os.hostname()}`;

/** The consumers the group knows (XINFO CONSUMERS): one per ingest that has read from it. */
async function consumers(p: Pipeline): Promise<string[]> {
  const rows = (await p.redis.xinfo('CONSUMERS', p.stream, p.group)) as unknown[][];
  return rows.map((r) => String(r[r.indexOf('name') + 1])).sort();
}

/** Two workers, then two ingests with distinct consumer names; returns once both ingests read the group. */
async function startTwoOfEach(p: Pipeline, env: Record<string, string> = {}) {
  const workers = [await p.worker(env), await p.worker(env)];
  const ingests = [await p.ingest({ ...env, INGEST_CONSUMER: 'ingest-a' }), await p.ingest({ ...env, INGEST_CONSUMER: 'ingest-b' })];
  // The group learns a consumer at its first XREADGROUP: both must be reading before anything is published.
  await p.waitFor('both ingests reading the group', async () => (await consumers(p)).length === 2, 30_000);
  expect(await consumers(p)).toEqual(['ingest-a', 'ingest-b']); // INGEST_CONSUMER taken: two consumers, not one host-named
  return { workers, ingests };
}

/**
 * Every published alert: its key POSTed exactly once and answered 2xx, its document `delivered`, nothing left
 * pending or unread in the group, one workflow per alert on the task queue.
 */
async function expectDeliveredOnce(p: Pipeline, temporal: Client, ids: string[]): Promise<void> {
  const keys = ids.map((id) => p.key(id)).sort();
  const postsPerKey = new Map<string, number>();
  for (const post of p.receiver.posts) postsPerKey.set(post.key, (postsPerKey.get(post.key) ?? 0) + 1);
  expect([...postsPerKey.keys()].sort()).toEqual(keys);
  expect([...postsPerKey.entries()].filter(([, n]) => n !== 1)).toEqual([]); // a repeat: effectively-once broke
  expect([...p.receiver.deliveredKeys()].sort()).toEqual(keys);

  await p.os.indices.refresh({ index: p.index });
  const docs = await p.waitFor('every document delivered', async () => {
    const res = await p.os.mget({ index: p.index, body: { ids: keys } });
    const found = (res.body.docs as Array<{ _id: string; found?: boolean; _source?: Record<string, any> }>);
    return found.every((d) => d._source?.delivered === true) && found;
  }, 60_000);
  expect(docs.map((d) => [d._id, d._source?.deliveryStatus, d._source?.workflowId])).toEqual(keys.map((k) => [k, 'delivered', k]));

  await p.waitFor('nothing pending, nothing unread', async () => (await p.pending()) === 0 && (await p.lag()) === 0, 30_000);
  await p.waitFor('one workflow per alert visible', async () => (await temporal.workflow.count(`TaskQueue = "${p.taskQueue}"`)).count === ids.length, 30_000);
}

/** SIGTERM (a clean stop, exit 0) and the stats the ingest logs as it stops. */
async function stopIngest(proc: ServiceProcess): Promise<Record<string, any>> {
  expect(await proc.kill('SIGTERM')).toBe(0);
  const stats = lastLogLine(proc.output(), 'ingest stopped');
  if (!stats) throw new Error(`no "ingest stopped" line; its output ends:\n${proc.output().slice(-2000)}`);
  expect(stats).toMatchObject({ rejected: 0, givenUp: 0 }); // every entry was a valid alert, handed over
  return stats;
}

function countBy<T>(items: T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of items) out[key(t)] = (out[key(t)] ?? 0) + 1;
  return out;
}

describe('scale-out: two workers and two ingests on one stream', () => {
  it('deliver every alert exactly once, and both ingests start and both workers run some of them', async () => {
    const N = 300;
    const p = await new Pipeline().start();
    try {
      const temporal = await p.temporal();
      const { workers, ingests } = await startTwoOfEach(p);
      const t0 = Date.now();
      const ids = await Promise.all(Array.from({ length: N }, (_, i) => p.publish(alertEvent({ alertId: `scale-${i}` }))));
      await p.receiver.waitFor(() => p.receiver.deliveredKeys().size === N, 240_000);
      const seconds = (Date.now() - t0) / 1000;
      await expectDeliveredOnce(p, temporal, ids);

      // Who started what: the ingest's own stats (logged on stop) and, per workflow, the start request's identity.
      const [a, b] = await Promise.all(ingests.map(stopIngest));
      const runs = await readDeliveryRuns(temporal, ids.map((id) => p.key(id)));
      const startedBy = countBy(runs, (r) => r.startedBy);
      expect(startedBy).toEqual({ [identity(ingests[0])]: a.started, [identity(ingests[1])]: b.started });
      expect(a.started + b.started).toBe(N); // a workflow ID starts once (REJECT_DUPLICATE): the rest are duplicates
      expect(a.started).toBeGreaterThan(0);
      expect(b.started).toBeGreaterThan(0);

      // Who ran what: the identity of the worker that picked up each workflow task and activity task.
      const workerIds = workers.map(identity);
      const wfTasks = countBy(runs.flatMap((r) => r.workflowWorkers), (w) => w);
      const actTasks = countBy(runs.flatMap((r) => r.activityWorkers), (w) => w);
      expect(Object.keys(wfTasks).sort()).toEqual([...workerIds].sort()); // both, and no other process
      // Regular activity tasks appear only when a notification does not finish as a local activity.
      expect(Object.keys(actTasks).every((w) => workerIds.includes(w))).toBe(true);

      process.stdout.write(
        `scale-out: ${N} alerts in ${seconds.toFixed(1)} s (${(N / seconds).toFixed(1)}/s, 2 workers + 2 ingests, one 2-core machine); `
        + `started by ingest-a ${a.started}, ingest-b ${b.started} (duplicates ${a.duplicates}+${b.duplicates}); `
        + `workflow tasks per worker ${JSON.stringify(Object.values(wfTasks))}, `
        + `activity tasks per worker ${JSON.stringify(Object.values(actTasks))}; events of one run ${JSON.stringify(runs[0].eventTypes)}\n`,
      );
    } finally {
      await p.stop();
    }
  });

  it('INGEST_MAX_IN_FLIGHT is global: two ingests together never have more deliveries pending than the limit', async () => {
    // How src/ingestor.ts computes room (roomInFlight): new entries are read only while
    //   (visibility count of Running + `pending` deliveries on the task queue, at most 1 s old)
    //   + (entries reserved by ANY ingest of the stream in the last VISIBILITY_LAG_MS, in the shared Redis
    //      ledger `<stream>:in-flight`)  <  INGEST_MAX_IN_FLIGHT,
    // and an ingest that reserved room counts the ledger again and gives back what exceeds the limit.
    //
    // Deterministic, both ways. Idle, an ingest reserves its room, then blocks in XREADGROUP with it. The burst
    // lands in one MULTI, so Redis hands every blocked reader a full batch at once, and each reader's room is all
    // it may start before the deliveries show in the visibility count. With the ledger shared, the room all ingests
    // hold at once is at most MAX whatever the interleaving: the limit holds. Were each ingest to count only its
    // own reservations (a per-ingest ledger), each would hold MAX when the burst lands: 2 × MAX in flight, every run.
    const MAX = 20;
    const N = 100;
    const DELAY_MS = 2_000; // the receiver answers slowly, so deliveries stay pending
    const p = await new Pipeline({ behaviour: () => ({ status: 200, delayMs: DELAY_MS }), channel: { timeout: '5s' } }).start();
    try {
      const temporal = await p.temporal();
      const { ingests } = await startTwoOfEach(p, { INGEST_MAX_IN_FLIGHT: String(MAX) });

      const ids = await p.publishAtOnce(Array.from({ length: N }, (_, i) => alertEvent({ alertId: `limit-${i}` })));
      await p.receiver.waitFor(() => p.receiver.deliveredKeys().size === N, 240_000);
      await expectDeliveredOnce(p, temporal, ids);

      // Exact peaks from the histories (server clock): each delivery is in flight from its start until the
      // upsert that records its outcome (AlertDeliveryStatus leaves `pending`).
      const runs = await readDeliveryRuns(temporal, ids.map((id) => p.key(id)));
      const perIngest = ingests.map((proc) => peakOverlap(runs.filter((r) => r.startedBy === identity(proc)).map((r) => [r.startedAt, r.pendingUntil])));
      const total = peakOverlap(runs.map((r) => [r.startedAt, r.pendingUntil]));
      // Requests open at the receiver at once (each delivery holds one for DELAY_MS): a lower bound on the above.
      const openPosts = peakOverlap(p.receiver.posts.map((post) => [post.at, post.at + DELAY_MS]));
      const stats = await Promise.all(ingests.map(stopIngest));
      process.stdout.write(
        `in-flight limit ${MAX}, 2 ingests, ${N} alerts in one burst, receiver ${DELAY_MS} ms: exact peak per ingest ${perIngest.map((x) => x.peak).join(' / ')}, `
        + `both ${total.peak}; receiver requests open at once ${openPosts.peak}; started ${stats.map((s) => s.started).join(' / ')}\n`,
      );

      expect(runs.every((r) => ingests.some((proc) => r.startedBy === identity(proc)))).toBe(true);
      // The limit was reached and held: the burst's first read takes all the room there is (MAX starts, each pending
      // for DELAY_MS at least), so the peak is MAX exactly, together; 2 × MAX with per-ingest accounting.
      expect(total.peak).toBe(MAX);
      for (const x of perIngest) expect(x.peak).toBeLessThanOrEqual(MAX);
      expect(openPosts.peak).toBeLessThanOrEqual(MAX);
      expect(stats.reduce((sum, s) => sum + Number(s.started), 0)).toBe(N);
    } finally {
      await p.stop();
    }
  });
});
