// What the on-call API shows (the intake's /api/oncall routes, alertctl oncall --json): people as their ID and name
// only, never their contacts; instants as ISO 8601 text.
import type { Shift, ShiftSource } from '../schedules/types';
import { overrideState, type OverrideState, type StoredOverride } from './override-rules';
import type { WhoIsOnCall } from './who';

/** The names of the file in force (OnCallFile's people and schedules). */
export interface Names {
  people: ReadonlyMap<string, { name: string }>;
  schedules: ReadonlyMap<string, { name?: string }>;
}

export interface PersonView {
  id: string;
  /** The file's name; the ID when the person is no longer in the file. */
  name: string;
}

export interface OverrideView extends StoredOverride {
  state: OverrideState;
}

/** An answer's source: a layer (its index in the schedule's `layers`, 0 = the first), or the override in force. */
export type SourceView = { layer: number } | { override: Pick<StoredOverride, 'id' | 'start' | 'end' | 'createdAt' | 'createdBy'> & { reason?: string } };

export interface WhoView {
  schedule: PersonView;
  people: PersonView[];
  /** null: nobody is on call. */
  source: SourceView | null;
  /** The next instant the answer may change (at most 31 days ahead). */
  until: string;
}

export interface ShiftView {
  person: PersonView;
  start: string;
  end: string;
  source: ShiftSource;
}

const iso = (ms: number) => new Date(ms).toISOString();

export const personView = (names: Names, id: string): PersonView => ({ id, name: names.people.get(id)?.name ?? id });

export const scheduleView = (names: Names, id: string): PersonView => ({ id, name: names.schedules.get(id)?.name ?? id });

export function whoView(names: Names, w: WhoIsOnCall): WhoView {
  const o = w.override;
  const source: SourceView | null = !w.source ? null
    : 'layer' in w.source ? { layer: w.source.layer }
      : { override: { id: w.source.override, start: o?.start ?? '', end: o?.end ?? '', createdAt: o?.createdAt ?? '', createdBy: o?.createdBy ?? '', ...(o?.reason ? { reason: o.reason } : {}) } };
  return { schedule: scheduleView(names, w.schedule), people: w.people.map((p) => personView(names, p)), source, until: iso(w.until) };
}

export const shiftView = (names: Names, s: Shift): ShiftView => ({ person: personView(names, s.person), start: iso(s.start), end: iso(s.end), source: s.source });

export const overrideView = (o: StoredOverride, now = Date.now()): OverrideView => ({ ...o, state: overrideState(o, now) });
