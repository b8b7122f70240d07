// The ingest loop: stream entry → parse → one workflow (ID = <stream>:<message ID>) → XACK.
//
// - The consumer group is created idempotently, from the start of the stream (a backlog is delivered).
// - On start it first re-reads its own pending entries (crash between start and ack), then new ones.
// - Entries idle on another (dead) consumer for INGEST_RECLAIM_IDLE are taken over with XAUTOCLAIM.
// - A duplicate start (WorkflowExecutionAlreadyStarted) counts as success: XACK is idempotent.
// - Read-ahead and priority: entries are read ahead (up to INGEST_READ_AHEAD, held pending in the group) and
//   started highest severity first (src/read-ahead.ts), each workflow with its severity's task-queue priority.
// - Backpressure: one batch at a time, at most INGEST_CONCURRENCY starts in flight; nothing is acked
//   before Temporal owns the alert, so a failure leaves the entry pending for the next pass. Entries are
//   started only while fewer than INGEST_MAX_IN_FLIGHT deliveries are in flight on the task queue, across
//   every ingest of the stream (src/in-flight-budget.ts).
// - Malformed entries are recorded in OpenSearch as `rejected` with the reason, then acked.
// - Per-entry isolation: an entry whose own handling fails (Temporal refuses its start, OpenSearch refuses
//   its rejection record) stays pending and is retried on its own, without holding up the entries behind
//   it; after INGEST_MAX_ATTEMPTS deliveries (the stream's delivery count) it is recorded as `rejected`, or
//   else copied to the dead-letter stream, and acked. Outages (connection errors, 5xx, UNAVAILABLE) are
//   not the entry's fault: they fail the pass and back off, and never use up an entry's attempts.
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { parseEntry } from './alert-event';
import type { ChannelRegistry } from './channels/registry';
import type { ServiceConfig } from './config';
import { InvalidEntryError, StoreRefusedError } from './errors';
import type { Logger } from './logger';
import { ingestEagerStarts, ingestEntries, ingestReadAhead, ingestReclaimed } from './metrics';
import { InFlightBudget } from './in-flight-budget';
import { ReadAhead } from './read-ahead';
import type { RedisClient } from './connections/redis';
import type { DeliveryRequest } from './contracts/delivery';
import { WORKFLOW_TYPE, workflowIdFor } from './contracts/ids';
import { deliveryPriority } from './contracts/priority';
import { SA_RULE_ID, SA_SEVERITY, SA_STATUS } from './contracts/search-attributes';
import type { AlertStore } from './store';
import { inEntryTrace } from './tracing/stream-context';
import { type Entry, compareStreamIds, ensureGroup, entriesBySeverity, readStreamState } from './stream-group';
import type { deliverAlert } from './workflows';


export interface IngestorDeps {
  cfg: ServiceConfig;
  log: Logger;
  redis: RedisClient;
  client: Client;
  store: AlertStore;
  channels: ChannelRegistry;
  /**
   * Start workflows with eager start (default false): only when `client` is on the NativeConnection of a worker
   * in this process for the same task queue (src/combined.ts), which then gets the first workflow task in the
   * start's response. The server falls back to a normal start when that worker has no free slot.
   */
  eagerStart?: boolean;
}

export interface IngestStats {
  read: number;
  started: number;
  duplicates: number;
  rejected: number;
  reclaimed: number;
  errors: number;
  /** Entries given up after INGEST_MAX_ATTEMPTS (recorded as rejected, or dead-lettered). */
  givenUp: number;
  /** Starts that came back with their first workflow task (eagerStart only). */
  eagerStarts: number;
}

/** gRPC INVALID_ARGUMENT: Temporal refuses this request as it is (e.g. a value over a server limit). */
const GRPC_INVALID_ARGUMENT = 3;

/**
 * A failure caused by the entry itself, which retrying the same entry cannot fix: a permanent store
 * refusal, a start Temporal refuses as invalid, or a bug tripped by its data. Anything else (connection
 * errors, timeouts, 5xx, UNAVAILABLE) is an outage: the entry keeps all its attempts.
 */
export function isEntryError(e: unknown): boolean {
  if (e instanceof StoreRefusedError || e instanceof TypeError || e instanceof RangeError) return true;
  const err = e as { code?: unknown; cause?: { code?: unknown } };
  return err.code === GRPC_INVALID_ARGUMENT || err.cause?.code === GRPC_INVALID_ARGUMENT;
}

/** Entries read per XREADGROUP into the read-ahead. */
const READ_CHUNK = 1000;

export class Ingestor {
  readonly stats: IngestStats = { read: 0, started: 0, duplicates: 0, rejected: 0, reclaimed: 0, errors: 0, givenUp: 0, eagerStarts: 0 };
  /** When to re-read our own pending entries for entries whose handling failed on their own (0: none waiting). */
  private retryPendingAt = 0;
  private retryDelayMs = 0;
  private stopping = false;
  /** True while the read loop runs (readiness). */
  running = false;
  private wake?: () => void;
  /** INGEST_MAX_IN_FLIGHT, shared by every ingest of the stream. */
  private readonly budget: InFlightBudget;
  /** Entries read but not started yet, highest severity first (INGEST_READ_AHEAD). */
  private readonly ahead: ReadAhead;

  constructor(private readonly d: IngestorDeps) {
    this.ahead = new ReadAhead(d.cfg.ingest.readAhead);
    this.budget = new InFlightBudget(d, () => this.sleep(500));
  }

  /** Stops reading; in-flight starts finish. A command stuck on an unreachable Redis is abandoned after 5 s. */
  stop(): void {
    this.stopping = true;
    this.wake?.();
    setTimeout(() => this.d.redis.disconnect(), 5_000).unref();
  }

  ensureGroup(): Promise<void> {
    return ensureGroup(this.d.redis, this.d.cfg.stream, this.d.cfg.group);
  }

  async run(): Promise<void> {
    const { cfg, log } = this.d;
    await this.ensureGroup();
    this.running = true;
    let cursor = '0'; // '0' = our own pending entries first; '>' = new entries
    let lastReclaim = 0;
    let backoff = 0;
    while (!this.stopping) {
      try {
        if (Date.now() - lastReclaim >= Math.max(cfg.ingest.reclaimIdleMs / 2, 1000)) {
          lastReclaim = Date.now();
          // ours first: the entries held read ahead are not idle, so no XAUTOCLAIM (this one's included) takes them
          await this.ahead.keepClaimed(this.d.redis, cfg.stream, cfg.group, cfg.consumer);
          await this.reclaim();
        }
        if (this.retryPendingAt && Date.now() >= this.retryPendingAt) {
          this.retryPendingAt = 0;
          await this.takeBackOwnPending();
        }
        cursor = await this.readAhead(cursor);
        if (this.ahead.size === 0) continue;
        const room = await this.budget.room(Math.min(cfg.ingest.batchSize, this.ahead.size));
        if (room === 0) continue;
        const { fresh, redelivered } = this.ahead.take(room);
        await this.budget.giveBack(fresh.length + redelivered.length);
        ingestReadAhead.set(this.ahead.size);
        if (redelivered.length) await this.processBatch(redelivered, true);
        if (fresh.length) await this.processBatch(fresh);
        backoff = 0;
      } catch (e) {
        await this.budget.giveBack(0).catch(() => undefined);
        if (this.stopping) break;
        this.stats.errors++;
        const msg = (e as Error).message;
        if (msg.includes('NOGROUP')) await this.ensureGroup().catch(() => undefined);
        backoff = Math.min(backoff ? backoff * 2 : 500, 30_000);
        log.error({ err: msg, retryInMs: backoff }, 'ingest pass failed; pending entries will be retried');
        await this.sleep(backoff);
        this.retryPendingAt = Date.now();
      }
    }
    this.running = false;
  }

  /**
   * Our own pending entries that the read-ahead does not hold (those of a pass that failed, or that failed on their
   * own) back into it: XCLAIM counts a delivery of each, as a re-read would; the held ones are not read again, so
   * waiting in the read-ahead through an outage uses up none of their INGEST_MAX_ATTEMPTS.
   */
  private async takeBackOwnPending(): Promise<void> {
    const { redis, cfg } = this.d;
    const rows = (await redis.xpending(cfg.stream, cfg.group, '-', '+', this.ahead.capacity + 2 * READ_CHUNK, cfg.consumer)) as [string, ...unknown[]][];
    const ids = rows.map(([id]) => id).filter((id) => !this.ahead.holds(id));
    for (let i = 0; i < ids.length; i += READ_CHUNK) {
      const entries = (await redis.xclaim(cfg.stream, cfg.group, cfg.consumer, 0, ...ids.slice(i, i + READ_CHUNK))) as Entry[];
      this.ahead.add(entries, true);
    }
  }

  /**
   * Reads entries into the read-ahead while it has space (INGEST_READ_AHEAD): our own pending entries first
   * (cursor '0', the IDs after `cursor`), then new ones ('>') until the stream has no more. A read waits for new
   * entries (INGEST_BLOCK) only when none is waiting to be started. Returns the cursor for the next read.
   */
  private async readAhead(cursor: string): Promise<string> {
    const { redis, cfg } = this.d;
    while (this.ahead.space > 0 && !this.stopping) {
      const count = Math.min(this.ahead.space, READ_CHUNK);
      const res = (this.ahead.size === 0
        ? await redis.xreadgroup('GROUP', cfg.group, cfg.consumer, 'COUNT', count, 'BLOCK', cfg.ingest.blockMs, 'STREAMS', cfg.stream, cursor)
        : await redis.xreadgroup('GROUP', cfg.group, cfg.consumer, 'COUNT', count, 'STREAMS', cfg.stream, cursor)) as [string, Entry[]][] | null;
      const entries = res?.[0]?.[1] ?? [];
      this.ahead.add(entries, cursor !== '>');
      if (cursor !== '>') {
        if (entries.length === 0) return '>';
        cursor = entries[entries.length - 1][0];
      } else if (entries.length < count) break;
    }
    ingestReadAhead.set(this.ahead.size);
    return cursor;
  }

  /** Pending entries (XPENDING) and the group's lag (XINFO GROUPS, Redis 7+), for the metrics. */
  streamState(): Promise<{ pending: number; lag: number }> {
    return readStreamState(this.d.redis, this.d.cfg.stream, this.d.cfg.group);
  }

  /** Takes over entries left pending by a consumer that has been idle too long (e.g. a crashed ingest). */
  async reclaim(): Promise<void> {
    const { redis, cfg, log } = this.d;
    let start = '0-0';
    for (let round = 0; round < 10 && !this.stopping; round++) {
      const [next, entries] = (await redis.xautoclaim(
        cfg.stream, cfg.group, cfg.consumer, cfg.ingest.reclaimIdleMs, start, 'COUNT', cfg.ingest.batchSize,
      )) as [string, Entry[], string[]];
      if (entries.length) {
        this.stats.reclaimed += entries.length;
        ingestReclaimed.inc(entries.length);
        log.info({ count: entries.length }, 'reclaimed entries pending on an idle consumer');
        await this.processBatch(entriesBySeverity(entries), true);
      }
      if (next === '0-0') break;
      start = next;
    }
  }

  /**
   * Starts (or rejects) every entry, at most `concurrency` at once, then acks the ones Temporal owns.
   * `redelivered`: the entries come from a pending list (own or reclaimed), so their delivery count matters.
   */
  async processBatch(entries: Entry[], redelivered = false): Promise<void> {
    const { redis, cfg } = this.d;
    this.stats.read += entries.length;
    const deliveries = redelivered ? await this.deliveryCounts(entries) : new Map<string, number>();
    const acks: string[] = [];
    const failures: Error[] = [];
    let entryFailures = 0;
    let next = 0;
    const lane = async () => {
      while (next < entries.length) {
        const [id, fields] = entries[next++];
        try {
          if (await this.handle(id, fields)) acks.push(id);
        } catch (e) {
          if (!isEntryError(e)) failures.push(e as Error);
          else if ((deliveries.get(id) ?? 1) >= cfg.ingest.maxAttempts) {
            if (await this.giveUp(id, fields, deliveries.get(id) ?? 1, e as Error)) acks.push(id);
          } else {
            entryFailures++;
            this.d.log.warn({ messageId: id, attempt: deliveries.get(id) ?? 1, maxAttempts: cfg.ingest.maxAttempts, err: (e as Error).message }, 'entry not handed over; it stays pending and is retried on its own');
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(cfg.ingest.concurrency, entries.length) }, lane));
    if (acks.length) await redis.xack(cfg.stream, cfg.group, ...acks);
    if (failures.length) throw new Error(`${failures.length} of ${entries.length} entries not handed over: ${failures[0].message}`);
    // Entries that failed on their own wait for a re-read of our pending list (backing off), not the whole stream.
    if (entryFailures) {
      this.retryDelayMs = Math.min(this.retryDelayMs ? this.retryDelayMs * 2 : 500, 30_000);
      this.retryPendingAt = Date.now() + this.retryDelayMs;
    } else if (redelivered) this.retryDelayMs = 0;
  }

  /** The stream's delivery count of each pending entry (XPENDING extended form). */
  private async deliveryCounts(entries: Entry[]): Promise<Map<string, number>> {
    const { redis, cfg } = this.d;
    const ids = entries.map(([id]) => id).sort(compareStreamIds);
    // the range also holds entries of the read-ahead (a batch is in priority order, not stream order)
    const rows = (await redis.xpending(cfg.stream, cfg.group, ids[0], ids[ids.length - 1], ids.length + this.ahead.size + 1000)) as [string, string, number, number][];
    const wanted = new Set(ids);
    return new Map(rows.filter(([id]) => wanted.has(id)).map(([id, , , count]) => [id, Number(count)]));
  }

  /**
   * The entry failed on its own `attempts` times: its final record is a `rejected` document with the
   * reason; if even that is refused, a copy in the dead-letter stream. Returns true when it may be acked.
   */
  private async giveUp(id: string, fields: string[] | null, attempts: number, cause: Error): Promise<boolean> {
    const { cfg, log, redis, store } = this.d;
    const reason = `given up after ${attempts} attempts to hand it over: ${cause.message}`.slice(0, 2000);
    const where = { messageId: id, workflowId: workflowIdFor(cfg.stream, id), attempts, reason };
    this.stats.givenUp++;
    try {
      await store.reject(workflowIdFor(cfg.stream, id), id, reason, fields);
      ingestEntries.inc({ result: 'rejected' });
      log.error(where, 'stream entry given up: recorded as rejected');
      return true;
    } catch (e) {
      if (!isEntryError(e)) {
        log.error({ ...where, err: (e as Error).message }, 'stream entry given up, but OpenSearch is unreachable: it stays pending');
        return false;
      }
      await redis.xadd(cfg.ingest.deadLetterStream, '*', 'messageId', id, 'stream', cfg.stream, 'reason', `${reason}; rejection refused: ${(e as Error).message}`.slice(0, 4000), ...(fields ?? ['deleted', 'true']));
      ingestEntries.inc({ result: 'dead-lettered' });
      log.error({ ...where, deadLetterStream: cfg.ingest.deadLetterStream, err: (e as Error).message }, 'stream entry given up and its rejection refused: copied to the dead-letter stream');
      return true;
    }
  }

  /** Returns true when the entry may be acked (workflow started, already started, or rejected and recorded). */
  private async handle(id: string, fields: string[] | null): Promise<boolean> {
    const { cfg, client, log, store, channels } = this.d;
    let req: DeliveryRequest;
    try {
      const event = parseEntry(fields, cfg.ingest);
      const unknown = channels.unknown(event);
      if (unknown.length) throw new InvalidEntryError(`unknown channel(s) ${unknown.map((c) => `"${c}"`).join(', ')} (configured: ${channels.names().join(', ')})`);
      req = { stream: cfg.stream, group: cfg.group, messageId: id, deliveryId: workflowIdFor(cfg.stream, id), receivedAt: new Date().toISOString(), event };
    } catch (e) {
      if (!(e instanceof InvalidEntryError)) throw e;
      await store.reject(workflowIdFor(cfg.stream, id), id, e.reason, fields);
      this.stats.rejected++;
      ingestEntries.inc({ result: 'rejected' });
      log.warn({ messageId: id, reason: e.reason }, 'stream entry rejected');
      return true;
    }
    const workflowId = workflowIdFor(cfg.stream, id);
    try {
      // In the producer's trace when the entry carries a traceparent (the start's span is then its child).
      const handle = await inEntryTrace(fields, () => client.workflow.start<typeof deliverAlert>(WORKFLOW_TYPE, {
        taskQueue: cfg.taskQueue,
        workflowId,
        args: [req],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        workflowIdConflictPolicy: 'FAIL',
        ...(this.d.eagerStart ? { requestEagerStart: true } : {}),
        priority: deliveryPriority(req.event, cfg.fairnessBy),
        typedSearchAttributes: [
          { key: SA_STATUS, value: 'pending' },
          { key: SA_SEVERITY, value: req.event.severity },
          { key: SA_RULE_ID, value: req.event.ruleId },
        ],
      }));
      this.stats.started++;
      ingestEntries.inc({ result: 'started' });
      if (handle.eagerlyStarted) {
        this.stats.eagerStarts++;
        ingestEagerStarts.inc();
      }
      log.debug({ messageId: id, workflowId, alertId: req.event.alertId }, 'delivery started');
    } catch (e) {
      if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
      this.stats.duplicates++;
      ingestEntries.inc({ result: 'duplicate' });
      log.info({ messageId: id, workflowId }, 'delivery already started (redelivered entry)');
    }
    return true;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }
}
