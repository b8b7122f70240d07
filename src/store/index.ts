// The alert index in OpenSearch: one document per stream message, `_id` = the delivery ID
// (`<stream>:<message ID>`, the workflow ID; documents of deliveries started by an ingest from before
// delivery IDs keep the bare message ID).
// The index is created explicitly with a strict mapping and verified at start-up: an index whose
// contract fields are mapped wrongly (e.g. `view` as analyzed text) stops the process.
// Rollover mode (OPENSEARCH_INDEX_ROLLOVER=true): ALERT_INDEX is a write alias over `<ALERT_INDEX>-000001`, …;
// create-if-absent and updates find a document created before a rollover in its own index.
import { Client } from '@opensearch-project/opensearch';
import { ALERT_MAPPING, mappingMismatches, type FoundMapping } from './mapping';
import { BulkWriter, type BulkResponseItem } from './bulk-writer';
import { AlertConflictError, BulkItemError, MappingMismatchError, StartupCheckError, StoreRefusedError, type FieldMismatch } from '../errors';
import { firstIndexName, messageTime, nextIndexName } from './rollover';
import { DEFAULT_INCIDENT_TIMEOUT_MS, IncidentStore } from '../lifecycle/incidents';
import { InhibitionStore, type InhibitRule } from '../storm/inhibitions';
import { HeldDeliveries } from '../storm/held';
import { recordFields } from './record-fields';
import { SilenceStore } from '../storm/silences';
import type { AlertEvent } from '../contracts/alert';
import type { ChannelResult } from '../contracts/channels';
import type { DeliveryRequest, DeliveryState } from '../contracts/delivery';
import { workflowIdFor } from '../contracts/ids';

export { ALERT_MAPPING } from './mapping';

/** Raw entries of rejected input are kept up to this many characters. */
export const RAW_LIMIT = 8 * 1024;

export interface AlertDocument extends Partial<AlertEvent> {
  streamId: string;
  workflowId?: string;
  /** The workflow run that created it (see found-document.ts). */
  runId?: string;
  receivedAt: string;
  delivered: boolean;
  deliveryStatus: string;
  deliveries?: ChannelResult[];
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

function errorReason(e: unknown): string {
  const err = e as OsError;
  return err.body?.error?.reason ?? (err.meta?.body?.error as { reason?: string } | undefined)?.reason ?? err.message ?? '';
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

/** A top-level contract field the index lacks: the start-up check adds it (PUT _mapping) instead of refusing. */
function isAddable(m: FieldMismatch): boolean {
  return m.found === 'missing' && !m.field.includes('.') && m.field in ALERT_MAPPING.properties;
}

/** Rethrows a permanent refusal as StoreRefusedError (non-retryable downstream); anything else as it was. */
function refusal(operation: string, e: unknown): unknown {
  if (!isPermanentStoreError(e)) return e;
  const reason = e instanceof BulkItemError ? e.message : ((e as OsError).body?.error?.reason ?? (e as Error).message);
  return new StoreRefusedError(operation, errorStatus(e)!, errorType(e) ?? 'unknown', reason);
}

/** What createIfAbsent found or made. */
export interface CreateResult {
  created: boolean;
  /** The existing document's `delivered` flag (false when created). */
  delivered: boolean;
  /** The existing document's `deliveryStatus` (undefined when created). */
  existingStatus?: string;
  /** The run that created the existing document (absent when created, or for a document written without one). */
  existingRunId?: string;
  /** The existing document's per-channel results (what its run recorded so far). */
  existingDeliveries?: ChannelResult[];
}

/** Settings of the index when the service creates it, and the layout (OPENSEARCH_INDEX_SHARDS / _REPLICAS / _ROLLOVER). */
export interface StoreSettings {
  shards: number;
  replicas: number;
  /** ALERT_INDEX is a write alias over `<ALERT_INDEX>-000001`, … made from the index template (see store/rollover.ts). */
  rollover?: boolean;
  /** Overrides CLOCK_SKEW_MS (tests). */
  clockSkewMs?: number;
  /** INCIDENT_TIMEOUT (see lifecycle/incidents.ts; default 24 h). */
  incidentTimeoutMs?: number;
  /** The channels file's inhibit rules (their sources are recorded in `<ALERT_INDEX>.inhibitors`). */
  inhibitRules?: InhibitRule[];
}

/**
 * Clocks of Redis (which stamps message IDs) and OpenSearch (which stamps index creation) are assumed to agree
 * within this. It only widens the window after a rollover in which a create looks for an older copy.
 */
export const CLOCK_SKEW_MS = 5 * 60_000;

/** One document found behind the alias (rollover mode). */
interface Copy {
  index: string;
  created: number;
  seqNo: number;
  primaryTerm: number;
  source: AlertDocument;
}

type CreateOutcome = { created: true } | { created: false; existing?: AlertDocument };

export class AlertStore {
  /** Per-alert writes from concurrent activities share `_bulk` requests (see bulk-writer.ts). */
  private readonly writes: BulkWriter;
  /** Rollover mode: `index.creation_date` of the indices seen behind the alias (immutable per index). */
  private readonly created = new Map<string, number>();
  /** The incident records (one per alertId) that serialise firing and resolved events: `<ALERT_INDEX>.incidents`. */
  readonly incidents: IncidentStore;
  /** The firing sources of the inhibit rules: `<ALERT_INDEX>.inhibitors` (created only with rules). */
  readonly inhibitions: InhibitionStore;
  /** The silences (alertctl silence, the intake's API): `<ALERT_INDEX>.silences`, read at most once a second per process. */
  readonly silences: SilenceStore;
  /** The deliveries held back by a silence or a source, as their documents say (storm/held.ts: a wake's listing). */
  readonly held: HeldDeliveries;

  constructor(
    readonly client: Client,
    /** The index, or in rollover mode the write alias (ALERT_INDEX). */
    readonly index: string,
    private readonly settings: StoreSettings = { shards: 1, replicas: 0 },
  ) {
    this.writes = new BulkWriter(client);
    this.incidents = new IncidentStore(client, IncidentStore.indexFor(index), settings.incidentTimeoutMs, this.writes);
    this.silences = new SilenceStore(client, SilenceStore.indexFor(index));
    this.held = new HeldDeliveries(client, index);
    this.inhibitions = new InhibitionStore(client, InhibitionStore.indexFor(index), settings.inhibitRules ?? [], settings.incidentTimeoutMs ?? DEFAULT_INCIDENT_TIMEOUT_MS);
  }

  /** Whether ALERT_INDEX is a write alias over rolled-over indices. */
  get rollover(): boolean {
    return this.settings.rollover === true;
  }

  /**
   * Creates the index if absent, then verifies every contract field's type. Throws MappingMismatchError.
   * Rollover mode: checks the template the next index will be made from, creates the first index behind the
   * alias if the alias is absent, and verifies the write index.
   */
  async ensureIndex(): Promise<void> {
    await this.incidents.ensureIndex(this.settings).catch((e: Error) => {
      throw new StartupCheckError('OpenSearch', `cannot create the incident index "${this.incidents.index}": ${e.message}`);
    });
    await this.silences.ensureIndex(this.settings).catch((e: Error) => {
      if (e instanceof MappingMismatchError) throw e;
      throw new StartupCheckError('OpenSearch', `cannot create the silence index "${this.silences.index}": ${e.message}`);
    });
    await this.inhibitions.ensureIndex(this.settings).catch((e: Error) => {
      throw new StartupCheckError('OpenSearch', `cannot create the inhibitor index "${this.inhibitions.index}": ${e.message}`);
    });
    if (this.rollover) return this.ensureAlias();
    try {
      await this.client.indices.create({
        index: this.index,
        body: { settings: { number_of_shards: this.settings.shards, number_of_replicas: this.settings.replicas, refresh_interval: '1s' }, mappings: ALERT_MAPPING } as never,
      });
    } catch (e) {
      if (errorType(e) === 'invalid_index_name_exception' && /already exists as alias/.test(errorReason(e))) {
        throw new StartupCheckError('OpenSearch', `ALERT_INDEX "${this.index}" is an alias, not an index: a single-index store cannot follow a rollover. Fix: set OPENSEARCH_INDEX_ROLLOVER=true to write through the alias (README: Index lifecycle), or point ALERT_INDEX at an index.`);
      }
      if (errorType(e) !== 'resource_already_exists_exception') {
        throw new StartupCheckError('OpenSearch', `cannot create index "${this.index}": ${(e as Error).message}`);
      }
    }
    await this.verifyMapping();
  }

  async verifyMapping(index = this.index, fix?: string): Promise<void> {
    const res = await this.client.indices.getMapping({ index });
    const body = res.body as Record<string, { mappings?: FoundMapping }>;
    const mismatches = mappingMismatches(body[index]?.mappings ?? Object.values(body)[0]?.mappings ?? {});
    if (mismatches.length && mismatches.every(isAddable)) {
      // Fields a newer version added (e.g. the lifecycle's): adding a field to a mapping is always allowed.
      await this.client.indices.putMapping({ index, body: { properties: Object.fromEntries(mismatches.map((m) => [m.field, ALERT_MAPPING.properties[m.field as keyof typeof ALERT_MAPPING.properties]])) } as never });
      this.addedFields = mismatches.map((m) => m.field);
      return this.verifyMapping(index, fix);
    }
    if (mismatches.length) throw new MappingMismatchError(index, mismatches, { fix });
  }

  /** Fields the start-up check added to an existing index's mapping (for the start-up log). */
  addedFields: string[] = [];

  private async ensureAlias(): Promise<void> {
    const alias = this.index;
    let members = await this.aliasMembers();
    if (!members) {
      if ((await this.client.indices.exists({ index: alias })).body) {
        throw new StartupCheckError('OpenSearch', `ALERT_INDEX "${alias}" is an index, but OPENSEARCH_INDEX_ROLLOVER=true writes through a write alias of that name over "${firstIndexName(alias)}", … `
          + `Fix: unset OPENSEARCH_INDEX_ROLLOVER, or choose a new name for ALERT_INDEX and add "${alias}" to that alias as a read-only member (README: Index lifecycle, moving an existing index).`);
      }
      const first = firstIndexName(alias);
      await this.verifyTemplate(first);
      try {
        await this.client.indices.create({ index: first, body: { aliases: { [alias]: { is_write_index: true } } } });
      } catch (e) {
        if (errorType(e) !== 'resource_already_exists_exception') throw new StartupCheckError('OpenSearch', `cannot create the first index "${first}" behind the write alias "${alias}": ${(e as Error).message}`);
      }
      members = await this.aliasMembers();
      if (!members) {
        throw new StartupCheckError('OpenSearch', `index "${first}" exists but the alias "${alias}" does not. Fix: POST /_aliases {"actions":[{"add":{"index":"${first}","alias":"${alias}","is_write_index":true}}]}`);
      }
    }
    const names = Object.keys(members);
    const write = names.find((n) => members[n] === true) ?? (names.length === 1 && members[names[0]] !== false ? names[0] : undefined);
    if (!write) {
      throw new StartupCheckError('OpenSearch', `the alias "${alias}" (${names.sort().join(', ')}) has no write index: every write through it would fail. `
        + `Fix: POST /_aliases {"actions":[{"add":{"index":"<the newest of them>","alias":"${alias}","is_write_index":true}}]}`);
    }
    const next = nextIndexName(write);
    if (!next) {
      throw new StartupCheckError('OpenSearch', `the write index "${write}" of the alias "${alias}" does not end in -<number>: _rollover (and ISM) cannot name its successor. `
        + `Fix: roll over once to a numbered index: POST /${alias}/_rollover/${firstIndexName(alias)}`);
    }
    await this.verifyTemplate(next);
    await this.verifyMapping(write, `install the service's template (alertctl index-template --install) if it is not, then roll over so new documents go to a correctly mapped index: POST /${alias}/_rollover; reindex "${write}" if its documents matter.`);
  }

  /** The index template that will make `index` (the next rollover's index) must carry our mapping and not the alias itself. */
  private async verifyTemplate(index: string): Promise<void> {
    let body: { template?: { mappings?: FoundMapping; aliases?: Record<string, unknown> } };
    try {
      body = (await this.client.indices.simulateIndexTemplate({ name: index })).body as typeof body;
    } catch (e) {
      const status = errorStatus(e);
      if (status === 401 || status === 403) {
        throw new StartupCheckError('OpenSearch', `cannot read the index template that will create "${index}" (HTTP ${status}): rollover mode checks it at start-up. `
          + 'Fix: grant the service user the cluster permission indices:admin/index_template/simulate_index.');
      }
      throw e;
    }
    const install = `alertctl index-template --install (with the same ALERT_INDEX and OpenSearch settings), or PUT the body \`alertctl index-template\` prints as /_index_template/${this.index}`;
    if (!body.template) {
      throw new StartupCheckError('OpenSearch', `no index template matches "${index}": rollover would create it with dynamic mapping. Fix: ${install}.`);
    }
    if (body.template.aliases && this.index in body.template.aliases) {
      throw new StartupCheckError('OpenSearch', `the index template for "${index}" adds the alias "${this.index}" itself: _rollover refuses such a template. Fix: remove "aliases" from it (${install}).`);
    }
    const mismatches = mappingMismatches(body.template.mappings ?? {});
    if (mismatches.length) {
      throw new MappingMismatchError(index, mismatches, {
        subject: `the index template that will create "${index}" (the alias "${this.index}"'s next index)`,
        fix: `${install}; a template of higher priority that matches "${index}" wins over it.`,
      });
    }
  }

  /** Rollover mode: the indices behind the alias and their `is_write_index` flag; undefined if the alias is absent. */
  private async aliasMembers(): Promise<Record<string, boolean | undefined> | undefined> {
    try {
      const body = (await this.client.indices.getAlias({ name: this.index })).body as Record<string, { aliases: Record<string, { is_write_index?: boolean }> }>;
      return Object.fromEntries(Object.entries(body).map(([index, v]) => [index, v.aliases[this.index]?.is_write_index]));
    } catch (e) {
      if (errorStatus(e) === 404) return undefined;
      throw e;
    }
  }

  /** `index.creation_date` of each index (cached: it never changes). */
  private async creationDates(indices: string[]): Promise<Map<string, number>> {
    const missing = indices.filter((i) => !this.created.has(i));
    if (missing.length) {
      const res = await this.client.indices.getSettings({ index: missing.join(','), name: 'index.creation_date' });
      for (const [index, v] of Object.entries(res.body as Record<string, { settings: { index: { creation_date: string } } }>)) {
        this.created.set(index, Number(v.settings.index.creation_date));
      }
    }
    return this.created;
  }

  /**
   * Rollover mode: every copy of a document behind the alias, oldest index first (real-time multi-get on each
   * concrete index: a GET through an alias over several indices is refused).
   */
  private async locate(id: string): Promise<Copy[]> {
    const members = await this.aliasMembers();
    if (!members) return [];
    const res = await this.client.mget({ body: { docs: Object.keys(members).map((index) => ({ _index: index, _id: id })) } });
    type Doc = { _index: string; found?: boolean; _seq_no?: number; _primary_term?: number; _source?: AlertDocument; error?: { type?: string; reason?: string } };
    const docs = (res.body as { docs: Doc[] }).docs;
    const failed = docs.find((d) => d.error && d.error.type !== 'index_not_found_exception'); // deleted meanwhile by retention: no copy
    if (failed) throw new Error(`OpenSearch multi-get of ${id} in ${failed._index} failed: ${failed.error?.type}: ${failed.error?.reason}`);
    const found = docs.filter((d) => d.found);
    if (!found.length) return [];
    const created = await this.creationDates(found.map((d) => d._index));
    return found
      .map((d) => ({ index: d._index, created: created.get(d._index) ?? 0, seqNo: d._seq_no!, primaryTerm: d._primary_term!, source: d._source! }))
      .sort((a, b) => a.created - b.created || a.index.localeCompare(b.index));
  }

  /**
   * Rollover mode: whether a document written now to `index` can have an older copy in an earlier index. Only
   * if `index` became the write index after (or around) the time the message was added to the stream: any
   * earlier create of this delivery happened after that, so it went to `index` and would have conflicted.
   */
  private async mayHaveOlderCopy(index: string | undefined, messageId: string): Promise<boolean> {
    const skew = this.settings.clockSkewMs ?? CLOCK_SKEW_MS;
    const t = messageTime(messageId, Date.now(), skew);
    if (index === undefined || t === undefined) return true;
    const created = (await this.creationDates([index])).get(index);
    return created === undefined || created > t - skew;
  }

  /** Rollover mode: the oldest copy is the document; newer copies (a create that crossed a rollover) are deleted. */
  private async keepOldest(id: string): Promise<Copy | undefined> {
    const [oldest, ...newer] = await this.locate(id);
    for (const c of newer) {
      await this.client.delete({ index: c.index, id, if_seq_no: c.seqNo, if_primary_term: c.primaryTerm });
    }
    return oldest;
  }

  /**
   * Creates the document unless one exists under the ID; with `wantExisting`, returns the one found.
   * Rollover mode: the create goes to the write index, where a document created before a rollover is not;
   * when that can be the case (see mayHaveOlderCopy) the indices behind the alias are searched and the older
   * document wins: the new copy is deleted, so create-if-absent holds across rollovers.
   */
  private async createOnce(operation: string, id: string, messageId: string, doc: AlertDocument, wantExisting: boolean): Promise<CreateOutcome> {
    let written: BulkResponseItem;
    try {
      written = await this.writes.writeItem({ action: { create: { _index: this.index, _id: id } }, source: doc });
    } catch (e) {
      if (errorType(e) !== 'version_conflict_engine_exception') throw refusal(operation, e);
      if (!this.rollover) return { created: false, existing: wantExisting ? await this.get(id) : undefined };
      const at = e instanceof BulkItemError ? e.index : undefined;
      if (await this.mayHaveOlderCopy(at, messageId)) return { created: false, existing: (await this.keepOldest(id))?.source };
      return { created: false, existing: wantExisting ? await this.getFrom(at!, id) : undefined };
    }
    if (this.rollover && (await this.mayHaveOlderCopy(written._index, messageId))) {
      const kept = await this.keepOldest(id);
      if (kept && kept.index !== written._index) return { created: false, existing: kept.source };
    }
    return { created: true };
  }

  /**
   * Writes the first state of a delivery unless a document already exists; returns what it found.
   * A document of a *different* alert under the same ID is an AlertConflictError, never a skip.
   * A permanent refusal (e.g. a value the mapping cannot hold) is a StoreRefusedError.
   */
  async createIfAbsent(req: DeliveryRequest, deliveryId = workflowIdFor(req.stream, req.messageId), runId?: string): Promise<CreateResult> {
    const now = new Date().toISOString();
    const workflowId = workflowIdFor(req.stream, req.messageId);
    const doc: AlertDocument = {
      ...req.event,
      streamId: req.messageId,
      workflowId,
      ...(runId ? { runId } : {}),
      receivedAt: req.receivedAt,
      delivered: false,
      deliveryStatus: 'pending',
      deliveries: [],
      updatedAt: now,
    };
    const outcome = await this.createOnce('create', deliveryId, req.messageId, doc, true);
    if (outcome.created) return { created: true, delivered: false };
    const { existing } = outcome;
    if (existing?.alertId !== undefined && existing.alertId !== req.event.alertId) throw new AlertConflictError(deliveryId, existing.alertId, req.event.alertId);
    if (existing?.workflowId !== undefined && existing.workflowId !== workflowId) throw new AlertConflictError(deliveryId, existing.alertId, req.event.alertId);
    return {
      created: false, delivered: existing?.delivered === true, existingStatus: existing?.deliveryStatus,
      ...(existing?.runId ? { existingRunId: existing.runId } : {}),
      ...(existing?.deliveries?.length ? { existingDeliveries: existing.deliveries } : {}),
    };
  }

  /** Records the workflow's current state: per-channel results, `delivered`, `deliveryStatus`. */
  async record(deliveryId: string, state: DeliveryState): Promise<void> {
    await this.update(deliveryId, recordFields(state));
  }

  /**
   * A grouped member's own record (`grouped`), unless its group has already recorded the notification that carried
   * it: the member's task may run (again) after the group notified, when a lost task is retried. Writes only the
   * version of the document it read (a write in between is seen, and the record judged again).
   * @returns false when the group's record was there first (nothing written)
   */
  async recordGrouped(deliveryId: string, state: DeliveryState): Promise<boolean> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const [copy] = this.rollover ? await this.locate(deliveryId) : await this.read(deliveryId);
      if (!copy) throw new StoreRefusedError('update', 404, 'document_missing_exception', `document ${deliveryId} is missing`);
      if ((copy.source as { groupNotificationKey?: string }).groupNotificationKey) return false;
      try {
        await this.client.update({
          index: copy.index, id: deliveryId, if_seq_no: copy.seqNo, if_primary_term: copy.primaryTerm,
          body: { doc: { ...recordFields(state), updatedAt: new Date().toISOString() } },
        });
        return true;
      } catch (e) {
        if (errorType(e) !== 'version_conflict_engine_exception') throw refusal('update', e);
      }
    }
    throw new Error(`document ${deliveryId} changed 5 times in a row while its grouped record was written`);
  }

  /** The document with its version (single-index mode). */
  private async read(id: string): Promise<Copy[]> {
    try {
      const res = await this.client.get({ index: this.index, id });
      const body = res.body as { _index: string; _seq_no: number; _primary_term: number; _source: AlertDocument };
      return [{ index: body._index, created: 0, seqNo: body._seq_no, primaryTerm: body._primary_term, source: body._source }];
    } catch (e) {
      if (errorStatus(e) === 404) return [];
      throw e;
    }
  }

  /**
   * A partial update of an existing document (`updatedAt` set); a missing document is a StoreRefusedError.
   * Rollover mode: the update goes to the write index; a document created before a rollover is not there
   * (document_missing_exception), so it is found behind the alias and updated in its own index.
   */
  async update(deliveryId: string, fields: Record<string, unknown>): Promise<void> {
    const source = { doc: { ...fields, updatedAt: new Date().toISOString() } };
    const write = (index: string) => this.writes.write({ action: { update: { _index: index, _id: deliveryId, retry_on_conflict: 3 } }, source });
    try {
      await write(this.index);
    } catch (e) {
      if (!(this.rollover && errorType(e) === 'document_missing_exception')) throw refusal('update', e);
      const [home] = await this.locate(deliveryId);
      if (!home) throw refusal('update', e);
      await write(home.index).catch((e2: unknown) => {
        throw refusal('update', e2);
      });
    }
  }

  /** Records a stream entry that cannot be delivered, with the reason and the raw entry (truncated). */
  async reject(deliveryId: string, messageId: string, reason: string, fields: string[] | null, known: Partial<Pick<AlertDocument, 'workflowId' | 'runId' | 'alertId'>> = {}): Promise<void> {
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
    await this.createOnce('reject', deliveryId, messageId, doc, false); // not created: already recorded
  }

  /**
   * The members of a group that ended without notifying them (its workflow was terminated or timed out): every
   * document still `grouped` or `failed` under it becomes `terminated` with the reason. Returns how many.
   */
  async closeGroupMembers(groupId: string, reason: string): Promise<number> {
    // (a search and partial updates: the distribution may lack the reindex module, so no _update_by_query)
    let closed = 0;
    for (let round = 0; round < 100; round++) { // ≤ 100,000 members per pass; the next pass takes the rest
      const res = await this.client.search({
        index: this.index, body: { size: 1_000, _source: false, query: { bool: { filter: [{ term: { groupId } }, { terms: { deliveryStatus: ['grouped', 'failed'] } }] } } },
      });
      const ids = (res.body as { hits: { hits: { _id: string }[] } }).hits.hits.map((h) => h._id);
      if (ids.length === 0) return closed;
      await Promise.all(ids.map((id) => this.update(id, { delivered: false, deliveryStatus: 'terminated', abandonReason: reason.slice(0, 2000) })));
      await this.client.indices.refresh({ index: this.index });
      closed += ids.length;
    }
    return closed;
  }

  /** The document, wherever it is (rollover mode: in any index behind the alias, the oldest copy). */
  async get(deliveryId: string): Promise<AlertDocument | undefined> {
    if (this.rollover) return (await this.locate(deliveryId))[0]?.source;
    return this.getFrom(this.index, deliveryId);
  }

  private async getFrom(index: string, deliveryId: string): Promise<AlertDocument | undefined> {
    try {
      const res = await this.client.get({ index, id: deliveryId });
      return (res.body as { _source?: AlertDocument })._source;
    } catch (e) {
      if ((e as OsError).meta?.statusCode === 404 || (e as OsError).statusCode === 404) return undefined;
      throw e;
    }
  }
}
