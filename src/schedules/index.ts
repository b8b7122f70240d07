// On-call schedules: who is on call at an instant (a pure function of a schedule, the instant and its overrides),
// the shifts over a span, iCal import as a layer and iCal feeds. No I/O: the caller reads files and stores.
export type {
  IcalLayer, IcalOccurrence, Layer, OnCall, Override, Restriction, RotationLayer, ScheduleDef, Shift, ShiftLength,
  ShiftSource, Weekday,
} from './types';
export { WEEKDAYS } from './types';
export { DEFAULT_MAX_SHIFTS, UNTIL_CAP_MS, onCallAt, shiftsBetween } from './on-call';
export {
  IcalImportError, MAX_OCCURRENCES_PER_EVENT, defaultIcalWindow, icalLayer, knownPeople, personCalendar, scheduleCalendar, shiftUid,
  type FeedOptions, type IcalImportOptions,
} from './ical';
export { parseShiftLength, scheduleProblems, type ScheduleProblem } from './validate';
export { isValidZone, localToInstant } from './local-time';
