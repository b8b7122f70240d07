// Smoke tests: the real stack is reachable from jest through the shared fixtures.
import { Worker } from '@temporalio/worker';
import { cleanup, devServerEnv, opensearch, redis, timeSkippingEnv, uid } from './helpers/stack';

const workflowsPath = require.resolve('./workflows/smoke');

describe('Temporal dev server (scripts/stack)', () => {
  it('runs a trivial workflow', async () => {
    const env = await devServerEnv();
    const taskQueue = uid('smoke');
    try {
      const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath });
      const result = await worker.runUntil(env.client.workflow.execute('hello', { taskQueue, workflowId: uid('wf'), args: ['stack'] }));
      expect(result).toBe('hello stack');
    } finally {
      await env.teardown();
    }
  });
});

describe('time-skipping test server', () => {
  it('completes a one-day timer in well under a second of wall time', async () => {
    const env = await timeSkippingEnv();
    const taskQueue = uid('smoke');
    try {
      const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath });
      const t0 = Date.now();
      const result = await worker.runUntil(env.client.workflow.execute('sleepADay', { taskQueue, workflowId: uid('wf') }));
      const wallMs = Date.now() - t0;
      expect(result).toBe('woke up');
      expect(wallMs).toBeLessThan(5_000); // a day of workflow time; the figure is printed, not tuned against
      process.stdout.write(`one-day timer took ${wallMs} ms of wall time\n`);
    } finally {
      await env.teardown();
    }
  });
});

describe('Redis', () => {
  it('XADD then XREADGROUP returns the entry', async () => {
    const r = redis();
    const stream = uid('stream');
    try {
      await r.xgroup('CREATE', stream, 'g', '0', 'MKSTREAM');
      const id = await r.xadd(stream, '*', 'event', '{"x":1}');
      const res = (await r.xreadgroup('GROUP', 'g', 'c', 'COUNT', 10, 'STREAMS', stream, '>')) as [string, [string, string[]][]][];
      expect(res[0][1]).toEqual([[id, ['event', '{"x":1}']]]);
      expect(await r.xack(stream, 'g', id!)).toBe(1);
    } finally {
      await cleanup(r, undefined, [stream], []);
      r.disconnect();
    }
  });
});

describe('OpenSearch', () => {
  it('creates an index and round-trips a document', async () => {
    const os = opensearch();
    const index = uid('smoke');
    try {
      await os.indices.create({ index, body: { mappings: { dynamic: 'strict', properties: { view: { type: 'keyword' } } } } as never });
      await os.index({ index, id: 'doc-1', body: { view: 'prod' }, refresh: true });
      const got = await os.get({ index, id: 'doc-1' });
      expect(got.body._source).toEqual({ view: 'prod' });
      const hits = await os.search({ index, body: { query: { term: { view: 'prod' } } } });
      expect((hits.body.hits.total as { value: number }).value).toBe(1);
    } finally {
      await cleanup(undefined, os, [], [index]);
      await os.close();
    }
  });
});
