// Who an escalation level pages (docs/oncall.md), decided when the level fires: a local activity, so its answer is
// recorded in history and replay is deterministic. It reads the on-call file in force and the overrides as they are
// now; it returns person and contact IDs, steps and channel plans — never an address.
import type { PageResolution, PageTarget, PagedVia, PersonalStep, ResolvePageInput } from '../contracts/oncall';
import type { ActivityDeps } from './deps';
import type { OnCallLookup } from './oncall-lookup';

/** The reason a target found nobody, or the people it found. */
type Found = { people: { person: string; via: PagedVia }[] } | { nobody: string };

async function find(oncall: OnCallLookup, target: PageTarget, atMs: number): Promise<Found> {
  if ('schedule' in target) {
    const who = await oncall.whoIsOnCall(target.schedule, atMs);
    if (!who) return { nobody: `schedule "${target.schedule}" is not in the on-call file` };
    if (!who.people.length) return { nobody: `nobody is on call for schedule "${target.schedule}" at ${new Date(atMs).toISOString()}` };
    return { people: who.people.map((person) => ({ person, via: { schedule: target.schedule, ...(who.override ? { override: who.override } : {}) } })) };
  }
  if ('team' in target) {
    const members = oncall.teamMembers(target.team);
    if (!members?.length) return { nobody: members ? `team "${target.team}" has no members` : `team "${target.team}" is not in the on-call file` };
    return { people: members.map((person) => ({ person, via: { team: target.team } })) };
  }
  return { people: [{ person: target.person, via: { person: target.person } }] };
}

/** A rule step as the workflow runs it: the contact, its wait, its channel's plan (best effort: a person's contact never parks the alert). */
function stepOf(s: { contact: string; afterMs: number; via: string }, channels: ActivityDeps['channels']): PersonalStep {
  return { contact: s.contact, afterMs: s.afterMs, channel: { ...channels.planNamed([s.via])[0], required: false } };
}

export function createOnCallActivities({ oncall, channels }: ActivityDeps) {
  return {
    /** The people a level pages and their steps; targets that found nobody, and the policy's fallback for them. */
    async resolvePage(input: ResolvePageInput): Promise<PageResolution> {
      const fallback = channels.fallbackOf(input.policy);
      if (!oncall) { // start-up refuses this (a channels file that pages people needs ONCALL_FILE); a worker built otherwise says so
        return { paged: [], nobody: input.targets.map((target) => ({ target, reason: 'this worker has no on-call file (ONCALL_FILE)', fallback })), fallbackChannels: fallback };
      }
      const atMs = Date.parse(input.at);
      const result: PageResolution = { paged: [], nobody: [], fallbackChannels: [] };
      for (const target of input.targets) {
        const found = await find(oncall, target, atMs);
        if ('nobody' in found) {
          result.nobody.push({ target, reason: found.nobody, fallback });
          continue;
        }
        const unreachable: string[] = [];
        for (const { person, via } of found.people) {
          if (result.paged.some((q) => q.person === person)) continue; // one person, paged once a level
          const steps = oncall.stepsOf(person, input.urgency);
          if (steps?.length) result.paged.push({ person, via, level: input.level, at: input.at, steps: steps.map((s) => stepOf(s, channels)) });
          else unreachable.push(steps ? `"${person}" has no contact for ${input.urgency} urgency` : `"${person}" is not in the on-call file`);
        }
        // A target whose people all could not be reached found nobody; one unreachable person among reachable ones is on the document.
        const reachedAny = found.people.some((p) => result.paged.some((q) => q.person === p.person));
        if (unreachable.length) result.nobody.push({ target, reason: `person ${unreachable.join(', ')}`, ...(reachedAny ? { fallback: [], partly: true } : { fallback }) });
      }
      if (result.nobody.some((n) => n.fallback.length)) result.fallbackChannels = fallback;
      return result;
    },
  };
}
