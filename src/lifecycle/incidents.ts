// One page per incident: the incident record, keyed by `alertId`, serialises firing and resolved events
// without a race. Each delivery's persist step claims its role on the record with OpenSearch's atomic
// create-if-absent and compare-and-set (if_seq_no / if_primary_term) — never a search, which is only
// eventually consistent. The record lives in its own small index (`<ALERT_INDEX>.incidents`).
//
//   firing,   no record                → page      (record: firing, this delivery)
//   firing,   record firing/acked      → duplicate (of the delivery that paged)
//   firing,   record resolved          → page if it fired later than the resolved incident (a new
//                                        incident), else duplicate (a late or repeated firing of it)
//   resolved, record firing/acked      → resolve   (record: resolved by this delivery)
//   resolved, record resolved          → duplicate (of the delivery that resolved it)
//   resolved, no record                → unmatched (record: resolved, no page: a late firing stays silent)
// A retried claim by the same delivery gets the same answer (the record names it). A firing incident that
// no event has refreshed for INCIDENT_TIMEOUT (default 24 h) is stale: the next firing pages as a new one
// (a producer that never sends `resolved` still gets paged again the next day, not never again). A delivery
// terminated by an operator releases its incident (the reconciler), so the next firing pages too.
import type { Client } from '@opensearch-project/opensearch';
import type { IncidentClaim } from '../contracts/delivery';
import { BulkItemError } from '../errors';
import { BulkWriter } from '../store/bulk-writer';

export type IncidentState = 'firing' | 'acknowledged' | 'resolved';

export interface IncidentRecord {
  alertId: string;
  state: IncidentState;
  /** The firing delivery that paged (null: resolved before any firing was seen). */
  deliveryId: string | null;
  workflowId: string | null;
  /** The incident's start (the event's firedAt). */
  firedAt: string;
  openedAt: string;
  resolvedAt: string | null;
  resolvedBy: string | null;
  ackedBy?: string | null;
  ackedAt?: string | null;
  /** The last firing event seen for it (the page, or a duplicate): what staleness counts from. */
  lastSeenAt?: string;
  /** Why it ended without a resolved event (e.g. the paging delivery was terminated). */
  closedReason?: string | null;
  updatedAt: string;
}

/** Default INCIDENT_TIMEOUT: a firing incident not refreshed for this long no longer swallows firings. */
export const DEFAULT_INCIDENT_TIMEOUT_MS = 24 * 3_600_000;

export const INCIDENT_MAPPING = {
  dynamic: 'strict',
  properties: {
    alertId: { type: 'keyword' },
    state: { type: 'keyword' },
    deliveryId: { type: 'keyword' },
    workflowId: { type: 'keyword' },
    firedAt: { type: 'date' },
    openedAt: { type: 'date' },
    resolvedAt: { type: 'date' },
    resolvedBy: { type: 'keyword' },
    ackedBy: { type: 'keyword' },
    ackedAt: { type: 'date' },
    lastSeenAt: { type: 'date' },
    closedReason: { type: 'text' },
    updatedAt: { type: 'date' },
  },
} as const;

/** The delivery asking for its role. */
export interface Claimant {
  alertId: string;
  deliveryId: string;
  workflowId: string;
  firedAt: string;
}

interface Found {
  doc: IncidentRecord;
  seqNo: number;
  primaryTerm: number;
}

/** Compare-and-set races lost in a row before giving up (the activity's retry then tries again). */
const MAX_RACES = 10;

const statusOf = (e: unknown): number | undefined => (e as { meta?: { statusCode?: number } }).meta?.statusCode;

export class IncidentStore {
  constructor(
    private readonly client: Client,
    readonly index: string,
    /** INCIDENT_TIMEOUT: see the header. */
    private readonly staleAfterMs = DEFAULT_INCIDENT_TIMEOUT_MS,
    /** The record's writes share `_bulk` requests with the alert documents' (the AlertStore's writer). */
    private readonly writes = new BulkWriter(client),
  ) {}

  /** The incident index for an alert index or alias: `<ALERT_INDEX>.incidents` (outside an `<alias>-*` template's pattern). */
  static indexFor(alertIndex: string): string {
    return `${alertIndex}.incidents`;
  }

  /** Creates the index if absent (strict mapping); an existing one must hold the same fields. */
  async ensureIndex(settings: { shards: number; replicas: number }): Promise<void> {
    try {
      await this.client.indices.create({
        index: this.index,
        body: { settings: { number_of_shards: settings.shards, number_of_replicas: settings.replicas }, mappings: INCIDENT_MAPPING },
      });
    } catch (e) {
      if ((e as { body?: { error?: { type?: string } } }).body?.error?.type !== 'resource_already_exists_exception') throw e;
    }
  }

  async get(alertId: string): Promise<Found | undefined> {
    try {
      const res = await this.client.get({ index: this.index, id: alertId });
      const body = res.body as { _source: IncidentRecord; _seq_no: number; _primary_term: number };
      return { doc: body._source, seqNo: body._seq_no, primaryTerm: body._primary_term };
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw e;
    }
  }

  /** True while the incident fires (or is acknowledged) and an event refreshed it within INCIDENT_TIMEOUT. */
  async isFiring(alertId: string): Promise<boolean> {
    const doc = (await this.get(alertId))?.doc;
    return doc !== undefined && doc.state !== 'resolved' && Date.now() - Date.parse(doc.lastSeenAt ?? doc.openedAt) <= this.staleAfterMs;
  }

  /** A firing event's role: page (the incident is ours) or duplicate. */
  async claimFiring(c: Claimant): Promise<IncidentClaim> {
    // The common case, a new incident: one create, no read before it. A record there already is read and judged.
    if (await this.put(c.alertId, this.firing(c))) return { role: 'page' };
    return this.race(async () => {
      const found = await this.get(c.alertId);
      if (!found) return (await this.put(c.alertId, this.firing(c))) ? { role: 'page' } : undefined;
      const { doc } = found;
      if (doc.deliveryId === c.deliveryId) return { role: 'page' };
      const stale = Date.now() - Date.parse(doc.lastSeenAt ?? doc.openedAt) > this.staleAfterMs;
      if (doc.state !== 'resolved' && stale) return (await this.put(c.alertId, this.firing(c), found)) ? { role: 'page' } : undefined;
      if (doc.state !== 'resolved') {
        // Still firing: this one is a repeat. It keeps the incident fresh (a lost race here changes nothing).
        await this.put(c.alertId, { ...doc, lastSeenAt: new Date().toISOString(), updatedAt: new Date().toISOString() }, found);
        return { role: 'duplicate', of: doc.workflowId ?? '', reason: `incident ${c.alertId} is ${doc.state}: paged by ${doc.workflowId}` };
      }
      if (!(Date.parse(c.firedAt) > Date.parse(doc.firedAt))) {
        const how = doc.deliveryId === null ? 'was resolved before it fired' : 'is already resolved';
        return { role: 'duplicate', of: doc.resolvedBy ?? '', reason: `incident ${c.alertId} ${how} (by ${doc.resolvedBy}); this firing is not later than ${doc.firedAt}` };
      }
      return (await this.put(c.alertId, this.firing(c), found)) ? { role: 'page' } : undefined;
    });
  }

  /** A resolved event's role: resolve (names the firing delivery), duplicate, or unmatched. */
  async claimResolve(c: Claimant): Promise<IncidentClaim> {
    return this.race(async () => {
      const now = new Date().toISOString();
      const found = await this.get(c.alertId);
      if (!found) {
        const tombstone: IncidentRecord = {
          alertId: c.alertId, state: 'resolved', deliveryId: null, workflowId: null, firedAt: c.firedAt, openedAt: now, resolvedAt: now, resolvedBy: c.workflowId, updatedAt: now,
        };
        return (await this.put(c.alertId, tombstone)) ? this.unmatched(c) : undefined;
      }
      const { doc } = found;
      if (doc.resolvedBy === c.workflowId) return doc.deliveryId ? this.resolves(doc) : this.unmatched(c);
      if (doc.state === 'resolved') return { role: 'duplicate', of: doc.resolvedBy ?? '', reason: `incident ${c.alertId} is already resolved (by ${doc.resolvedBy})` };
      const resolved: IncidentRecord = { ...doc, state: 'resolved', resolvedAt: now, resolvedBy: c.workflowId, updatedAt: now };
      return (await this.put(c.alertId, resolved, found)) ? this.resolves(doc) : undefined;
    });
  }

  /** Marks the incident acknowledged (while it fires, by the delivery that paged). */
  async acknowledge(alertId: string, workflowId: string, by: string, at: string): Promise<void> {
    await this.race(async () => {
      const found = await this.get(alertId);
      if (!found || found.doc.workflowId !== workflowId || found.doc.state === 'resolved') return true; // nothing to mark
      return (await this.put(alertId, { ...found.doc, state: 'acknowledged', ackedBy: by, ackedAt: at, updatedAt: new Date().toISOString() }, found)) ? true : undefined;
    });
  }

  /** The paging delivery was terminated (reconciler): the incident no longer swallows firings. */
  async release(alertId: string, workflowId: string, reason: string): Promise<void> {
    await this.race(async () => {
      const found = await this.get(alertId);
      if (!found || found.doc.workflowId !== workflowId || found.doc.state === 'resolved') return true;
      const now = new Date().toISOString();
      return (await this.put(alertId, { ...found.doc, state: 'resolved', resolvedAt: now, resolvedBy: null, closedReason: reason, updatedAt: now }, found)) ? true : undefined;
    });
  }

  private firing(c: Claimant): IncidentRecord {
    const now = new Date().toISOString();
    return {
      alertId: c.alertId, state: 'firing', deliveryId: c.deliveryId, workflowId: c.workflowId, firedAt: c.firedAt, openedAt: now, lastSeenAt: now,
      resolvedAt: null, resolvedBy: null, ackedBy: null, ackedAt: null, closedReason: null, updatedAt: now,
    };
  }

  private resolves(doc: IncidentRecord): IncidentClaim {
    return { role: 'resolve', of: doc.workflowId ?? '', firingDeliveryId: doc.deliveryId ?? '', reason: `resolves incident ${doc.alertId} paged by ${doc.workflowId}` };
  }

  private unmatched(c: Claimant): IncidentClaim {
    return { role: 'unmatched', reason: `no firing incident ${c.alertId} is known: resolved before it fired, or it never fired here; a later firing of it will not page` };
  }

  /** Writes the record: created if absent (`expected` undefined) or replaced if unchanged since read. False if the race was lost. */
  private async put(alertId: string, doc: IncidentRecord, expected?: Found): Promise<boolean> {
    const at = { _index: this.index, _id: alertId };
    try {
      await this.writes.write({ action: expected ? { index: { ...at, if_seq_no: expected.seqNo, if_primary_term: expected.primaryTerm } } : { create: at }, source: doc });
      return true;
    } catch (e) {
      if (e instanceof BulkItemError && e.status === 409) return false;
      throw e;
    }
  }

  private async race<T>(attempt: () => Promise<T | undefined>): Promise<T> {
    for (let i = 0; i < MAX_RACES; i++) {
      const out = await attempt();
      if (out !== undefined) return out;
    }
    throw new Error(`incident record: lost ${MAX_RACES} compare-and-set races in a row`);
  }
}
