// On-call overrides (docs/intake.md, "On call"), stored durably in OpenSearch as silences are (src/storm/silences.ts):
// one document per override in `<ALERT_INDEX>.oncall-overrides` (outside a rollover template's `<alias>-*`
// pattern), written with refresh=wait_for so the next search anywhere sees it.
// Every worker answers `overlapping` (who is on call when a level fires) from a cache of the overrides not yet over,
// read with one search at most every `cacheMs` (default 2 s) and shared by the callers waiting for it. The bound: an
// override written at T (add returns once it is searchable) is seen by every process's lookups from T + cacheMs on,
// plus the time of one search (the cache's age counts from before its search started); the process that wrote it
// sees it at once (its cache is dropped). A lookup older than the cache reaches (an hour) reads the index.
// Removing keeps the document, marked removed (removedAt, removedBy): a page records the override it came through
// (PagedVia.override), and that record must still say who made it, when and why after it is gone. Its effective end
// is min(end, removedAt): the part in force stays true for `who --at` in the past; a future one is void.
import type { Client } from '@opensearch-project/opensearch';
import { MappingMismatchError, OverrideNotFoundError, type FieldMismatch } from '../errors';
import type { Override } from '../schedules/types';
import { errorType, getVersioned, searchSources, statusOf } from '../store/index-documents';
import { asOverride, effectiveEnd, isVoid, validateOverride, type NewOverride, type OverrideDirectory, type StoredOverride } from './override-rules';

export const OVERRIDE_MAPPING = {
  dynamic: 'strict',
  properties: {
    id: { type: 'keyword' },
    schedule: { type: 'keyword' },
    person: { type: 'keyword' },
    start: { type: 'date' },
    end: { type: 'date' },
    createdAt: { type: 'date' },
    createdBy: { type: 'keyword' },
    reason: { type: 'text' },
    removedAt: { type: 'date' },
    removedBy: { type: 'keyword' },
  },
} as const;

/** Overrides read per search; the cache is used only when everything not yet over fits in one read. */
export const MAX_OVERRIDES_READ = 10_000;
/** How far back the cache reaches (a level firing late asks about an instant a little in the past). */
const CACHE_LOOKBACK_MS = 3_600_000;

const iso = (ms: number) => new Date(ms).toISOString();

/** A range query of overrides touching [from, to) (a removed one's effective end is checked after the search). */
const touching = (from?: number, to?: number) => [
  ...(from === undefined ? [] : [{ range: { end: { gt: iso(from) } } }]),
  ...(to === undefined ? [] : [{ range: { start: { lt: iso(to) } } }]),
];

/** The overrides not over at `readAt` minus the look-back, as one search found them. */
interface Snapshot {
  readAt: number;
  overrides: StoredOverride[];
}

export interface OverrideQuery {
  schedule?: string;
  /** Overrides still in force at or after this instant (epoch ms); default: now. */
  from?: number;
  /** … and starting before this one; default: no bound. */
  to?: number;
  /** Also those removed before they started (default false). */
  removed?: boolean;
}

export class OverrideStore {
  private cache?: Snapshot;
  private refreshing?: Promise<Snapshot | undefined>;
  /** Bumped by every change this process makes: a read that started before it does not fill the cache. */
  private generation = 0;
  private readonly cacheMs: number;

  constructor(
    private readonly client: Client,
    readonly index: string,
    /** Which schedules and people exist (add checks both): the on-call file now. */
    private readonly directory: OverrideDirectory,
    /** cacheMs: the oldest answer `overlapping` may give (default 2000 ms). */
    options: { cacheMs?: number } = {},
  ) {
    this.cacheMs = options.cacheMs ?? 2000;
  }

  /** `<ALERT_INDEX>.oncall-overrides`, beside the silence index. */
  static indexFor(alertIndex: string): string {
    return `${alertIndex}.oncall-overrides`;
  }

  /** Creates the index if absent (strict mapping), then checks it: a field mapped otherwise throws MappingMismatchError. */
  async ensureIndex(settings: { shards: number; replicas: number }): Promise<void> {
    try {
      await this.client.indices.create({
        index: this.index,
        body: { settings: { number_of_shards: settings.shards, number_of_replicas: settings.replicas }, mappings: OVERRIDE_MAPPING },
      });
    } catch (e) {
      if (errorType(e) !== 'resource_already_exists_exception') throw e;
    }
    const res = await this.client.indices.getMapping({ index: this.index });
    const found = Object.values(res.body as Record<string, { mappings?: { properties?: Record<string, { type?: string }>; dynamic?: unknown } }>)[0]?.mappings ?? {};
    const mismatches: FieldMismatch[] = Object.entries(OVERRIDE_MAPPING.properties)
      .filter(([field, spec]) => found.properties?.[field]?.type !== spec.type)
      .map(([field, spec]) => ({ field, found: found.properties?.[field]?.type ?? 'missing', expected: spec.type }));
    if (String(found.dynamic) !== 'strict') mismatches.push({ field: '(dynamic)', found: JSON.stringify(found.dynamic ?? true), expected: 'strict' });
    if (mismatches.length) {
      throw new MappingMismatchError(this.index, mismatches, {
        subject: `override index "${this.index}"`,
        fix: `move its overrides aside (GET ${this.index}/_search), delete "${this.index}", restart (the service creates it), and add the overrides again.`,
      });
    }
  }

  /** Validates (every problem at once: OverrideInvalidError) and stores a new override; returns it with its ID. */
  async add(input: NewOverride): Promise<StoredOverride> {
    const override = validateOverride(input, this.directory);
    await this.client.index({ index: this.index, id: override.id, body: override, op_type: 'create', refresh: 'wait_for' });
    this.changed();
    return override;
  }

  async get(id: string): Promise<StoredOverride | undefined> {
    return (await this.read(id))?.override;
  }

  /** Overrides by start (then creation), read from the index now: by default those of every schedule not yet over. */
  async list({ schedule, from = Date.now(), to, removed = false }: OverrideQuery = {}): Promise<StoredOverride[]> {
    const filter = [...(schedule === undefined ? [] : [{ term: { schedule } }]), ...touching(from, to)];
    const found = await this.search({ bool: { filter } }, [{ start: 'asc' }, { createdAt: 'asc' }, { id: 'asc' }], MAX_OVERRIDES_READ);
    return found.filter((o) => (isVoid(o) ? removed : effectiveEnd(o) > from));
  }

  /**
   * Removes an override: kept, marked removedAt = now and removedBy = by, so it stops being in force now (a future
   * one never starts). One that is over (or removed) already is returned unchanged, with `changed: false`.
   */
  async remove(id: string, by: string): Promise<{ override: StoredOverride; changed: boolean }> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const found = await this.read(id);
      if (!found) throw new OverrideNotFoundError(id, this.index);
      const now = Date.now();
      if (found.override.removedAt || effectiveEnd(found.override) <= now) return { override: found.override, changed: false };
      const removed: StoredOverride = { ...found.override, removedAt: iso(now), removedBy: by };
      try {
        // Compare-and-set: of two operators removing it at once, one wrote it and both see it removed.
        await this.client.index({ index: this.index, id, body: removed, if_seq_no: found.seqNo, if_primary_term: found.primaryTerm, refresh: 'wait_for' });
      } catch (e) {
        if (statusOf(e) === 409) continue;
        throw e;
      }
      this.changed();
      return { override: removed, changed: true };
    }
    throw new Error(`override ${id}: changed by someone else 5 times in a row while being removed`);
  }

  /**
   * The overrides of `schedule` in force during [fromMs, toMs) (effective ends), oldest first, as the schedule
   * function takes them. From the cache (at most cacheMs old) when it reaches back to fromMs; else from the index.
   */
  async overlapping(schedule: string, fromMs: number, toMs: number): Promise<Override[]> {
    const cached = await this.notOver();
    const pool = cached && fromMs >= cached.readAt - CACHE_LOOKBACK_MS ? cached.overrides : await this.list({ schedule, from: fromMs, to: toMs });
    return pool
      .filter((o) => o.schedule === schedule && Date.parse(o.start) < toMs && effectiveEnd(o) > fromMs && !isVoid(o))
      .sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt) || (a.id < b.id ? -1 : 1))
      .map(asOverride);
  }

  /** Every override not over an hour ago: the cache, or one search shared by everyone asking while it runs. */
  private async notOver(): Promise<Snapshot | undefined> {
    if (this.cache && Date.now() - this.cache.readAt < this.cacheMs) return this.cache;
    if (!this.refreshing) {
      const refreshing = this.readNotOver().finally(() => {
        if (this.refreshing === refreshing) this.refreshing = undefined;
      });
      this.refreshing = refreshing;
    }
    return this.refreshing;
  }

  /** One search; fills the cache unless this process changed an override meanwhile. Too many to hold: undefined. */
  private async readNotOver(): Promise<Snapshot | undefined> {
    const generation = this.generation;
    const readAt = Date.now(); // the age counts from before the search: a write after it started is seen within cacheMs
    const found = await this.search({ range: { end: { gt: iso(readAt - CACHE_LOOKBACK_MS) } } }, [{ end: 'asc' }, { id: 'asc' }], MAX_OVERRIDES_READ);
    if (found.length >= MAX_OVERRIDES_READ) return undefined; // incomplete: every lookup reads the index
    const snapshot = { readAt, overrides: found };
    if (generation === this.generation && (!this.cache || this.cache.readAt <= readAt)) this.cache = snapshot;
    return snapshot;
  }

  /** This process changed an override: its own next lookup reads the index (others' caches catch up within cacheMs). */
  private changed(): void {
    this.generation++;
    this.cache = undefined;
    this.refreshing = undefined;
  }

  private async search(query: unknown, sort: unknown[], size: number): Promise<StoredOverride[]> {
    return searchSources<StoredOverride>(this.client, this.index, query, sort, size); // [] until somebody has made an override here
  }

  private async read(id: string): Promise<{ override: StoredOverride; seqNo: number; primaryTerm: number } | undefined> {
    // undefined for an ID this store does not make (OpenSearch refuses IDs over 512 bytes) or a missing document
    const found = await getVersioned<StoredOverride>(this.client, this.index, id);
    return found && { override: found.source, seqNo: found.seqNo, primaryTerm: found.primaryTerm };
  }
}
