// The on-call facts the activities read (src/oncall/ provides them over the on-call file and the overrides store).
import type { Urgency } from '../contracts/oncall';

/** What resolving a page needs from the on-call file and the overrides (src/oncall/ provides it; the worker wires it). */
export interface OnCallLookup {
  /** Who is on call for a schedule at an instant, overrides included; undefined: no such schedule (any more). */
  whoIsOnCall(schedule: string, atMs: number): Promise<{ people: string[]; override?: string } | undefined>;
  /** A team's members; undefined: no such team. */
  teamMembers(team: string): string[] | undefined;
  /** A person's notification rules for an urgency: contact IDs, waits, and the channel each goes through; undefined: no such person. */
  stepsOf(person: string, urgency: Urgency): { contact: string; afterMs: number; via: string }[] | undefined;
  /** The address of a person's contact and the channel it goes through; undefined: no such person or contact (any more). */
  contactOf(person: string, contact: string): { via: string; address: string } | undefined;
}
