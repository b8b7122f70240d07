// Overrides: a person on call for [start, end) over every layer of a schedule. Where overrides overlap, the one
// created last (`createdAt`) wins; equal `createdAt`: the greater ID (so the answer never depends on list order).
import { DateTime } from 'luxon';
import type { Override } from './types';

/** An override with its instants parsed (epoch ms). */
export interface TimedOverride {
  id: string;
  person: string;
  start: number;
  end: number;
  createdAt: number;
}

/** The override in force at an instant (null: none), and until when that stays so (Infinity: for ever). */
export interface OverrideState {
  winner: TimedOverride | null;
  until: number;
}

const WITH_OFFSET = /(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;

/**
 * The overrides of schedule `scheduleId` (others are ignored) with their instants parsed; an empty or reversed range
 * never applies and is dropped. Throws on an instant that is not ISO 8601 with an offset or Z (stored overrides are
 * validated when made, so this is a bug to see, not data to skip).
 */
export function timedOverrides(scheduleId: string, overrides: readonly Override[]): TimedOverride[] {
  const out: TimedOverride[] = [];
  for (const o of overrides) {
    if (o.schedule !== scheduleId) continue;
    const t = { id: o.id, person: o.person, start: instant(o, 'start'), end: instant(o, 'end'), createdAt: instant(o, 'createdAt') };
    if (t.end > t.start) out.push(t);
  }
  return out;
}

/** The override that wins at `at`. */
export function overrideAt(overrides: readonly TimedOverride[], at: number): OverrideState {
  let winner: TimedOverride | null = null;
  for (const o of overrides) {
    if (o.start <= at && at < o.end && (!winner || beats(o, winner))) winner = o;
  }
  let until = winner ? winner.end : Infinity;
  for (const o of overrides) {
    if (o.start > at && (!winner || beats(o, winner))) until = Math.min(until, o.start);
  }
  return { winner, until };
}

/** True when `a` wins over `b` where both apply. */
function beats(a: TimedOverride, b: TimedOverride): boolean {
  return a.createdAt !== b.createdAt ? a.createdAt > b.createdAt : a.id > b.id;
}

function instant(o: Override, field: 'start' | 'end' | 'createdAt'): number {
  const text = o[field];
  const dt = WITH_OFFSET.test(text) ? DateTime.fromISO(text, { setZone: true }) : undefined;
  if (!dt?.isValid) throw new RangeError(`override ${o.id}: ${field} "${text}" is not an ISO 8601 instant with an offset or Z`);
  return dt.toMillis();
}
