// Checks of a schedule's own content, for the on-call file's loader: every problem, each with its path inside the
// schedule (e.g. `layers[0].shift`), so start-up names them all at once. What the layers refer to (known people, a
// readable iCal file) is the loader's to check.
import { isValidZone, parseClock, parseLocalDateTime } from './local-time';
import { WEEKDAYS, type Restriction, type RotationLayer, type ScheduleDef, type ShiftLength } from './types';

/** One problem: where (relative to the schedule) and what. */
export interface ScheduleProblem {
  path: string;
  message: string;
}

const UNITS: Record<string, ShiftLength['unit']> = { s: 'seconds', m: 'minutes', h: 'hours', d: 'days', w: 'weeks' };

/** Parses the file's shift length: a positive whole number and s, m, h (elapsed) or d, w (calendar), e.g. '1w', '12h'. */
export function parseShiftLength(text: string): ShiftLength | undefined {
  const m = /^\s*([1-9]\d{0,8})\s*([smhdw])\s*$/.exec(text);
  return m ? { amount: Number(m[1]), unit: UNITS[m[2]] } : undefined;
}

/** Every problem of `schedule` (empty: onCallAt and shiftsBetween will not throw on it). */
export function scheduleProblems(schedule: ScheduleDef): ScheduleProblem[] {
  const problems: ScheduleProblem[] = [];
  if (!isValidZone(schedule.timeZone)) problems.push({ path: 'time_zone', message: `unknown IANA time zone "${schedule.timeZone}"` });
  schedule.layers.forEach((layer, i) => {
    if (layer.kind === 'rotation') problems.push(...rotationProblems(layer, `layers[${i}]`));
  });
  return problems;
}

function rotationProblems(layer: RotationLayer, at: string): ScheduleProblem[] {
  const problems: ScheduleProblem[] = [];
  if (layer.participants.length === 0) problems.push({ path: `${at}.participants`, message: 'no participants' });
  if (!parseLocalDateTime(layer.start)) {
    problems.push({ path: `${at}.start`, message: `"${layer.start}" is not a local date-time YYYY-MM-DDTHH:mm` });
  }
  const { amount, unit } = layer.shift;
  if (!Number.isInteger(amount) || amount <= 0 || !Object.values(UNITS).includes(unit)) {
    problems.push({ path: `${at}.shift`, message: 'not a positive whole number of seconds, minutes, hours, days or weeks' });
  }
  (layer.restrictions ?? []).forEach((r, j) => problems.push(...restrictionProblems(r, `${at}.restrictions[${j}]`)));
  return problems;
}

function restrictionProblems(r: Restriction, at: string): ScheduleProblem[] {
  const problems: ScheduleProblem[] = [];
  for (const field of ['from', 'to'] as const) {
    if (parseClock(r[field]) === undefined) problems.push({ path: `${at}.${field}`, message: `"${r[field]}" is not HH:mm` });
  }
  const unknown = (r.days ?? []).filter((d) => !WEEKDAYS.includes(d));
  if (unknown.length) problems.push({ path: `${at}.days`, message: `unknown day(s) ${unknown.join(', ')} (mon … sun)` });
  return problems;
}
