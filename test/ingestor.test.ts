// The Ingestor in-process, on the real Redis, Temporal and OpenSearch, with faults injected into one
// entry's handling: cursor phases, per-entry isolation of a poison entry (bounded by the stream's
// delivery count, then a terminal record or the dead-letter stream), outages that never use up an
// entry's attempts, a consumer group deleted under it (NOGROUP), and stop().
import type { Client as OpenSearch } from '@opensearch-project/opensearch';
import { Client, Connection } from '@temporalio/client';
import type Redis from 'ioredis';
import { loadChannelsFile } from '../src/channels/config';
import { ChannelRegistry } from '../src/channels/registry';
import { loadConfig, type ServiceConfig } from '../src/config';
import { StoreRefusedError } from '../src/errors';
import { Ingestor } from '../src/ingestor';
import { createLogger } from '../src/logger';
import { AlertStore } from '../src/store';
import { alertEvent } from './helpers/alerts';
import { writeChannelsFile } from './helpers/processes';
import { OPENSEARCH_URL, REDIS_URL, TEMPORAL_CONNECTION, TEMPORAL_ENV, cleanup, opensearch, redis, terminateOpen, uid } from './helpers/stack';

jest.setTimeout(60_000);

let connection: Connection;
let temporal: Client;
let r: Redis;
let os: OpenSearch;
const streams: string[] = [];
const indices: string[] = [];
const queues: string[] = [];

beforeAll(async () => {
  connection = await Connection.connect(TEMPORAL_CONNECTION);
  temporal = new Client({ connection });
  r = redis();
  os = opensearch();
});
afterAll(async () => {
  for (const q of queues) await terminateOpen(temporal, q);
  await cleanup(r, os, streams, indices);
  await connection.close();
  r.disconnect();
  await os.close();
});

/** A gRPC-shaped error, as the Temporal client throws it (code 3 INVALID_ARGUMENT, 14 UNAVAILABLE). */
const grpcError = (code: number, message: string) => Object.assign(new Error(message), { code });

interface Fixture {
  cfg: ServiceConfig;
  ingestor: Ingestor;
  store: AlertStore;
  /** Alert IDs in the order Temporal was asked to start them (every call, failed or not). */
  starts: string[];
  /** XREADGROUP calls the ingestor made so far (the read loop's passes). */
  reads: () => number;
  run: Promise<void>;
  publish: (alertId: string) => Promise<string>;
  stop: () => Promise<void>;
}

/** An ingestor on its own stream, index and task queue; `startFault` may throw for a start call. */
async function ingestor(env: Record<string, string> = {}, startFault?: (alertId: string, call: number) => Error | undefined): Promise<Omit<Fixture, 'run'> & { begin: () => Promise<void> }> {
  const stream = uid('ingest');
  const index = uid('ingest');
  const taskQueue = uid('ingest');
  streams.push(stream, `${stream}:dead-letter`);
  indices.push(index);
  queues.push(taskQueue);
  const cfg = loadConfig('ingest', {
    REDIS_URL, ...TEMPORAL_ENV, OPENSEARCH_URL, ALERT_STREAM: stream, ALERT_INDEX: index, TEMPORAL_TASK_QUEUE: taskQueue,
    INGEST_CONSUMER: 'c1', INGEST_BLOCK: '100ms', INGEST_MAX_IN_FLIGHT: '0', CHANNELS_FILE: writeChannelsFile({ hook: { url: 'http://127.0.0.1:9/x' } }), ...env,
  });
  const store = new AlertStore(os, index);
  await store.ensureIndex();
  const starts: string[] = [];
  const calls = new Map<string, number>();
  const client = new Client({ connection });
  const realStart = client.workflow.start.bind(client.workflow);
  jest.spyOn(client.workflow, 'start').mockImplementation(((type: string, opts: { args: [{ event: { alertId: string } }] }) => {
    const alertId = opts.args[0].event.alertId;
    starts.push(alertId);
    calls.set(alertId, (calls.get(alertId) ?? 0) + 1);
    const fault = startFault?.(alertId, calls.get(alertId)!);
    return fault ? Promise.reject(fault) : realStart(type, opts as never);
  }) as never);
  const log = createLogger('ingest-test', 'silent');
  const own = redis(); // stop() disconnects the ingestor's client: not the shared one
  const reads = jest.spyOn(own, 'xreadgroup');
  const ing = new Ingestor({ cfg, log, redis: own, client, store, channels: new ChannelRegistry(loadChannelsFile(cfg.channelsFile, process.env), taskQueue) });
  let run: Promise<void> | undefined;
  return {
    cfg, ingestor: ing, store, starts, reads: () => reads.mock.calls.length,
    begin: async () => {
      run = ing.run();
      for (let i = 0; i < 100 && !ing.running; i++) await new Promise((res) => setTimeout(res, 20));
    },
    publish: async (alertId) => (await r.xadd(stream, '*', 'event', JSON.stringify(alertEvent({ alertId }))))!,
    stop: async () => {
      ing.stop();
      await run;
      own.disconnect();
    },
  };
}

async function until(what: string, fn: () => Promise<boolean> | boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

const pending = async (f: { cfg: ServiceConfig }) => Number(((await r.xpending(f.cfg.stream, f.cfg.group)) as [number])[0]);

describe('Ingestor', () => {
  it('re-reads its own pending entries first (a crash between read and ack), then new ones', async () => {
    const f = await ingestor();
    await f.ingestor.ensureGroup();
    for (const a of ['old-1', 'old-2']) await f.publish(a);
    // A previous life of consumer c1 read them and died before acking.
    await r.xreadgroup('GROUP', f.cfg.group, 'c1', 'COUNT', 10, 'STREAMS', f.cfg.stream, '>');
    for (const a of ['new-1', 'new-2']) await f.publish(a);
    await f.begin();
    await until('4 started', () => f.starts.length === 4);
    expect(f.starts.slice(0, 2).sort()).toEqual(['old-1', 'old-2']);
    expect(f.starts.slice(2).sort()).toEqual(['new-1', 'new-2']);
    await until('all acked', async () => (await pending(f)) === 0);
    await f.stop();
    expect(f.ingestor.running).toBe(false);
    expect(f.ingestor.stats).toMatchObject({ started: 4, givenUp: 0 });
  });

  it('a poison entry is retried on its own, does not hold up the entries behind it, and is given up after INGEST_MAX_ATTEMPTS as rejected', async () => {
    const f = await ingestor({ INGEST_MAX_ATTEMPTS: '3' }, (alertId) => (alertId === 'poison' ? grpcError(3, '3 INVALID_ARGUMENT: search attribute value too long') : undefined));
    await f.begin();
    const poisonId = await f.publish('poison');
    for (let i = 0; i < 5; i++) await f.publish(`behind-${i}`);
    await until('the 5 behind it started', () => f.starts.filter((a) => a.startsWith('behind-')).length === 5, 10_000);
    // They were started while the poison entry still had attempts left.
    expect(f.starts.filter((a) => a === 'poison').length).toBeLessThan(3);
    await until('poison recorded', async () => (await f.store.get(`${f.cfg.stream}:${poisonId}`)) !== undefined);
    const doc = (await f.store.get(`${f.cfg.stream}:${poisonId}`))!;
    expect(doc).toMatchObject({ deliveryStatus: 'rejected', delivered: false, streamId: poisonId });
    expect(doc.rejectReason).toBe('given up after 3 attempts to hand it over: 3 INVALID_ARGUMENT: search attribute value too long');
    expect(f.starts.filter((a) => a === 'poison')).toHaveLength(3);
    await until('nothing pending', async () => (await pending(f)) === 0);
    // Five more passes of the read loop after the ack (not a sleep: its XREADGROUP calls): none came back to it.
    const passes = f.reads();
    await until('five more passes of the read loop', () => f.reads() >= passes + 5);
    expect(f.starts.filter((a) => a === 'poison')).toHaveLength(3);
    expect(f.ingestor.stats.givenUp).toBe(1);
    await f.stop();
  });

  it('a poison entry whose rejection is refused too goes to the dead-letter stream with the reason and its fields, then is acked', async () => {
    const f = await ingestor({ INGEST_MAX_ATTEMPTS: '2' }, (alertId) => (alertId === 'poison' ? grpcError(3, '3 INVALID_ARGUMENT: bad') : undefined));
    const reject = f.store.reject.bind(f.store);
    jest.spyOn(f.store, 'reject').mockImplementation((id, messageId, reason, fields, known) =>
      (reason.startsWith('given up') ? Promise.reject(new StoreRefusedError('reject', 403, 'cluster_block_exception', 'index read-only')) : reject(id, messageId, reason, fields, known)));
    await f.begin();
    const poisonId = await f.publish('poison');
    await until('dead-lettered', async () => (await r.xlen(f.cfg.ingest.deadLetterStream)) === 1);
    const [[, fields]] = (await r.xrange(f.cfg.ingest.deadLetterStream, '-', '+')) as [string, string[]][];
    const m = new Map<string, string>();
    for (let i = 0; i < fields.length; i += 2) m.set(fields[i], fields[i + 1]);
    expect(m.get('messageId')).toBe(poisonId);
    expect(m.get('stream')).toBe(f.cfg.stream);
    expect(m.get('reason')).toMatch(/^given up after 2 attempts to hand it over: 3 INVALID_ARGUMENT: bad; rejection refused: OpenSearch refused the reject \(403 cluster_block_exception\)/);
    expect(JSON.parse(m.get('event')!)).toMatchObject({ alertId: 'poison' });
    await until('acked', async () => (await pending(f)) === 0);
    await f.stop();
  });

  it('an outage (UNAVAILABLE) never uses up attempts: after it, every entry is started, none given up', async () => {
    let outage = true;
    const f = await ingestor({ INGEST_MAX_ATTEMPTS: '2' }, () => (outage ? grpcError(14, '14 UNAVAILABLE: connection refused') : undefined));
    await f.begin();
    const ids = [await f.publish('during-1'), await f.publish('during-2')];
    await until('several failed passes', () => f.starts.length >= 6, 20_000);
    const counts = (await r.xpending(f.cfg.stream, f.cfg.group, '-', '+', 10)) as [string, string, number, number][];
    expect(Math.max(...counts.map((c) => Number(c[3])))).toBeGreaterThan(2); // past INGEST_MAX_ATTEMPTS deliveries
    outage = false;
    await until('acked after the outage', async () => (await pending(f)) === 0, 40_000);
    expect(f.ingestor.stats.givenUp).toBe(0);
    for (const id of ids) expect(await f.store.get(`${f.cfg.stream}:${id}`)).toBeUndefined(); // no rejection written
    const started = await temporal.workflow.count(`TaskQueue = "${f.cfg.taskQueue}"`);
    await until('visible', async () => (await temporal.workflow.count(`TaskQueue = "${f.cfg.taskQueue}"`)).count === 2, 10_000);
    expect(started.count).toBeLessThanOrEqual(2);
    await f.stop();
  });

  it('a consumer group deleted under it (NOGROUP) is re-created and reading goes on', async () => {
    const f = await ingestor();
    await f.begin();
    await f.publish('before');
    await until('first started', () => f.starts.includes('before'));
    await r.xgroup('DESTROY', f.cfg.stream, f.cfg.group);
    await f.publish('after');
    await until('second started', () => f.starts.includes('after'), 20_000);
    expect(f.ingestor.stats.errors).toBeGreaterThanOrEqual(1);
    await f.stop();
  });
});
