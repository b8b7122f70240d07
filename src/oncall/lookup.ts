// What the activities read of on call (src/activities/oncall-lookup.ts), over the file in force and the stored
// overrides: who is on call, a team's members, a person's steps, a contact's address (looked up at send time only).
import type { OnCallLookup } from '../activities/oncall-lookup';
import type { OnCallDirectory } from './directory';
import { whoIsOnCall, type OverrideSource } from './who';

export function onCallLookup(directory: OnCallDirectory, overrides: OverrideSource): OnCallLookup {
  return {
    async whoIsOnCall(schedule, atMs) {
      const who = await whoIsOnCall(directory, overrides, schedule, atMs);
      return who && { people: who.people, ...(who.override ? { override: who.override.id } : {}) };
    },
    teamMembers: (team) => directory.teamMembers(team),
    stepsOf: (person, urgency) => directory.rulesFor(person, urgency),
    contactOf: (person, contact) => directory.contactOf(person, contact),
  };
}
