// Who is on call: a pure function of a schedule, an instant and the schedule's overrides.
// An override in force wins over every layer (overlapping overrides: the one created last); otherwise the topmost
// layer (the last in `layers`) that has someone at that instant; otherwise nobody.
import { layerAt } from './layers';
import { isValidZone } from './local-time';
import { overrideAt, timedOverrides, type TimedOverride } from './overrides';
import type { OnCall, Override, ScheduleDef, Shift, ShiftSource } from './types';

/** `until` is at most this far ahead of the instant asked (31 days), so it is never Infinity. */
export const UNTIL_CAP_MS = 31 * 86_400_000;
/** shiftsBetween's default bound on the number of shifts it returns. */
export const DEFAULT_MAX_SHIFTS = 10_000;

/**
 * Who is on call for `schedule` at `at` (epoch ms). `overrides` may hold other schedules' overrides (ignored).
 * `until` is the next instant the answer may change (it stays the same on [at, until)), capped at 31 days ahead.
 * Throws on an invalid zone, rotation start, shift, restriction time or override instant.
 */
export function onCallAt(schedule: ScheduleDef, at: number, overrides: readonly Override[]): OnCall {
  checkInputs(schedule, at);
  return onCallWith(schedule, at, timedOverrides(schedule.id, overrides));
}

/**
 * The shifts of `schedule` over [from, to), ordered and non-overlapping, clipped to the window; consecutive spans of
 * the same person from the same source are one shift (a person who goes on from their layer shift into an override
 * of their own gets two: the source says where the override begins). Gaps are times with nobody on call.
 * At most `maxShifts` (default 10 000) shifts: the list then ends before `to` (seconds-long rotations over weeks).
 */
export function shiftsBetween(
  schedule: ScheduleDef, from: number, to: number, overrides: readonly Override[], maxShifts = DEFAULT_MAX_SHIFTS,
): Shift[] {
  checkInputs(schedule, from);
  checkInputs(schedule, to);
  const timed = timedOverrides(schedule.id, overrides);
  const shifts: Shift[] = [];
  for (let t = from; t < to;) {
    const answer = onCallWith(schedule, t, timed);
    const end = Math.min(answer.until, to);
    const person = answer.people[0];
    if (person !== undefined && answer.source) {
      const last = shifts[shifts.length - 1];
      if (last && last.end === t && last.person === person && sameSource(last.source, answer.source)) last.end = end;
      else if (shifts.length >= maxShifts) break;
      else shifts.push({ person, start: t, end, source: answer.source });
    }
    t = end;
  }
  return shifts;
}

function onCallWith(schedule: ScheduleDef, at: number, overrides: readonly TimedOverride[]): OnCall {
  const override = overrideAt(overrides, at);
  let until = Math.min(override.until, at + UNTIL_CAP_MS);
  if (override.winner) return { people: [override.winner.person], source: { override: override.winner.id }, until };
  for (let i = schedule.layers.length - 1; i >= 0; i--) {
    const state = layerAt(schedule.layers[i], schedule.timeZone, at);
    until = Math.min(until, state.until);
    if (state.person !== null) return { people: [state.person], source: { layer: i }, until };
  }
  return { people: [], source: null, until };
}

function sameSource(a: ShiftSource, b: ShiftSource): boolean {
  return 'layer' in a ? 'layer' in b && a.layer === b.layer : 'override' in b && a.override === b.override;
}

function checkInputs(schedule: ScheduleDef, at: number): void {
  if (!Number.isFinite(at)) throw new RangeError(`instant ${String(at)} is not a finite epoch ms`);
  if (!isValidZone(schedule.timeZone)) throw new RangeError(`schedule ${schedule.id}: unknown time zone "${schedule.timeZone}"`);
}
