// The ingest's read-ahead (docs/delivery.md#priority-and-fairness): stream entries read but not started yet, taken
// highest severity first (a tenth of each take: the oldest, so a flood of criticals does not starve the rest), so that a critical alert read behind a backlog is the next one started once the in-flight
// budget has room. They stay in this consumer's pending list until they are started and acked: a crash loses none
// (the restarted ingest re-reads its pending list, another one reclaims it). `keepClaimed` resets their idle time
// (XCLAIM … JUSTID, which counts no delivery), so that no other ingest's XAUTOCLAIM takes them while they wait.
import type { RedisClient } from './connections/redis';
import { type Entry, compareStreamIds, entryPriorityKeyOf } from './stream-group';

/** XCLAIM this many IDs per command. */
const CLAIM_CHUNK = 1000;
/**
 * Of each `take`, this share (rounded down) goes to the oldest entries held, whatever their severity: lower
 * severities are delayed behind a flood of higher ones, not starved by it.
 */
const OLDEST_SHARE = 0.1;

export interface Taken {
  /** Entries read as new ones (`>`). */
  fresh: Entry[];
  /** Entries read from a pending list: their delivery count matters (INGEST_MAX_ATTEMPTS). */
  redelivered: Entry[];
}

export class ReadAhead {
  /** One queue per priority key (1–5, 6: unreadable), each in stream order. */
  private readonly queues: Entry[][] = [[], [], [], [], [], []];
  private readonly redelivered = new Set<string>();
  private readonly held = new Set<string>();

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.held.size;
  }

  get space(): number {
    return Math.max(0, this.capacity - this.held.size);
  }

  holds(id: string): boolean {
    return this.held.has(id);
  }

  /** Adds entries (one already held is not added twice). */
  add(entries: Entry[], redelivered: boolean): void {
    for (const entry of entries) {
      if (this.held.has(entry[0])) continue;
      this.held.add(entry[0]);
      if (redelivered) this.redelivered.add(entry[0]);
      this.queues[entryPriorityKeyOf(entry) - 1].push(entry);
    }
  }

  /**
   * Up to `n` entries; they leave the read-ahead. A tenth of them (rounded down) are the oldest held; the rest the
   * highest priority first, in stream order within one.
   */
  take(n: number): Taken {
    const taken: Taken = { fresh: [], redelivered: [] };
    const move = (entry: Entry) => {
      this.held.delete(entry[0]);
      if (this.redelivered.delete(entry[0])) taken.redelivered.push(entry);
      else taken.fresh.push(entry);
    };
    for (let i = Math.floor(n * OLDEST_SHARE); i > 0 && this.held.size > 0; i--) move(this.shiftOldest());
    for (const queue of this.queues) queue.splice(0, n - taken.fresh.length - taken.redelivered.length).forEach(move);
    return taken;
  }

  /** The oldest entry held (the smallest stream ID: each queue is in stream order, so one of their heads). */
  private shiftOldest(): Entry {
    let oldest: Entry[] | undefined;
    for (const queue of this.queues) if (queue.length && (!oldest || compareStreamIds(queue[0][0], oldest[0][0]) < 0)) oldest = queue;
    return oldest!.shift()!;
  }

  /** Resets the idle time of every held entry in the group's pending list (they stay this consumer's). */
  async keepClaimed(redis: RedisClient, stream: string, group: string, consumer: string): Promise<void> {
    const ids = [...this.held];
    for (let i = 0; i < ids.length; i += CLAIM_CHUNK) {
      await redis.xclaim(stream, group, consumer, 0, ...ids.slice(i, i + CLAIM_CHUNK), 'JUSTID');
    }
  }
}
