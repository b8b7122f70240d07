// Silences (docs/storm-control.md): a human's "do not notify alerts like these until then", stored as one
// document per silence in `<ALERT_INDEX>.silences`, shared by every process. A silence never changes after it
// is made except to end early (`expire`); its state is derived from the clock: pending (startsAt > now),
// active, expired (endsAt <= now). Writes use refresh=wait_for, so the next search (another process's cache
// refresh, `list`) sees them at once.
// The persist step asks `matching` for every paging alert: it answers from a cache of the active and pending
// silences read at most every `refreshMs` (one search, shared by the callers waiting for it), so a new silence
// holds back alerts within about a second everywhere. `matchingNow` reads the index: a silenced delivery that
// wakes up must not be put back to sleep by a cache that has not seen the expiry yet.
import { randomUUID } from 'node:crypto';
import type { Client } from '@opensearch-project/opensearch';
import { MappingMismatchError, MatcherSyntaxError, SilenceInvalidError, SilenceNotFoundError, type FieldMismatch } from '../errors';
import { silencesChanged } from '../metrics';
import { errorType, getVersioned, searchSources, statusOf } from '../store/index-documents';
import { formatMatcher, matchesAll, matcherMatches, parseMatcher, type Matcher } from './matchers';

export interface Silence {
  id: string;
  matchers: Matcher[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
  createdAt: string;
  /** Who ended it early (`expire`); null while it runs its course. */
  expiredBy?: string | null;
  updatedAt: string;
}

export type SilenceState = 'pending' | 'active' | 'expired';

/** What `add` needs; `startsAt` defaults to now (a past one is taken as now). */
export interface NewSilence {
  matchers: Matcher[];
  startsAt?: string | Date;
  endsAt: string | Date;
  createdBy: string;
  comment: string;
}

export const SILENCE_MAPPING = {
  dynamic: 'strict',
  properties: {
    id: { type: 'keyword' },
    matchers: { properties: { name: { type: 'keyword' }, op: { type: 'keyword' }, value: { type: 'keyword' } } },
    startsAt: { type: 'date' },
    endsAt: { type: 'date' },
    createdBy: { type: 'keyword' },
    comment: { type: 'text' },
    createdAt: { type: 'date' },
    expiredBy: { type: 'keyword' },
    updatedAt: { type: 'date' },
  },
} as const;

/** The longest a silence may last (as Alertmanager's operators are told: silence, then fix; not forever). */
export const MAX_SILENCE_MS = 365 * 86_400_000;
/** Bounds that keep a silence document small and every matcher value a valid keyword term. */
const LIMITS = { matchers: 64, value: 1024, createdBy: 128, comment: 2000 };
/** Silences read per cache refresh (one search). More active + pending ones than this are not all seen. */
export const MAX_SILENCES_READ = 10_000;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export function silenceState(s: Pick<Silence, 'startsAt' | 'endsAt'>, now = Date.now()): SilenceState {
  if (Date.parse(s.endsAt) <= now) return 'expired';
  return Date.parse(s.startsAt) > now ? 'pending' : 'active';
}

/** A silence with its times parsed once (the cache checks them for every alert). */
interface Timed {
  silence: Silence;
  starts: number;
  ends: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

export class SilenceStore {
  private cache?: { readAt: number; silences: Timed[] };
  private refreshing?: Promise<Timed[]>;
  /** Bumped by every change this process makes: a read that started before it does not fill the cache. */
  private generation = 0;
  private readonly refreshMs: number;

  constructor(
    private readonly client: Client,
    readonly index: string,
    /** refreshMs: the oldest answer `matching` may give (default 1000 ms). */
    options: { refreshMs?: number } = {},
  ) {
    this.refreshMs = options.refreshMs ?? 1000;
  }

  /** `<ALERT_INDEX>.silences` (outside a rollover template's `<alias>-*` pattern). */
  static indexFor(alertIndex: string): string {
    return `${alertIndex}.silences`;
  }

  /**
   * Creates the index if absent (strict mapping), then checks the mapping it has: a field mapped otherwise
   * (or dynamic mapping on) throws MappingMismatchError naming the index and the field, at start-up.
   */
  async ensureIndex(settings: { shards: number; replicas: number }): Promise<void> {
    try {
      await this.client.indices.create({
        index: this.index,
        body: { settings: { number_of_shards: settings.shards, number_of_replicas: settings.replicas }, mappings: SILENCE_MAPPING },
      });
    } catch (e) {
      if (errorType(e) !== 'resource_already_exists_exception') throw e;
    }
    const res = await this.client.indices.getMapping({ index: this.index });
    // Keyed by the concrete index (the name given may be an alias).
    const found = Object.values(res.body as Record<string, { mappings?: FoundMapping }>)[0]?.mappings ?? {};
    const mismatches: FieldMismatch[] = [];
    compareMapping(SILENCE_MAPPING.properties, found.properties ?? {}, '', mismatches);
    if (String(found.dynamic) !== 'strict') mismatches.push({ field: '(dynamic)', found: JSON.stringify(found.dynamic ?? true), expected: 'strict' });
    if (mismatches.length) {
      throw new MappingMismatchError(this.index, mismatches, {
        subject: `silence index "${this.index}"`,
        fix: `move its silences aside (GET ${this.index}/_search), delete "${this.index}", restart (the service creates it), and add the silences again.`,
      });
    }
  }

  /** Validates and stores a new silence; throws SilenceInvalidError listing every problem. */
  async add(input: NewSilence): Promise<Silence> {
    const now = Date.now();
    const silence = validate(input, now);
    await this.client.index({ index: this.index, id: silence.id, body: silence, op_type: 'create', refresh: 'wait_for' });
    this.changed();
    silencesChanged.inc({ action: 'add' });
    return silence;
  }

  /** Silences by state at this moment: active and pending sorted by start, expired by end (latest first), all by creation (latest first). */
  async list({ state, limit = 1000 }: { state: SilenceState | 'all'; limit?: number }): Promise<Silence[]> {
    const now = iso(Date.now());
    const query = {
      active: { bool: { filter: [{ range: { startsAt: { lte: now } } }, { range: { endsAt: { gt: now } } }] } },
      pending: { range: { startsAt: { gt: now } } },
      expired: { range: { endsAt: { lte: now } } },
      all: { match_all: {} },
    }[state];
    const sort = { active: { startsAt: 'asc' }, pending: { startsAt: 'asc' }, expired: { endsAt: 'desc' }, all: { createdAt: 'desc' } }[state];
    return this.search(query, [sort, { id: 'asc' }], Math.min(Math.max(limit, 1), MAX_SILENCES_READ));
  }

  async get(id: string): Promise<Silence | undefined> {
    return (await this.read(id))?.silence;
  }

  /**
   * Ends the silence now (a pending one never starts): endsAt = now, expiredBy = by. One already over is
   * returned unchanged. The deliveries it held back still sleep until its old end: wake them (wake.ts).
   */
  async expire(id: string, by: string): Promise<Silence> {
    if (!by.trim() || by.length > LIMITS.createdBy || CONTROL.test(by)) throw new SilenceInvalidError([`by: a name of 1 to ${LIMITS.createdBy} characters, without control characters`]);
    for (let attempt = 0; attempt < 5; attempt++) {
      const found = await this.read(id);
      if (!found) throw new SilenceNotFoundError(id, this.index);
      const now = Date.now();
      const { silence } = found;
      if (Date.parse(silence.endsAt) <= now) return silence;
      const at = iso(now);
      const expired: Silence = { ...silence, startsAt: Date.parse(silence.startsAt) > now ? at : silence.startsAt, endsAt: at, expiredBy: by.trim(), updatedAt: at };
      try {
        // Compare-and-set: two operators expiring at once both see it over, one of them wrote it.
        await this.client.index({ index: this.index, id, body: expired, if_seq_no: found.seqNo, if_primary_term: found.primaryTerm, refresh: 'wait_for' });
      } catch (e) {
        if (statusOf(e) === 409) continue;
        throw e;
      }
      this.changed();
      silencesChanged.inc({ action: 'expire' });
      return expired;
    }
    throw new Error(`silence ${id}: changed by someone else 5 times in a row while being expired`);
  }

  /** The active silence that matches `subject` (from the cache, at most refreshMs old); of several, the one ending last. */
  async matching(subject: Record<string, string>, now = Date.now()): Promise<Silence | undefined> {
    return pick(await this.inForce(), subject, now);
  }

  /** As `matching`, read from the index now (a silenced delivery waking up); the answer refreshes the cache too. */
  async matchingNow(subject: Record<string, string>): Promise<Silence | undefined> {
    return pick(await this.readInForce(), subject, Date.now());
  }

  /** Active and pending silences: the cache, or one search shared by everyone asking while it runs. */
  private async inForce(): Promise<Timed[]> {
    if (this.cache && Date.now() - this.cache.readAt < this.refreshMs) return this.cache.silences;
    if (!this.refreshing) {
      const refreshing = this.readInForce().finally(() => {
        if (this.refreshing === refreshing) this.refreshing = undefined;
      });
      this.refreshing = refreshing;
    }
    return this.refreshing;
  }

  private async readInForce(): Promise<Timed[]> {
    const generation = this.generation;
    const readAt = Date.now();
    const found = await this.search({ range: { endsAt: { gt: iso(readAt) } } }, [{ startsAt: 'asc' }, { id: 'asc' }], MAX_SILENCES_READ);
    const silences = found.map((silence) => ({ silence, starts: Date.parse(silence.startsAt), ends: Date.parse(silence.endsAt) }));
    // The age counts from before the search: a silence written after it started is seen within refreshMs.
    if (generation === this.generation && (!this.cache || this.cache.readAt <= readAt)) this.cache = { readAt, silences };
    return silences;
  }

  /** This process changed a silence: its own next lookup reads the index (others' caches catch up within refreshMs). */
  private changed(): void {
    this.generation++;
    this.cache = undefined;
    this.refreshing = undefined;
  }

  private async search(query: unknown, sort: unknown[], size: number): Promise<Silence[]> {
    return searchSources<Silence>(this.client, this.index, query, sort, size); // [] until somebody has made a silence here
  }

  private async read(id: string): Promise<{ silence: Silence; seqNo: number; primaryTerm: number } | undefined> {
    // undefined for an ID this store does not make (OpenSearch refuses IDs over 512 bytes) or a missing document
    const found = await getVersioned<Silence>(this.client, this.index, id);
    return found && { silence: found.source, seqNo: found.seqNo, primaryTerm: found.primaryTerm };
  }
}

function pick(silences: Timed[], subject: Record<string, string>, now: number): Silence | undefined {
  let best: Timed | undefined;
  for (const t of silences) {
    if (t.starts > now || t.ends <= now || !matchesAll(t.silence.matchers, subject)) continue;
    if (!best || t.ends > best.ends || (t.ends === best.ends && t.silence.id < best.silence.id)) best = t;
  }
  return best?.silence;
}

/** What `add` would refuse in this silence (empty: it would be stored). */
export function silenceProblems(input: NewSilence, now = Date.now()): string[] {
  try {
    validate(input, now);
    return [];
  } catch (e) {
    if (e instanceof SilenceInvalidError) return e.problems;
    throw e;
  }
}

/** Every problem of a new silence at once, or the silence to store. */
function validate(input: NewSilence, now: number): Silence {
  const problems: string[] = [];
  const matchers: Matcher[] = [];
  const given: unknown = input.matchers;
  if (!Array.isArray(given) || given.length === 0) problems.push('matchers: at least one is needed (a silence without matchers would silence every alert)');
  else if (given.length > LIMITS.matchers) problems.push(`matchers: at most ${LIMITS.matchers}`);
  else {
    for (const [i, m] of (given as Matcher[]).entries()) {
      try {
        if (!m || typeof m !== 'object' || typeof m.name !== 'string' || typeof m.op !== 'string' || typeof m.value !== 'string') throw new Error('expected {name, op, value} strings');
        if (m.value.length > LIMITS.value) throw new Error(`value longer than ${LIMITS.value} characters`);
        // Written out and read back: the name, the operator and a regex are checked exactly as typed ones are.
        const parsed = parseMatcher(`${m.name}${m.op}${JSON.stringify(m.value)}`);
        if (parsed.name !== m.name || parsed.op !== m.op) throw new Error(`not a matcher: ${JSON.stringify(m)}`);
        matchers.push(parsed);
      } catch (e) {
        problems.push(`matchers[${i}]: ${e instanceof MatcherSyntaxError ? e.reason : (e as Error).message}`);
      }
    }
    // As Alertmanager: if every matcher matches an alert without those labels, the silence would hold back nearly everything.
    if (matchers.length === given.length && matchers.every((m) => matcherMatches(m, {}))) {
      problems.push(`matchers: at least one must not match the empty string (${matchers.map(formatMatcher).join(', ')} would silence alerts that lack these labels)`);
    }
  }
  const time = (name: string, v: unknown): number | undefined => {
    const ms = v instanceof Date ? v.getTime() : typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(v) ? Date.parse(v) : NaN;
    if (!Number.isNaN(ms)) return ms;
    problems.push(v === undefined ? `${name}: required` : `${name}: expected an ISO 8601 time such as 2030-01-31T18:00:00Z, got ${JSON.stringify(v)}`);
    return undefined;
  };
  const starts = input.startsAt === undefined ? now : time('startsAt', input.startsAt);
  const ends = time('endsAt', input.endsAt);
  const start = starts === undefined ? undefined : Math.max(starts, now);
  if (start !== undefined && start > now + MAX_SILENCE_MS) problems.push('startsAt: at most a year from now');
  if (ends !== undefined && ends <= now) problems.push(`endsAt: ${iso(ends)} is not in the future`);
  else if (ends !== undefined && start !== undefined && ends <= start) problems.push(`endsAt: ${iso(ends)} is not after startsAt ${iso(start)}`);
  else if (ends !== undefined && start !== undefined && ends - start > MAX_SILENCE_MS) problems.push('endsAt: a silence lasts at most a year');
  const text = (name: 'createdBy' | 'comment', v: unknown): string => {
    const s = typeof v === 'string' ? v.trim() : '';
    if (!s) problems.push(`${name}: required (${name === 'comment' ? 'why the silence' : 'who silences'})`);
    else if (s.length > LIMITS[name]) problems.push(`${name}: at most ${LIMITS[name]} characters`);
    else if (name === 'createdBy' && CONTROL.test(s)) problems.push('createdBy: contains control characters');
    return s;
  };
  const createdBy = text('createdBy', input.createdBy);
  const comment = text('comment', input.comment);
  if (problems.length) throw new SilenceInvalidError(problems);
  const at = iso(now);
  return { id: randomUUID(), matchers, startsAt: iso(start!), endsAt: iso(ends!), createdBy, comment, createdAt: at, expiredBy: null, updatedAt: at };
}

type MappingNode = { type?: string; properties?: Record<string, MappingNode> };
interface FoundMapping {
  properties?: Record<string, MappingNode>;
  dynamic?: unknown;
}

/** Each expected field whose type differs or that is missing (an object field: its own fields, recursively). */
function compareMapping(expected: Record<string, MappingNode>, found: Record<string, MappingNode>, prefix: string, out: FieldMismatch[]): void {
  for (const [field, exp] of Object.entries(expected)) {
    const got = found[field];
    const expType = exp.type ?? 'object';
    if (!got) {
      out.push({ field: prefix + field, found: 'missing', expected: expType });
      continue;
    }
    const gotType = got.type ?? (got.properties ? 'object' : 'unknown');
    if (gotType !== expType) out.push({ field: prefix + field, found: gotType, expected: expType });
    else if (exp.properties) compareMapping(exp.properties, got.properties ?? {}, `${prefix}${field}.`, out);
  }
}
