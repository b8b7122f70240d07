// The on-call file against the channels file (docs/oncall.md): each refers to the other, so each is checked on its
// own when parsed and both together here, at start-up and on every reload of the on-call file. One line per
// problem: the on-call file's paths as they are, the channels file's prefixed with `channels file:`. Never an
// address: a contact's address is checked against its channel's type, and only its path is named.
import { NTFY_TOPIC } from '../channels/ntfy';
import { E164 } from '../channels/twilio';
import type { ChannelsFile } from '../channels/config';
import { PERSON_CHANNEL_TYPES, canReachPerson, type PersonChannelType } from '../channels/recipients';
import type { PageTarget } from '../contracts/oncall';
import type { OnCallFile } from './file';

/** What an address must look like on each channel type that can reach a person (the reason, when it does not). */
const ADDRESS_CHECKS: Record<PersonChannelType, (address: string) => string | undefined> = {
  email: (a) => (/^[^\s@<>]+@[^\s@<>]+$/.test(a) ? undefined : 'is not an email address'),
  slack: (a) => (/^[UW][A-Z0-9]{2,20}$/.test(a) ? undefined : 'is not a Slack member ID (U… or W…, as in the member\'s profile)'),
  ntfy: (a) => (NTFY_TOPIC.test(a) ? undefined : 'is not an ntfy topic (letters, digits, _ and -, at most 64)'),
  sms: (a) => (E164.test(a) ? undefined : 'is not a phone number in E.164 form (+ and 8 to 15 digits)'),
  voice: (a) => (E164.test(a) ? undefined : 'is not a phone number in E.164 form (+ and 8 to 15 digits)'),
  webhook: (a) => {
    try {
      const u = new URL(a);
      return u.protocol === 'http:' || u.protocol === 'https:' ? undefined : 'is not an http(s) URL';
    } catch {
      return 'is not a URL';
    }
  },
};


/** The on-call file's references into the channels file: contacts' channels (and their addresses), teams' policies. */
function onCallSide(oncall: OnCallFile, channels: ChannelsFile, problems: string[]): void {
  for (const [id, person] of oncall.people) {
    for (const [c, { via, address }] of person.contacts) {
      const at = `people.${id}.contacts.${c}`;
      const channel = Object.hasOwn(channels.channels, via) ? channels.channels[via] : undefined;
      if (!channel) problems.push(`${at}.via: unknown channel "${via}" (not in the channels file)`);
      else if (!canReachPerson(channel.type)) problems.push(`${at}.via: channel "${via}" is of type ${channel.type}, which cannot take a person's address (${PERSON_CHANNEL_TYPES.join(', ')} can)`);
      else {
        const problem = ADDRESS_CHECKS[channel.type](address);
        if (problem) problems.push(`${at}.address: ${problem} (channel "${via}" is of type ${channel.type})`);
      }
    }
  }
  for (const [id, team] of oncall.teams) {
    if (team.escalation !== undefined && !Object.hasOwn(channels.escalations, team.escalation)) {
      problems.push(`teams.${id}.escalation: unknown escalation policy "${team.escalation}" (not in the channels file)`);
    }
  }
}

const KINDS = { schedule: 'schedules', person: 'people', team: 'teams' } as const;

/** Why a page target refers to nothing in the on-call file, if it does. */
function targetProblem(oncall: OnCallFile, target: PageTarget): string | undefined {
  const [kind, id] = Object.entries(target)[0] as [keyof typeof KINDS, string];
  return oncall[KINDS[kind]].has(id) ? undefined : `unknown ${kind} "${id}" (not under \`${KINDS[kind]}\` in the on-call file)`;
}

/** The channels file's references into the on-call file: levels' `notify` targets, routes' teams. */
function channelsSide(oncall: OnCallFile, channels: ChannelsFile, problems: string[]): void {
  for (const [name, policy] of Object.entries(channels.escalations)) {
    policy.levels.forEach((level, i) => level.notify?.forEach((target, j) => {
      const problem = targetProblem(oncall, target);
      if (problem) problems.push(`channels file: escalations.${name}.levels.${i}.notify.${j}.${Object.keys(target)[0]}: ${problem}`);
    }));
  }
  channels.routes.forEach((route, i) => {
    if (route.team === undefined) return;
    const team = oncall.teams.get(route.team);
    if (!team) problems.push(`channels file: routes.${i}.team: unknown team "${route.team}" (not under \`teams\` in the on-call file)`);
    else if (route.escalation === undefined && team.escalation === undefined) {
      problems.push(`channels file: routes.${i}.team: team "${route.team}" has no \`escalation\` in the on-call file: give it one, or name \`escalation\` on the route`);
    }
  });
}

/** Every problem between the two files (empty: they agree). */
export function checkOnCallAgainstChannels(oncall: OnCallFile, channels: ChannelsFile): string[] {
  const problems: string[] = [];
  onCallSide(oncall, channels, problems);
  channelsSide(oncall, channels, problems);
  return problems;
}

/** The paths of the channels file that need an on-call file (levels that notify people, routes that name a team). */
export function onCallReferences(channels: ChannelsFile): string[] {
  const paths: string[] = [];
  for (const [name, policy] of Object.entries(channels.escalations)) {
    policy.levels.forEach((level, i) => {
      if (level.notify) paths.push(`escalations.${name}.levels.${i}.notify`);
    });
  }
  channels.routes.forEach((route, i) => {
    if (route.team !== undefined) paths.push(`routes.${i}.team`);
  });
  return paths;
}
