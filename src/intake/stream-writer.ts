// Adds a request's alerts to the stream, all or none: one MULTI/EXEC of XADDs on the one stream key (one
// hash slot, so a Redis Cluster takes it as well), the entries in request order and each an `event` field
// holding the AlertEvent's JSON, exactly what the ingest reads. With INTAKE_WAIT_REPLICAS, a request is accepted
// only once that many replicas have its entries (`WAIT`): what a failover promotes then has them. An unconfirmed
// request answers 503 and its sender retries; the entries written meanwhile stay (at worst an alert twice in the
// stream: two deliveries of one alertId, one page, docs/incidents.md).
import { StreamUnavailableError } from '../errors';
import type { RedisClient } from '../connections/redis';
import { withTimeout } from '../startup';

export class StreamWriter {
  constructor(
    private readonly redis: RedisClient,
    readonly stream: string,
    private readonly timeoutMs: number,
    private readonly waitReplicas = 0,
  ) {}

  /**
   * XADDs each entry (with `fields` beside its `event`: the request's trace context, see src/tracing/stream-context.ts);
   * resolves with the message IDs in order, or throws StreamUnavailableError.
   */
  async add(entries: string[], fields: string[] = []): Promise<string[]> {
    let ids: string[];
    try {
      ids = await this.write(entries, fields);
    } catch (e) {
      throw new StreamUnavailableError(this.stream, (e as Error).message);
    }
    if (this.waitReplicas > 0) await this.replicated();
    return ids;
  }

  private async write(entries: string[], fields: string[]): Promise<string[]> {
    if (entries.length === 1) return [(await withTimeout(this.redis.xadd(this.stream, '*', 'event', entries[0], ...fields), this.timeoutMs))!];
    const tx = this.redis.multi();
    for (const e of entries) tx.xadd(this.stream, '*', 'event', e, ...fields);
    const results = await withTimeout(tx.exec(), this.timeoutMs);
    if (!results) throw new Error('transaction aborted');
    return results.map(([err, id]) => {
      if (err) throw err;
      return id as string;
    });
  }

  /** WAIT on the connection the XADDs went to (standalone or through Sentinel: one connection). */
  private async replicated(): Promise<void> {
    let confirmed = 0;
    try {
      confirmed = Number(await withTimeout(this.redis.call('WAIT', String(this.waitReplicas), String(this.timeoutMs)), this.timeoutMs + 1_000));
    } catch {
      // no answer: none confirmed
    }
    if (confirmed < this.waitReplicas) {
      throw new StreamUnavailableError(this.stream, `${confirmed} of ${this.waitReplicas} replica(s) confirmed the alerts within ${this.timeoutMs} ms (INTAKE_WAIT_REPLICAS)`, true);
    }
  }
}
