// Small builders shared by the schedule tests.
import { onCallAt } from '../../src/schedules';
import type { Layer, Override, Restriction, RotationLayer, ScheduleDef, ShiftLength } from '../../src/schedules';

/** An instant from an ISO text with Z or an offset. */
export const at = (iso: string): number => {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`bad instant ${iso}`);
  return ms;
};

export const iso = (ms: number): string => new Date(ms).toISOString();

export function rotation(participants: string[], start: string, amount: number, unit: ShiftLength['unit'], restrictions?: Restriction[]): RotationLayer {
  return { kind: 'rotation', participants, start, shift: { amount, unit }, ...(restrictions ? { restrictions } : {}) };
}

export function schedule(timeZone: string, ...layers: Layer[]): ScheduleDef {
  return { id: 'primary', name: 'Primary', timeZone, layers };
}

/** The one person on call at `instant` (an ISO text), or null. */
export function who(s: ScheduleDef, instant: string, overrides: Override[] = []): string | null {
  return onCallAt(s, at(instant), overrides).people[0] ?? null;
}

export function override(id: string, person: string, start: string, end: string, createdAt: string, scheduleId = 'primary'): Override {
  return { id, schedule: scheduleId, person, start, end, createdAt, createdBy: 'test' };
}
