// Who is on call (docs/oncall.md): the schedule function (src/schedules/onCallAt) over the on-call file in force and
// the stored overrides. What the intake's API, alertctl and the escalation's page resolution ask.
import { UNTIL_CAP_MS, onCallAt, shiftsBetween } from '../schedules/on-call';
import type { OnCall, Override, ScheduleDef, Shift } from '../schedules/types';
import type { OverrideStore } from './overrides';

/** The schedules in force (OnCallDirectory: the on-call file now). */
export interface ScheduleSource {
  current(): { schedules: ReadonlyMap<string, ScheduleDef> };
}

/** Where overrides come from (OverrideStore: cached for at most 2 s). */
export type OverrideSource = Pick<OverrideStore, 'overlapping'>;

/** onCallAt's answer for one schedule at one instant, with the override it came from when it came from one. */
export interface WhoIsOnCall extends OnCall {
  schedule: string;
  /** The instant asked (epoch ms). */
  at: number;
  /** The override in force (source `{ override }`): who made it, when and why. */
  override?: Override;
}

/**
 * Who is on call for `scheduleId` at `atMs`, overrides included; undefined: no such schedule in the file in force.
 * The overrides asked for reach up to the answer's cap (31 days), so `until` also stops at the next override's start.
 */
export async function whoIsOnCall(directory: ScheduleSource, overrides: OverrideSource, scheduleId: string, atMs: number): Promise<WhoIsOnCall | undefined> {
  const schedule = directory.current().schedules.get(scheduleId);
  return schedule ? answer(schedule, overrides, atMs) : undefined;
}

/** Who is on call for every schedule of the file in force at `atMs`, in the file's order. */
export async function whoIsOnCallEverywhere(directory: ScheduleSource, overrides: OverrideSource, atMs: number): Promise<WhoIsOnCall[]> {
  const schedules = [...directory.current().schedules.values()];
  return Promise.all(schedules.map((s) => answer(s, overrides, atMs)));
}

/** The shifts of `scheduleId` over [fromMs, toMs), overrides included; undefined: no such schedule. */
export async function shiftsOf(directory: ScheduleSource, overrides: OverrideSource, scheduleId: string, fromMs: number, toMs: number): Promise<Shift[] | undefined> {
  const schedule = directory.current().schedules.get(scheduleId);
  if (!schedule) return undefined;
  return shiftsBetween(schedule, fromMs, toMs, await overrides.overlapping(schedule.id, fromMs, toMs));
}

async function answer(schedule: ScheduleDef, overrides: OverrideSource, atMs: number): Promise<WhoIsOnCall> {
  const found = await overrides.overlapping(schedule.id, atMs, atMs + UNTIL_CAP_MS);
  const onCall = onCallAt(schedule, atMs, found);
  const source = onCall.source;
  const override = source && 'override' in source ? found.find((o) => o.id === source.override) : undefined;
  return { schedule: schedule.id, at: atMs, ...onCall, ...(override ? { override } : {}) };
}
