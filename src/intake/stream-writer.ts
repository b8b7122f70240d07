// Adds a request's alerts to the stream, all or none: one MULTI/EXEC of XADDs on the one stream key (one
// hash slot, so a Redis Cluster takes it as well), the entries in request order and each an `event` field
// holding the AlertEvent's JSON, exactly what the ingest reads.
import { StreamUnavailableError } from '../errors';
import type { RedisClient } from '../connections/redis';
import { withTimeout } from '../startup';

export class StreamWriter {
  constructor(
    private readonly redis: RedisClient,
    readonly stream: string,
    private readonly timeoutMs: number,
  ) {}

  /**
   * XADDs each entry (with `fields` beside its `event`: the request's trace context, see src/tracing/stream-context.ts);
   * resolves with the message IDs in order, or throws StreamUnavailableError.
   */
  async add(entries: string[], fields: string[] = []): Promise<string[]> {
    try {
      if (entries.length === 1) return [(await withTimeout(this.redis.xadd(this.stream, '*', 'event', entries[0], ...fields), this.timeoutMs))!];
      const tx = this.redis.multi();
      for (const e of entries) tx.xadd(this.stream, '*', 'event', e, ...fields);
      const results = await withTimeout(tx.exec(), this.timeoutMs);
      if (!results) throw new Error('transaction aborted');
      return results.map(([err, id]) => {
        if (err) throw err;
        return id as string;
      });
    } catch (e) {
      throw new StreamUnavailableError(this.stream, (e as Error).message);
    }
  }
}
