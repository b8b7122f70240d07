// An end-to-end fixture: a unique stream/group/index/task queue, a real receiver, and the real
// worker and ingest processes pointed at them. Everything is torn down and deleted afterwards.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client as OpenSearch } from '@opensearch-project/opensearch';
import type Redis from 'ioredis';
import type { AlertEvent } from '../../src/contracts/alert';
import { serviceEnv, startProcess, writeChannelsFile, type ServiceProcess } from './processes';
import { TestReceiver, type Behaviour } from './receiver';
import { Client as TemporalClient, Connection } from '@temporalio/client';
import type { temporal as proto } from '@temporalio/proto';

type HistoryEvent = proto.api.history.v1.IHistoryEvent;
import { TEMPORAL_CONNECTION, cleanup, opensearch, redis, terminateOpen, uid } from './stack';

export interface PipelineOptions {
  behaviour?: Behaviour;
  /** The Redis the test publishes to (default: the stack's); the services get theirs from `env`. */
  redis?: () => Redis;
  channel?: { timeout?: string; retry?: Record<string, unknown> };
  env?: Record<string, string>;
}

export class Pipeline {
  readonly stream = uid('alerts');
  readonly group = 'alert-processor';
  readonly index = uid('alerts');
  readonly taskQueue = uid('delivery');
  private redisClient?: Redis;
  readonly os: OpenSearch = opensearch();
  receiver!: TestReceiver;
  channelsFile!: string;
  private procs: ServiceProcess[] = [];
  private connection?: Promise<Connection>;

  constructor(private readonly opts: PipelineOptions = {}) {}

  /** The test's own Redis client (made on first use, so a custom one may depend on a server started in beforeAll). */
  get redis(): Redis {
    this.redisClient ??= (this.opts.redis ?? redis)();
    return this.redisClient;
  }

  async start(): Promise<this> {
    this.receiver = await new TestReceiver(this.opts.behaviour).start();
    this.channelsFile = writeChannelsFile({
      hook: { url: this.receiver.url, timeout: this.opts.channel?.timeout ?? '3s', retry: this.opts.channel?.retry ?? { initialInterval: '200ms', maximumInterval: '1s', maximumAttempts: 20 } },
    });
    return this;
  }

  /**
   * Replaces the channels file (before the processes start): the webhook channel `hook` to the receiver, then
   * these YAML lines (routes, inhibit_rules, …). Deleted by stop().
   */
  useHookWith(lines: string[]): void {
    if (this.channelsFile?.includes('alert-channels-')) fs.rmSync(path.dirname(this.channelsFile), { recursive: true, force: true });
    this.channelsFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'alert-channels-')), 'channels.yaml');
    fs.writeFileSync(this.channelsFile, [
      'channels:',
      '  hook:', '    type: webhook', `    url: ${this.receiver.url}`, '    timeout: 3s',
      '    retry: { initialInterval: 200ms, maximumInterval: 1s, maximumAttempts: 5 }',
      ...lines,
      '',
    ].join('\n'));
  }

  /** A Temporal client on the stack's server (one connection per pipeline, closed by stop()). */
  async temporal(): Promise<TemporalClient> {
    this.connection ??= Connection.connect(TEMPORAL_CONNECTION);
    return new TemporalClient({ connection: await this.connection });
  }

  env(extra: Record<string, string> = {}): Record<string, string> {
    return serviceEnv({ stream: this.stream, group: this.group, index: this.index, taskQueue: this.taskQueue, channelsFile: this.channelsFile, extra: { ...this.opts.env, ...extra } });
  }

  async worker(extra: Record<string, string> = {}): Promise<ServiceProcess> {
    const p = startProcess('worker', this.env(extra));
    this.procs.push(p);
    await p.waitForLine(/"worker started"/);
    return p;
  }

  /** The combined process (worker + ingest in one, eager starts): src/combined.ts. */
  async combined(extra: Record<string, string> = {}): Promise<ServiceProcess> {
    const p = startProcess('combined', this.env({ INGEST_CONSUMER: 'combined-1', ...extra }));
    this.procs.push(p);
    await p.waitForLine(/"combined worker and ingest started"/);
    return p;
  }

  async ingest(extra: Record<string, string> = {}): Promise<ServiceProcess> {
    const p = startProcess('ingest', this.env({ INGEST_CONSUMER: 'ingest-1', ...extra }));
    this.procs.push(p);
    await p.waitForLine(/"start-up checks passed"/);
    return p;
  }

  async publish(event: AlertEvent | Record<string, unknown>): Promise<string> {
    return (await this.redis.xadd(this.stream, '*', 'event', JSON.stringify(event)))!;
  }

  /**
   * Publishes the events in one MULTI/EXEC: Redis adds them all before it serves any blocked reader, so every
   * consumer blocked in XREADGROUP gets a full batch at once. Returns their message IDs, in order.
   */
  async publishAtOnce(events: Array<AlertEvent | Record<string, unknown>>): Promise<string[]> {
    const multi = this.redis.multi();
    for (const event of events) multi.xadd(this.stream, '*', 'event', JSON.stringify(event));
    const results = (await multi.exec()) ?? [];
    return results.map(([err, id]) => {
      if (err) throw err;
      return id as string;
    });
  }

  async publishRaw(...fields: string[]): Promise<string> {
    return (await this.redis.xadd(this.stream, '*', ...fields))!;
  }

  async pending(): Promise<number> {
    const res = (await this.redis.xpending(this.stream, this.group)) as [number, ...unknown[]];
    return Number(res[0]);
  }

  /** The consumer group's lag (XINFO GROUPS): entries not yet read by any consumer (0 when Redis cannot tell). */
  async lag(): Promise<number> {
    return Number((await this.groupInfo()).lag ?? 0);
  }

  /** True when the group has read the stream's last entry and acked all it read (exact, unlike `lag` after SETID). */
  async allReadAndAcked(): Promise<boolean> {
    const stream = (await this.redis.xinfo('STREAM', this.stream)) as unknown[];
    const last = String(stream[stream.indexOf('last-generated-id') + 1]);
    return (await this.groupInfo())['last-delivered-id'] === last && (await this.pending()) === 0;
  }

  private async groupInfo(): Promise<Record<string, unknown>> {
    const groups = (await this.redis.xinfo('GROUPS', this.stream)) as unknown[][];
    const g = groups.find((x) => x[x.indexOf('name') + 1] === this.group);
    if (!g) throw new Error(`no group ${this.group} on ${this.stream}`);
    const fields: Record<string, unknown> = {};
    for (let i = 0; i + 1 < g.length; i += 2) fields[String(g[i])] = g[i + 1];
    return fields;
  }

  /** The delivery ID of a stream message: the document `_id` and every channel's idempotency key. */
  key(messageId: string): string {
    return `${this.stream}:${messageId}`;
  }

  /**
   * When the delivery of a stream message reached its first history event that `matches` (ms), reading only the
   * first page of its history: e.g. its start (event 1), or the server handing its first task to a worker.
   */
  async firstEventAt(messageId: string, matches: (e: HistoryEvent) => boolean, pageSize: number): Promise<number> {
    const page = await (await this.temporal()).workflowService.getWorkflowExecutionHistory({
      namespace: 'default', execution: { workflowId: this.key(messageId) }, maximumPageSize: pageSize,
    });
    const t = page.history!.events!.find(matches)!.eventTime!;
    return Number(t.seconds) * 1000 + (t.nanos ?? 0) / 1e6;
  }

  /** The rank (0 = first) of `messageId` among `messageIds` by firstEventAt. */
  async rankByFirstEvent(messageIds: string[], messageId: string, matches: (e: HistoryEvent) => boolean, pageSize: number): Promise<number> {
    const at = await Promise.all(messageIds.map(async (id) => ({ id, at: await this.firstEventAt(id, matches, pageSize) })));
    return at.sort((a, b) => a.at - b.at).findIndex((x) => x.id === messageId);
  }

  /** The alert document of a stream message ID (its `_id` is the delivery ID `<stream>:<message ID>`). */
  async doc(messageId: string): Promise<Record<string, any> | undefined> {
    try {
      const res = await this.os.get({ index: this.index, id: this.key(messageId) });
      return res.body._source as Record<string, any>;
    } catch {
      return undefined;
    }
  }

  /**
   * Waits until the delivery's run has closed. Its document says `delivered` a moment before (the record is a
   * local activity inside the workflow task that completes the run): a test that needs the run gone (e.g. so
   * that a resolve finds it closed) waits for this, not for the document.
   */
  async closed(messageId: string, timeoutMs = 30_000): Promise<void> {
    const handle = (await this.temporal()).workflow.getHandle(this.key(messageId));
    await this.waitFor(`${this.key(messageId)} closed`, async () => (await handle.describe()).status.name !== 'RUNNING', timeoutMs);
  }

  async waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await fn();
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async stop(): Promise<void> {
    if (process.env.DEBUG_PIPELINE) for (const proc of this.procs) process.stdout.write(`--- ${proc.child.spawnfile} ${String(proc.child.spawnargs.at(-1))}\n${proc.output().slice(-6000)}\n`);
    await Promise.all(this.procs.map((p) => p.kill('SIGKILL')));
    await terminateOpen(await this.temporal(), this.taskQueue);
    await (await this.connection)?.close();
    await this.receiver?.stop();
    await cleanup(this.redis, this.os, [this.stream], [this.index]);
    if (this.channelsFile?.includes('alert-channels-')) fs.rmSync(path.dirname(this.channelsFile), { recursive: true, force: true });
    this.redis.disconnect();
    await this.os.close();
  }
}

/** Each alert once, in the order its first POST reached the receiver (a retried POST is not a second place). */
export function arrivalOrder(p: Pipeline): string[] {
  return [...new Set(p.receiver.posts.map((x) => x.json?.data?.alertId as string))];
}
