// A rotation's slots: slot k runs from hand-off k to hand-off k + 1 and belongs to participants[k mod n].
// Hand-off k is `start` plus k shifts: seconds, minutes and hours add elapsed time to the start instant; days and weeks
// add calendar days to the start's local date and keep its local time, converted in the schedule's zone (local-time.ts:
// a hand-off in the spring-forward gap moves forward by the gap, one in the fall-back night is its first occurrence;
// each hand-off is computed from the start, never from the previous one, so a gap day does not shift later ones).
// The slot at an instant is found by an estimate from the nominal shift length and a correction of a step or two,
// so an instant years after the start costs the same as the first day.
import { addDays, localToInstant, parseLocalDateTime, type LocalDateTime } from './local-time';
import type { RotationLayer, ShiftLength } from './types';

/** One turn of a rotation: `person` holds [start, end). */
export interface RotationSlot {
  /** 0 = the first shift, starting at the rotation's `start`. */
  index: number;
  person: string;
  start: number;
  end: number;
}

const ELAPSED_MS: Record<string, number> = { seconds: 1000, minutes: 60_000, hours: 3_600_000 };
const CALENDAR_DAYS: Record<string, number> = { days: 1, weeks: 7 };
const NOMINAL_DAY_MS = 86_400_000;

/** The local start of a rotation ('YYYY-MM-DDTHH:mm[:ss]'); throws on a malformed one. */
export function rotationStartLocal(layer: RotationLayer): LocalDateTime {
  const start = parseLocalDateTime(layer.start);
  if (!start) throw new RangeError(`rotation start "${layer.start}" is not a local date-time YYYY-MM-DDTHH:mm`);
  return start;
}

/** The instant of hand-off `k` (k = 0: the rotation's start; negative k: before it, same rule). */
export function handOff(layer: RotationLayer, zone: string, k: number): number {
  const start = rotationStartLocal(layer);
  const { amount, unit } = checkedShift(layer.shift);
  const elapsed = ELAPSED_MS[unit];
  if (elapsed !== undefined) return localToInstant(zone, start) + k * amount * elapsed;
  const date = addDays(start, k * amount * CALENDAR_DAYS[unit]);
  return localToInstant(zone, { ...date, hour: start.hour, minute: start.minute, second: start.second });
}

/** The slot holding `at`, or null before the rotation's start (or with no participants). */
export function rotationSlotAt(layer: RotationLayer, zone: string, at: number): RotationSlot | null {
  const n = layer.participants.length;
  const first = handOff(layer, zone, 0);
  if (n === 0 || at < first) return null;
  const { amount, unit } = checkedShift(layer.shift);
  const nominal = amount * (ELAPSED_MS[unit] ?? CALENDAR_DAYS[unit] * NOMINAL_DAY_MS);
  let k = Math.floor((at - first) / nominal);
  let start = handOff(layer, zone, k);
  while (k > 0 && start > at) start = handOff(layer, zone, --k);
  let end = handOff(layer, zone, k + 1);
  while (end <= at) {
    k++;
    start = end;
    end = handOff(layer, zone, k + 1);
  }
  return { index: k, person: layer.participants[k % n], start, end };
}

function checkedShift(shift: ShiftLength): ShiftLength {
  const known = ELAPSED_MS[shift.unit] !== undefined || CALENDAR_DAYS[shift.unit] !== undefined;
  if (!known || !Number.isInteger(shift.amount) || shift.amount <= 0) {
    throw new RangeError(`shift ${String(shift.amount)} ${String(shift.unit)} is not a positive whole number of seconds, minutes, hours, days or weeks`);
  }
  return shift;
}
