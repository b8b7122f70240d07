// The ingest's read-ahead (docs/delivery.md#priority-and-fairness): stream entries read but not started yet, taken
// highest severity first, so that a critical alert read behind a backlog is the next one started once the in-flight
// budget has room. They stay in this consumer's pending list until they are started and acked: a crash loses none
// (the restarted ingest re-reads its pending list, another one reclaims it). `keepClaimed` resets their idle time
// (XCLAIM … JUSTID, which counts no delivery), so that no other ingest's XAUTOCLAIM takes them while they wait.
import type { RedisClient } from './connections/redis';
import { type Entry, entryPriorityKeyOf } from './stream-group';

/** XCLAIM this many IDs per command. */
const CLAIM_CHUNK = 1000;

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

  /** Up to `n` entries, highest priority first and in stream order within one; they leave the read-ahead. */
  take(n: number): Taken {
    const taken: Taken = { fresh: [], redelivered: [] };
    for (const queue of this.queues) {
      const out = queue.splice(0, n - taken.fresh.length - taken.redelivered.length);
      for (const entry of out) {
        this.held.delete(entry[0]);
        if (this.redelivered.delete(entry[0])) taken.redelivered.push(entry);
        else taken.fresh.push(entry);
      }
    }
    return taken;
  }

  /** Resets the idle time of every held entry in the group's pending list (they stay this consumer's). */
  async keepClaimed(redis: RedisClient, stream: string, group: string, consumer: string): Promise<void> {
    const ids = [...this.held];
    for (let i = 0; i < ids.length; i += CLAIM_CHUNK) {
      await redis.xclaim(stream, group, consumer, 0, ...ids.slice(i, i + CLAIM_CHUNK), 'JUSTID');
    }
  }
}
