// What an on-call override is, as stored, and the rules a new one must meet (docs/intake.md, "On call").
// An override puts a person on call for a schedule over [start, end): a shift swap, cover for a holiday. It wins
// over every layer of the schedule; of overlapping ones, the one created last wins (src/schedules/).
// Removing one keeps it, marked removed (see OverrideStore.remove): its effective end is the earlier of its end and
// its removal, so the part that was in force stays true for history and a future one is void.
import { randomUUID } from 'node:crypto';
import { OverrideInvalidError } from '../errors';
import type { Override } from '../schedules/types';

/** An override as the store keeps it: the schedule function's Override plus its removal (null while in place). */
export interface StoredOverride extends Override {
  /** When it was removed; its effective end is min(end, removedAt). */
  removedAt: string | null;
  removedBy: string | null;
}

/** What `add` needs. Times: ISO 8601 instants (with offset or Z), Dates or epoch ms. */
export interface NewOverride {
  schedule: string;
  person: string;
  start: string | Date | number;
  end: string | Date | number;
  createdBy: string;
  reason?: string;
}

/** Which schedules and people exist: the on-call file now (OnCallDirectory). */
export interface OverrideDirectory {
  schedule(id: string): unknown;
  person(id: string): unknown;
}

/** upcoming: starts later; active: in force now; ended: over (or cut short by its removal); removed: removed before it started. */
export type OverrideState = 'upcoming' | 'active' | 'ended' | 'removed';

/** The longest an override may last, and how far ahead it may start: a lasting change belongs in the on-call file. */
export const MAX_OVERRIDE_MS = 366 * 86_400_000;
const LIMITS = { createdBy: 128, reason: 2000, id: 128 };
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;
const iso = (ms: number) => new Date(ms).toISOString();

/** The end that counts: the planned end, or the removal if that came first. */
export function effectiveEnd(o: Pick<StoredOverride, 'end' | 'removedAt'>): number {
  const end = Date.parse(o.end);
  return o.removedAt ? Math.min(end, Date.parse(o.removedAt)) : end;
}

/** Removed before it started: it never was in force. */
export const isVoid = (o: Pick<StoredOverride, 'start' | 'end' | 'removedAt'>): boolean => effectiveEnd(o) <= Date.parse(o.start);

export function overrideState(o: StoredOverride, now = Date.now()): OverrideState {
  if (isVoid(o)) return 'removed';
  if (effectiveEnd(o) <= now) return 'ended';
  return Date.parse(o.start) > now ? 'upcoming' : 'active';
}

/** As the schedule function takes it: only the Override's fields, with the effective end. */
export function asOverride(o: StoredOverride): Override {
  return {
    id: o.id, schedule: o.schedule, person: o.person, start: o.start, end: iso(effectiveEnd(o)), createdAt: o.createdAt, createdBy: o.createdBy,
    ...(o.reason ? { reason: o.reason } : {}),
  };
}

/**
 * An instant given as ISO 8601 text with a zone (Z or an offset: no guessing the server's), a Date or epoch ms; NaN
 * when it is none (also a date that does not exist, such as 31 February, which Date.parse would roll over).
 */
export function instantOf(v: unknown): number {
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'number') return Number.isFinite(v) ? v : NaN;
  const m = typeof v === 'string' ? ISO_INSTANT.exec(v.trim()) : null;
  if (!m) return NaN;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const day = new Date(Date.UTC(y, mo - 1, d));
  return day.getUTCMonth() === mo - 1 && day.getUTCDate() === d ? Date.parse((v as string).trim()) : NaN;
}

/**
 * Every problem of a new override at once (OverrideInvalidError), or the override to store. A start in the past is
 * taken as now: an override never rewrites who was on call (nor who was paged) before it was made.
 */
export function validateOverride(input: NewOverride, directory: OverrideDirectory, now = Date.now()): StoredOverride {
  const problems: string[] = [];
  const ref = (field: 'schedule' | 'person'): string => {
    const v: unknown = input?.[field];
    if (typeof v !== 'string' || !v.trim()) problems.push(`${field}: required (a ${field} ID of the on-call file)`);
    else if (v.length > LIMITS.id || !(field === 'schedule' ? directory.schedule(v) : directory.person(v))) problems.push(`${field}: no ${field} ${JSON.stringify(v.slice(0, LIMITS.id))} in the on-call file`);
    return typeof v === 'string' ? v : '';
  };
  const schedule = ref('schedule');
  const person = ref('person');
  const time = (field: 'start' | 'end'): number => {
    const v: unknown = input?.[field];
    const ms = instantOf(v);
    if (Number.isNaN(ms)) problems.push(v === undefined || v === '' ? `${field}: required (an ISO 8601 instant such as 2030-01-31T18:00:00Z)` : `${field}: expected an ISO 8601 instant with a zone, such as 2030-01-31T18:00:00Z or 2030-01-31T19:00:00+01:00, got ${JSON.stringify(v)}`);
    return ms;
  };
  const givenStart = time('start');
  const end = time('end');
  const start = Number.isNaN(givenStart) ? NaN : Math.max(givenStart, now);
  problems.push(...timeProblems(givenStart, start, end, now));
  const createdBy = typeof input?.createdBy === 'string' ? input.createdBy.trim() : '';
  if (!createdBy) problems.push('createdBy: required (who makes the override)');
  else if (createdBy.length > LIMITS.createdBy || CONTROL.test(createdBy)) problems.push(`createdBy: a name of 1 to ${LIMITS.createdBy} characters, without control characters`);
  const reason: unknown = input?.reason;
  if (reason !== undefined && reason !== null && typeof reason !== 'string') problems.push('reason: expected text');
  else if (typeof reason === 'string' && reason.length > LIMITS.reason) problems.push(`reason: at most ${LIMITS.reason} characters`);
  if (problems.length) throw new OverrideInvalidError(problems);
  const text = typeof reason === 'string' ? reason.trim() : '';
  return {
    id: randomUUID(), schedule, person, start: iso(start), end: iso(end), createdAt: iso(now), createdBy,
    ...(text ? { reason: text } : {}), removedAt: null, removedBy: null,
  };
}

function timeProblems(givenStart: number, start: number, end: number, now: number): string[] {
  if (Number.isNaN(end)) return [];
  if (end <= now) return [`end: ${iso(end)} is not in the future (an override cannot change the past)`];
  if (Number.isNaN(start)) return [];
  if (end <= start) return [`end: ${iso(end)} is not after start ${iso(givenStart)}`];
  if (start - now > MAX_OVERRIDE_MS) return ['start: at most a year from now'];
  if (end - start > MAX_OVERRIDE_MS) return ['end: an override lasts at most a year (a lasting change belongs in the on-call file)'];
  return [];
}
