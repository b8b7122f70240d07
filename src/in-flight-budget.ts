// INGEST_MAX_IN_FLIGHT across every ingest of a stream (docs/delivery.md#from-the-stream-to-a-workflow): how many
// deliveries may start now, from Temporal's visibility count of those in flight plus a ledger in Redis of the starts
// every ingest reserved in the last moments (visibility trails a start).
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { ServiceConfig } from './config';
import type { RedisClient } from './connections/redis';
import { SA_STATUS } from './contracts/search-attributes';
import type { Logger } from './logger';
import { ingestInFlight, ingestThrottled } from './metrics';

/** How far Temporal's visibility (the in-flight count) may trail a workflow start. */
const VISIBILITY_LAG_MS = 5_000;

/**
 * The ledger of recent starts that all ingests of a stream share (a sorted set: one member per entry read
 * under INGEST_MAX_IN_FLIGHT, scored by the time it was reserved). One key, so it works on a Redis Cluster.
 */
export const inFlightLedgerKey = (stream: string): string => `${stream}:in-flight`;

export class InFlightBudget {
  /** Deliveries running with status `pending` on the task queue, as Temporal's visibility last counted them. */
  private counted = { count: 0, at: 0 };
  /** The in-flight estimate of the last room() (a recount is due when it was at the limit). */
  private lastInFlight = 0;
  /** Ledger members reserved for the starts in progress; those not used are given back. */
  private reserved: string[] = [];
  private readonly ledgerPrefix = randomUUID();
  private ledgerSeq = 0;
  /** When the current backpressure wait began (0: not waiting). */
  private throttledSince = 0;

  /** `wait`: the pause when there is no room (the ingest's own, so that stopping it ends the pause). */
  constructor(
    private readonly d: { cfg: ServiceConfig; client: Client; log: Logger; redis: RedisClient },
    private readonly wait: () => Promise<void>,
  ) {}

  /**
   * How many new entries may be read now (≤ INGEST_BATCH_SIZE): INGEST_MAX_IN_FLIGHT minus the deliveries in
   * flight on our task queue, counted over ALL ingests of the stream: the visibility count of those running
   * with status `pending`, plus every entry any ingest reserved in the last VISIBILITY_LAG_MS (visibility
   * trails the starts by a moment, so a recent start is counted even if the count has it already: the limit
   * errs on the safe side, never over). The room is reserved in the shared ledger before it is read, then
   * the ledger is counted again: two ingests reserving at once both see each other, and give back what
   * exceeds the limit (ZADD and ZCOUNT on one key are applied in order). When there is no room it waits
   * 500 ms and returns 0. `wanted`: the most worth reserving (≤ INGEST_BATCH_SIZE).
   */
  async room(wanted: number): Promise<number> {
    const { cfg, client, log, redis } = this.d;
    const max = cfg.ingest.maxInFlight;
    if (max === 0) return wanted;
    if (Date.now() - this.counted.at > 1000 || this.lastInFlight >= max) {
      const { count } = await client.workflow.count(
        `TaskQueue = "${cfg.taskQueue}" AND ExecutionStatus = "Running" AND ${SA_STATUS.name} = "pending"`,
      );
      this.counted = { count, at: Date.now() };
      ingestInFlight.set(count);
    }
    const key = inFlightLedgerKey(cfg.stream);
    const since = Date.now() - VISIBILITY_LAG_MS;
    await redis.zremrangebyscore(key, '-inf', `(${since}`);
    const inFlight = this.counted.count + (await redis.zcount(key, since, '+inf'));
    this.lastInFlight = inFlight;
    let room = Math.min(wanted, max - inFlight);
    if (room > 0) {
      const at = Date.now();
      const members = Array.from({ length: room }, () => `${this.ledgerPrefix}:${this.ledgerSeq++}`);
      await redis.zadd(key, ...members.flatMap((m) => [at, m]));
      await redis.pexpire(key, 2 * VISIBILITY_LAG_MS);
      const excess = this.counted.count + (await redis.zcount(key, since, '+inf')) - max;
      if (excess > 0) {
        const back = members.splice(Math.max(0, members.length - excess));
        await redis.zrem(key, ...back);
      }
      this.reserved = members;
      room = members.length;
    }
    if (room > 0) {
      if (this.throttledSince) {
        log.info({ inFlight, max, waitedMs: Date.now() - this.throttledSince }, 'backpressure released');
        this.throttledSince = 0;
      }
      return room;
    }
    if (!this.throttledSince) {
      this.throttledSince = Date.now();
      log.info({ inFlight, max }, 'backpressure: INGEST_MAX_IN_FLIGHT deliveries in flight; new entries wait read ahead and in the stream');
    }
    await this.wait();
    ingestThrottled.inc(0.5);
    return 0;
  }

  /** Gives back the reserved ledger members beyond the `used` entries the read returned. */
  async giveBack(used: number): Promise<void> {
    const unused = this.reserved.slice(used);
    this.reserved = [];
    if (unused.length) await this.d.redis.zrem(inFlightLedgerKey(this.d.cfg.stream), ...unused);
  }
}
