// The direct baseline of the benchmark, built like a plain stream processor (the Forta/Go shape):
// a pool of workers that XREADGROUP the stream, persist each alert to OpenSearch (op_type create),
// POST it to the channels with the same headers (the service's own webhook channel), update
// `delivered: true`, and XACK. No Temporal: retries live in memory, a crash leaves the entry pending.
//
//   node dist/scripts/baseline.js      (same environment as the service, plus:)
//     BASELINE_CONCURRENCY  32          alerts in flight at once
//     BASELINE_CONSUMER     baseline-1  consumer name in the group
//
// It uses the service's config, parser, store and channels, so the only difference from the
// Temporal path is the orchestration. Prints "baseline started" once it reads.
import { parseEntry } from '../src/alert-event';
import { loadChannelsFile } from '../src/channels/config';
import { ChannelRegistry } from '../src/channels/registry';
import { loadConfig } from '../src/config';
import { InvalidEntryError, PermanentDeliveryError, TransientDeliveryError } from '../src/errors';
import { ensureGroup } from '../src/stream-group';
import { createLogger } from '../src/logger';
import { connectRedis } from '../src/connections/redis';
import type { ChannelPlan, ChannelResult } from '../src/contracts/channels';
import type { DeliveryState } from '../src/contracts/delivery';
import { workflowIdFor } from '../src/contracts/ids';
import { opensearchClient } from '../src/connections/opensearch';
import { AlertStore } from '../src/store';

type Entry = [id: string, fields: string[] | null];

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const cfg = loadConfig('tool');
  const log = createLogger('baseline', cfg.logLevel);
  const concurrency = Number(process.env.BASELINE_CONCURRENCY ?? 32);
  const consumer = process.env.BASELINE_CONSUMER ?? 'baseline-1';
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1000) throw new Error('BASELINE_CONCURRENCY: a whole number from 1 to 1000');
  const channels = new ChannelRegistry(loadChannelsFile(cfg.channelsFile, process.env));
  const reader = connectRedis(cfg.redis, { maxRetriesPerRequest: null });
  const redis = connectRedis(cfg.redis, { maxRetriesPerRequest: null });
  for (const r of [reader, redis]) r.on('error', (e: Error) => log.warn({ err: e.message }, 'redis connection error'));
  const store = new AlertStore(opensearchClient(cfg.opensearch), cfg.index, cfg.opensearch.index);
  await store.ensureIndex();
  await ensureGroup(redis, cfg.stream, cfg.group);

  let stopping = false;
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => (stopping = true));
  const stats = { done: 0, rejected: 0, failed: 0 };

  /** Retries a store call until it answers (the bench's stores come back). */
  async function persistently<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let delay = 200; ; delay = Math.min(delay * 2, 5_000)) {
      try {
        return await fn();
      } catch (e) {
        if (stopping) throw e;
        log.warn({ err: (e as Error).message, what }, 'store call failed; retrying');
        await sleep(delay);
      }
    }
  }

  /** One channel, with the channel's own retry policy (in memory). */
  async function notify(plan: ChannelPlan, id: string, req: { stream: string; receivedAt: string; event: ReturnType<typeof parseEntry> }): Promise<ChannelResult> {
    const channel = channels.get(plan.name)!;
    const retry = plan.retry;
    let delay = Number(retry.initialInterval ?? 1000);
    const maxDelay = Number(retry.maximumInterval ?? 60_000);
    const maxAttempts = retry.maximumAttempts ?? 0;
    for (let attempt = 1; ; attempt++) {
      try {
        await channel.send({ channel: plan.name, deliveryId: workflowIdFor(req.stream, id), messageId: id, workflowId: workflowIdFor(req.stream, id), receivedAt: req.receivedAt, event: req.event }, AbortSignal.timeout(plan.timeoutMs));
        return { channel: plan.name, status: 'delivered', required: plan.required, attempts: attempt, lastError: null, lastErrorType: null, deliveredAt: new Date().toISOString() };
      } catch (e) {
        const err = e as Error;
        const permanent = err instanceof PermanentDeliveryError;
        if (permanent || (maxAttempts > 0 && attempt >= maxAttempts) || stopping) {
          return { channel: plan.name, status: 'failed', required: plan.required, attempts: attempt, lastError: err.message, lastErrorType: err.name, deliveredAt: null };
        }
        const retryAfter = err instanceof TransientDeliveryError ? err.retryAfterMs : undefined;
        await sleep(retryAfter ?? delay);
        delay = Math.min(delay * Number(retry.backoffCoefficient ?? 2), maxDelay);
      }
    }
  }

  async function handle([id, fields]: Entry): Promise<void> {
    let event;
    try {
      event = parseEntry(fields, cfg.ingest);
    } catch (e) {
      if (!(e instanceof InvalidEntryError)) throw e;
      await persistently('reject', () => store.reject(workflowIdFor(cfg.stream, id), id, e.reason, fields));
      await redis.xack(cfg.stream, cfg.group, id);
      stats.rejected++;
      return;
    }
    const req = { stream: cfg.stream, group: cfg.group, messageId: id, deliveryId: workflowIdFor(cfg.stream, id), receivedAt: new Date().toISOString(), event };
    const { delivered } = await persistently('persist', () => store.createIfAbsent(req));
    if (!delivered) {
      const results = await Promise.all(channels.plan(event).map((plan) => notify(plan, id, req)));
      const failed = results.some((r) => r.required && r.status !== 'delivered');
      const state: DeliveryState = { status: failed ? 'failed' : 'delivered', channels: results, rounds: 1, parkedAt: failed ? new Date().toISOString() : null, abandonReason: null };
      await persistently('record', () => store.record(workflowIdFor(cfg.stream, id), state));
      if (failed) stats.failed++;
    }
    await redis.xack(cfg.stream, cfg.group, id);
    stats.done++;
  }

  // One reader fills a bounded queue; `concurrency` lanes take from it.
  const queue: Entry[] = [];
  let wakeLanes: (() => void)[] = [];
  let wakeReader: (() => void) | undefined;
  let readerDone = false;

  const readerLoop = async () => {
    let cursor = '0'; // own pending entries first (a crash left them unacked), then new ones
    while (!stopping) {
      if (queue.length >= concurrency) {
        await new Promise<void>((r) => (wakeReader = r));
        continue;
      }
      try {
        const res = (await reader.xreadgroup(
          'GROUP', cfg.group, consumer, 'COUNT', Math.max(cfg.ingest.batchSize, concurrency), 'BLOCK', cfg.ingest.blockMs, 'STREAMS', cfg.stream, cursor,
        )) as [string, Entry[]][] | null;
        const entries = res?.[0]?.[1] ?? [];
        if (cursor !== '>') {
          if (!entries.length) cursor = '>';
          else cursor = entries[entries.length - 1][0];
        }
        queue.push(...entries);
        const w = wakeLanes;
        wakeLanes = [];
        for (const f of w) f();
      } catch (e) {
        log.error({ err: (e as Error).message }, 'read failed');
        cursor = '0';
        await sleep(500);
      }
    }
    readerDone = true;
    for (const f of wakeLanes) f();
  };

  const lane = async () => {
    for (;;) {
      const entry = queue.shift();
      if (!entry) {
        if (readerDone) return;
        await new Promise<void>((r) => wakeLanes.push(r));
        continue;
      }
      if (queue.length < concurrency) wakeReader?.();
      try {
        await handle(entry);
      } catch (e) {
        log.error({ err: (e as Error).message, messageId: entry[0] }, 'alert not handled; left pending');
      }
    }
  };

  log.info({ stream: cfg.stream, group: cfg.group, index: cfg.index, concurrency, consumer }, 'baseline started');
  process.stdout.write('baseline started\n'); // readiness line, whatever LOG_LEVEL says
  await Promise.all([readerLoop(), ...Array.from({ length: concurrency }, lane)]);
  reader.disconnect();
  redis.disconnect();
  await store.client.close();
  log.info(stats, 'baseline stopped');
}

main().catch((e) => {
  process.stderr.write(`baseline: failed: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exit(1);
});
