// The alert index in OpenSearch: one document per stream message, `_id` = the delivery ID
// (`<stream>:<message ID>`, the workflow ID; documents of deliveries started by an ingest from before
// delivery IDs keep the bare message ID).
// The index is created explicitly with a strict mapping and verified at start-up: an index whose
// contract fields are mapped wrongly (e.g. `view` as analyzed text) stops the process.
import { Client } from '@opensearch-project/opensearch';
import { BulkWriter } from './bulk-writer';
import { AlertConflictError, BulkItemError, MappingMismatchError, StartupCheckError, StoreRefusedError, type FieldMismatch } from './errors';
import { workflowIdFor, type AlertEvent, type DeliveryRequest, type DeliveryState } from './shared';

type Mapping = { type: string; [k: string]: unknown } | { properties: Record<string, Mapping>; type?: string; [k: string]: unknown };

const deliveryProperties: Record<string, Mapping> = {
  channel: { type: 'keyword' },
  status: { type: 'keyword' },
  required: { type: 'boolean' },
  attempts: { type: 'integer' },
  lastError: { type: 'text' },
  lastErrorType: { type: 'keyword' },
  deliveredAt: { type: 'date' },
};

/** The document contract. `dynamic: strict` — a field not listed here is an error, never a guess. */
export const ALERT_MAPPING = {
  dynamic: 'strict',
  properties: {
    // the AlertEvent
    alertId: { type: 'keyword' },
    ruleId: { type: 'keyword' },
    ruleName: { type: 'keyword' },
    severity: { type: 'keyword' },
    title: { type: 'text' },
    description: { type: 'text' },
    view: { type: 'keyword' },
    scope: { type: 'keyword' },
    labels: { type: 'flat_object' },
    firedAt: { type: 'date' },
    channels: { type: 'keyword' },
    // delivery
    streamId: { type: 'keyword' },
    workflowId: { type: 'keyword' },
    receivedAt: { type: 'date' },
    delivered: { type: 'boolean' },
    deliveryStatus: { type: 'keyword' },
    deliveries: { type: 'nested', properties: deliveryProperties },
    rounds: { type: 'integer' },
    parkedAt: { type: 'date' },
    abandonReason: { type: 'text' },
    updatedAt: { type: 'date' },
    // rejected entries
    rejectReason: { type: 'text' },
    raw: { type: 'text', index: false },
  },
} as const;

/** Raw entries of rejected input are kept up to this many characters. */
export const RAW_LIMIT = 8 * 1024;

export interface AlertDocument extends Partial<AlertEvent> {
  streamId: string;
  workflowId?: string;
  receivedAt: string;
  delivered: boolean;
  deliveryStatus: string;
  deliveries?: unknown[];
  rejectReason?: string;
  raw?: string;
  updatedAt: string;
}

interface OsError {
  statusCode?: number;
  body?: { error?: { type?: string; reason?: string } };
  meta?: { statusCode?: number; body?: { error?: { type?: string } } };
  message: string;
}

function errorType(e: unknown): string | undefined {
  if (e instanceof BulkItemError) return e.type;
  const err = e as OsError;
  return err.body?.error?.type ?? err.meta?.body?.error?.type;
}

function errorStatus(e: unknown): number | undefined {
  if (e instanceof BulkItemError) return e.status;
  const err = e as OsError;
  return err.meta?.statusCode ?? err.statusCode;
}

/** Statuses that retrying the same write cannot change: 4xx except 408 (timeout), 409 (conflict), 429 (busy). */
export function isPermanentStoreError(e: unknown): boolean {
  const status = errorStatus(e);
  return status !== undefined && status >= 400 && status < 500 && ![408, 409, 429].includes(status);
}

/** Rethrows a permanent refusal as StoreRefusedError (non-retryable downstream); anything else as it was. */
function refusal(operation: string, e: unknown): unknown {
  if (!isPermanentStoreError(e)) return e;
  const reason = e instanceof BulkItemError ? e.message : ((e as OsError).body?.error?.reason ?? (e as Error).message);
  return new StoreRefusedError(operation, errorStatus(e)!, errorType(e) ?? 'unknown', reason);
}

/** Statuses a document holds once its delivery has ended: replaying the stream never notifies these again. */
export const FINAL_STATUSES = ['delivered', 'failed', 'abandoned', 'rejected', 'terminated'] as const;

/** What createIfAbsent found or made. */
export interface CreateResult {
  created: boolean;
  /** The existing document's `delivered` flag (false when created). */
  delivered: boolean;
  /** The existing document's `deliveryStatus` (undefined when created). */
  existingStatus?: string;
}

export class AlertStore {
  /** Per-alert writes from concurrent activities share `_bulk` requests (see bulk-writer.ts). */
  private readonly writes: BulkWriter;

  constructor(
    readonly client: Client,
    readonly index: string,
    /** Settings of the index when the service creates it (OPENSEARCH_INDEX_SHARDS / _REPLICAS). */
    private readonly settings: { shards: number; replicas: number } = { shards: 1, replicas: 0 },
  ) {
    this.writes = new BulkWriter(client);
  }

  /** Creates the index if absent, then verifies every contract field's type. Throws MappingMismatchError. */
  async ensureIndex(): Promise<void> {
    try {
      await this.client.indices.create({
        index: this.index,
        body: { settings: { number_of_shards: this.settings.shards, number_of_replicas: this.settings.replicas, refresh_interval: '1s' }, mappings: ALERT_MAPPING } as never,
      });
    } catch (e) {
      if (errorType(e) !== 'resource_already_exists_exception') {
        throw new StartupCheckError('OpenSearch', `cannot create index "${this.index}": ${(e as Error).message}`);
      }
    }
    await this.verifyMapping();
  }

  async verifyMapping(): Promise<void> {
    const res = await this.client.indices.getMapping({ index: this.index });
    const body = res.body as Record<string, { mappings?: { properties?: Record<string, Mapping>; dynamic?: unknown } }>;
    const found = Object.values(body)[0]?.mappings ?? {};
    const mismatches: FieldMismatch[] = [];
    compare(ALERT_MAPPING.properties, found.properties ?? {}, '', mismatches);
    if (String(found.dynamic) !== 'strict' && String(found.dynamic) !== 'false') {
      mismatches.push({ field: '(dynamic)', found: JSON.stringify(found.dynamic ?? true), expected: 'strict (dynamic mapping off)' });
    }
    if (mismatches.length) throw new MappingMismatchError(this.index, mismatches);
  }

  /**
   * Writes the first state of a delivery unless a document already exists; returns what it found.
   * A document of a *different* alert under the same ID is an AlertConflictError, never a skip.
   * A permanent refusal (e.g. a value the mapping cannot hold) is a StoreRefusedError.
   */
  async createIfAbsent(req: DeliveryRequest, deliveryId = workflowIdFor(req.stream, req.messageId)): Promise<CreateResult> {
    const now = new Date().toISOString();
    const workflowId = workflowIdFor(req.stream, req.messageId);
    const doc: AlertDocument = {
      ...req.event,
      streamId: req.messageId,
      workflowId,
      receivedAt: req.receivedAt,
      delivered: false,
      deliveryStatus: 'pending',
      deliveries: [],
      updatedAt: now,
    };
    try {
      await this.writes.write({ action: { create: { _index: this.index, _id: deliveryId } }, source: doc });
      return { created: true, delivered: false };
    } catch (e) {
      if (errorType(e) !== 'version_conflict_engine_exception') throw refusal('create', e);
      const existing = await this.get(deliveryId);
      if (existing?.alertId !== undefined && existing.alertId !== req.event.alertId) throw new AlertConflictError(deliveryId, existing.alertId, req.event.alertId);
      if (existing?.workflowId !== undefined && existing.workflowId !== workflowId) throw new AlertConflictError(deliveryId, existing.alertId, req.event.alertId);
      return { created: false, delivered: existing?.delivered === true, existingStatus: existing?.deliveryStatus };
    }
  }

  /** Records the workflow's current state: per-channel results, `delivered`, `deliveryStatus`. */
  async record(deliveryId: string, state: DeliveryState): Promise<void> {
    await this.update(deliveryId, {
      delivered: state.status === 'delivered',
      deliveryStatus: state.status,
      deliveries: state.channels,
      rounds: state.rounds,
      parkedAt: state.parkedAt,
      abandonReason: state.abandonReason,
      ...(state.rejectReason ? { rejectReason: state.rejectReason.slice(0, 2000) } : {}),
    });
  }

  /** A partial update of an existing document (`updatedAt` set); a missing document is a StoreRefusedError. */
  async update(deliveryId: string, fields: Record<string, unknown>): Promise<void> {
    await this.writes.write({
      action: { update: { _index: this.index, _id: deliveryId, retry_on_conflict: 3 } },
      source: { doc: { ...fields, updatedAt: new Date().toISOString() } },
    }).catch((e: unknown) => {
      throw refusal('update', e);
    });
  }

  /** Records a stream entry that cannot be delivered, with the reason and the raw entry (truncated). */
  async reject(deliveryId: string, messageId: string, reason: string, fields: string[] | null, known: Partial<Pick<AlertDocument, 'workflowId' | 'alertId'>> = {}): Promise<void> {
    const raw = fields === null ? '(deleted)' : JSON.stringify(fields);
    const doc: AlertDocument = {
      ...known,
      streamId: messageId,
      receivedAt: new Date().toISOString(),
      delivered: false,
      deliveryStatus: 'rejected',
      rejectReason: reason.slice(0, 2000),
      raw: raw.length > RAW_LIMIT ? `${raw.slice(0, RAW_LIMIT)}…(${raw.length} chars)` : raw,
      updatedAt: new Date().toISOString(),
    };
    try {
      await this.writes.write({ action: { create: { _index: this.index, _id: deliveryId } }, source: doc });
    } catch (e) {
      if (errorType(e) !== 'version_conflict_engine_exception') throw refusal('reject', e); // a conflict: already recorded
    }
  }

  async get(deliveryId: string): Promise<AlertDocument | undefined> {
    try {
      const res = await this.client.get({ index: this.index, id: deliveryId });
      return (res.body as { _source?: AlertDocument })._source;
    } catch (e) {
      if ((e as OsError).meta?.statusCode === 404 || (e as OsError).statusCode === 404) return undefined;
      throw e;
    }
  }
}

function compare(expected: Record<string, Mapping>, found: Record<string, Mapping>, prefix: string, out: FieldMismatch[]): void {
  for (const [field, exp] of Object.entries(expected)) {
    const name = prefix + field;
    const got = found[field];
    const expType = exp.type ?? 'object';
    if (!got) {
      out.push({ field: name, found: 'missing', expected: String(expType) });
      continue;
    }
    const gotType = got.type ?? ('properties' in got ? 'object' : 'unknown');
    if (gotType !== expType) {
      out.push({ field: name, found: String(gotType), expected: String(expType) });
      continue;
    }
    const expProps = (exp as { properties?: Record<string, Mapping> }).properties;
    const gotProps = (got as { properties?: Record<string, Mapping> }).properties ?? {};
    if (expProps) compare(expProps, gotProps, `${name}.`, out);
  }
}
