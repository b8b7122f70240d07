// On-call schedules (docs/oncall.md, /work/oncall-design.md): what a schedule is made of and what asking it answers.
// Plain data, no behaviour: the on-call file's loader (src/oncall/) builds these, the functions of src/schedules/
// read them. Instants are epoch milliseconds; local date-times are in the schedule's IANA time zone.

/** A day of the week, as the on-call file writes it. */
export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

/** Weekdays in ISO order (index + 1 = Luxon's `weekday`, Monday = 1). */
export const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/**
 * A shift's length. seconds, minutes, hours: elapsed time (a 12 h shift is 12 real hours, so its local hand-off hour
 * moves by one across a DST change); days, weeks: calendar units in the schedule's zone (the hand-off stays at the
 * same local time across DST, so such a shift may last 23 or 25 real hours).
 */
export interface ShiftLength {
  /** A positive integer. */
  amount: number;
  unit: 'seconds' | 'minutes' | 'hours' | 'days' | 'weeks';
}

/**
 * A window of local time in which a rotation layer has someone; outside every window of the layer it has nobody.
 * The rotation keeps turning outside the windows (a restriction masks, it does not pause the rotation).
 */
export interface Restriction {
  /** Days on which a window starts; absent: every day. */
  days?: Weekday[];
  /** 'HH:mm' local start of the window. */
  from: string;
  /** 'HH:mm' local end; `to <= from` ends on the next day (the window belongs to the day it starts on). */
  to: string;
}

/** A rotation: participants take turns, one shift each, in order, from `start` on. */
export interface RotationLayer {
  kind: 'rotation';
  /** Person IDs in turn order; a person may appear more than once. Empty: the layer never has anyone. */
  participants: string[];
  /** Local date-time 'YYYY-MM-DDTHH:mm' (or 'YYYY-MM-DDTHH:mm:ss') in the schedule's zone: the first hand-off. */
  start: string;
  shift: ShiftLength;
  /** Absent or empty: no restriction, the layer has someone at every instant from `start` on. */
  restrictions?: Restriction[];
}

/** One occurrence of an imported calendar event: `person` holds the layer during [start, end). */
export interface IcalOccurrence {
  /** The raw name the event gives (SUMMARY, else an ATTENDEE's CN): matched against person IDs by the caller. */
  person: string;
  start: number;
  end: number;
  /** The event's UID (shared by all occurrences of a recurring event). */
  uid: string;
}

/** A layer imported from an iCal calendar (see icalLayer in ical-import.ts). */
export interface IcalLayer {
  kind: 'ical';
  /** Occurrences sorted by start, then end; recurring events expanded within `window`. */
  events: IcalOccurrence[];
  /** The span the recurring events were expanded over: outside it the layer may miss occurrences. */
  window: { from: number; to: number };
}

export type Layer = RotationLayer | IcalLayer;

/** A schedule: layers in order; a later layer wins over an earlier one wherever it has someone. */
export interface ScheduleDef {
  id: string;
  /** Display name (iCal feeds); absent: the ID. */
  name?: string;
  /** IANA zone: rotation starts, hand-offs and restriction windows are local times in it. */
  timeZone: string;
  layers: Layer[];
}

/** A person put on call for [start, end) over every layer of one schedule (a shift swap is an override). */
export interface Override {
  id: string;
  schedule: string;
  person: string;
  /** ISO 8601 instant with an offset or Z. */
  start: string;
  /** ISO 8601 instant, exclusive. */
  end: string;
  /** ISO 8601 instant: of overlapping overrides, the one created last wins. */
  createdAt: string;
  createdBy: string;
  reason?: string;
}

/** Where an answer came from: a layer (its index in `layers`, 0 = the first, lowest), an override (its ID). */
export type ShiftSource = { layer: number } | { override: string };

/** Who is on call at an instant. */
export interface OnCall {
  /** At most one person (a layer slot or an override); empty: nobody. */
  people: string[];
  source: ShiftSource | null;
  /** Epoch ms, > the instant asked: the answer is the same until then (at most 31 days ahead; never Infinity). */
  until: number;
}

/** One person on call over [start, end) (epoch ms), from one source. */
export interface Shift {
  person: string;
  start: number;
  end: number;
  source: ShiftSource;
}
