// On call (docs/oncall.md): who an escalation level pages, as the workflow sees it. The workflow carries person and
// contact IDs only; addresses stay in the on-call file and are looked up by the activity that sends (src/oncall/).
import type { ChannelPlan } from './channels';

/** high: critical and high severity; low: the rest. Each person has one set of notification rules per urgency. */
export type Urgency = 'high' | 'low';

/** Whom an escalation level pages, besides channels: a schedule's on-call, a named person, every member of a team. */
export type PageTarget = { schedule: string } | { person: string } | { team: string };

/** One step of a person's notification rules: notify this contact `afterMs` after they were paged. */
export interface PersonalStep {
  contact: string;
  afterMs: number;
  /** The channel the contact is reached through (its type, timeouts and retry policy); no address. */
  channel: ChannelPlan;
}

/** How a person came to be paged at a level. */
export type PagedVia =
  | { schedule: string; override?: string }
  | { person: string }
  | { team: string }
  | { fallback: string };

/** One person paged at one level, as resolved when the level fired (a local activity's result: replay is deterministic). */
export interface PagedPerson {
  person: string;
  via: PagedVia;
  level: number;
  /** Workflow time the level fired: each step's `afterMs` counts from here. */
  at: string;
  steps: PersonalStep[];
}

/** What resolving a level's targets found: the people to page, and the targets that found nobody (and what was done). */
export interface PageResolution {
  paged: PagedPerson[];
  /** A schedule with nobody on call, a team with no members, a person no longer in the file: said on the document. */
  nobody: { target: PageTarget; reason: string; fallback: string[]; /** others of this target were paged */ partly?: true }[];
  /** Channels the policy's fallback names, notified because a target found nobody. */
  fallbackChannels: string[];
}

export interface ResolvePageInput {
  deliveryId: string;
  level: number;
  targets: PageTarget[];
  urgency: Urgency;
  /** The policy whose fallback applies when a target finds nobody. */
  policy: string;
  /** Workflow time the level fired (ISO): who is on call is decided for this instant. */
  at: string;
}

/** A contact as the notify activity receives it: the address is looked up there, from the current on-call file. */
export interface ContactRef {
  person: string;
  contact: string;
}
