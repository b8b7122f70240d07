// Coalesces concurrent single-document writes into OpenSearch `_bulk` requests.
//
// A write goes out at once when fewer than `maxInFlight` bulk requests are running, so at low load
// nothing waits. Under load, writes queue while requests are in flight and leave together as the next
// request (at most `maxBatch` operations): one HTTP round trip and one translog fsync for many alerts.
// Each caller still gets its own operation's result (or error), as with a single-document call.
import type { Client } from '@opensearch-project/opensearch';
import { BulkItemError } from '../errors';

export interface BulkOp {
  /** The action line, e.g. `{ create: { _index, _id } }` or `{ update: { _index, _id, retry_on_conflict } }`. */
  action: Record<string, Record<string, unknown>>;
  /** The document (create/index) or the update body (`{ doc }`). */
  source: object;
}

export interface BulkWriterOptions {
  /** Operations per `_bulk` request (default 200). */
  maxBatch?: number;
  /** `_bulk` requests in flight at once (default 2). */
  maxInFlight?: number;
}

/** One operation's result: where it landed (the concrete index, also when written through an alias) and its version. */
export interface BulkResponseItem {
  status: number;
  _index?: string;
  _seq_no?: number;
  _primary_term?: number;
  error?: { type?: string; reason?: string };
}

interface Pending {
  op: BulkOp;
  resolve: (item: BulkResponseItem) => void;
  reject: (e: Error) => void;
}

export class BulkWriter {
  private queue: Pending[] = [];
  private inFlight = 0;
  private readonly maxBatch: number;
  private readonly maxInFlight: number;

  constructor(private readonly client: Client, opts: BulkWriterOptions = {}) {
    this.maxBatch = opts.maxBatch ?? 200;
    this.maxInFlight = opts.maxInFlight ?? 2;
  }

  /** Resolves with the operation's HTTP status (2xx); rejects with a BulkItemError or the request's error. */
  async write(op: BulkOp): Promise<number> {
    return (await this.writeItem(op)).status;
  }

  /** As `write`, resolving with the whole response item (`_index`, `_seq_no`, `_primary_term`). */
  writeItem(op: BulkOp): Promise<BulkResponseItem> {
    return new Promise((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.inFlight++;
      void this.send(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async send(batch: Pending[]): Promise<void> {
    try {
      const res = await this.client.bulk({ body: batch.flatMap((p) => [p.op.action, p.op.source]) as never });
      const items = (res.body as { items: Array<Record<string, BulkResponseItem>> }).items;
      batch.forEach((p, i) => {
        const item = items[i] && Object.values(items[i])[0];
        if (!item) p.reject(new Error(`OpenSearch _bulk answered ${items.length} items for ${batch.length} operations`));
        else if (item.status >= 200 && item.status < 300) p.resolve(item);
        else p.reject(new BulkItemError(item.status, item.error?.type ?? 'unknown', item.error?.reason ?? '', item._index));
      });
    } catch (e) {
      for (const p of batch) p.reject(e as Error);
    }
  }
}
