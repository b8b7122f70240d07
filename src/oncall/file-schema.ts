// The on-call file's schema (ONCALL_FILE, YAML; docs/oncall.md): people with their contacts and notification rules,
// default rules, schedules made of layers, teams. What can be checked inside the file is checked here, every
// problem with its path; what refers to the channels file is checked when both are loaded (./cross-check.ts), and
// iCal layers' files when they are read (./file.ts). A message never contains an address: it names the path.
import { DateTime, IANAZone } from 'luxon';
import { z } from 'zod';
import { oncallId } from '../channels/page-target';
import type { ShiftLength } from '../schedules/types';
import { durationMs } from '../settings-file';

/** An IANA time zone as Luxon knows them (e.g. Europe/Berlin, UTC): what src/schedules/ computes local times in. */
const timeZone = z.string().min(1).max(64).refine((zone) => IANAZone.isValidZone(zone), { error: (i) => `"${String(i.input)}" is not an IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)` });

/** Text a person or schedule is shown by. */
const displayName = z.string().min(1).max(200);

/**
 * A contact: the channel of the channels file it goes through (`via`) and the address on it: an email address
 * (email), a Slack member ID (slack, mentioned in that channel), a URL (webhook). Checked against the channel's
 * type by ./cross-check.ts.
 */
const contactSchema = z.object({ via: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'a channel name of the channels file: letters, digits and . _ - only'), address: z.string().min(1).max(2048) }).strict();
export type ContactConfig = z.infer<typeof contactSchema>;

/** One step: notify this contact `after` the person was paged (default: at once). */
const stepSchema = z.object({ contact: oncallId, after: durationMs.default(0) }).strict();
export type StepConfig = z.infer<typeof stepSchema>;

const steps = z
  .array(stepSchema)
  .min(1)
  .max(20)
  .refine((s) => s.every((x, i) => i === 0 || x.after >= s[i - 1].after), 'steps must come in order of `after`');

/** Notification rules: one list of steps per urgency (high: critical and high severity; low: the rest). */
const rulesSchema = z.object({ high: steps.optional(), low: steps.optional() }).strict();
export type RulesConfig = z.infer<typeof rulesSchema>;

const personSchema = z
  .object({
    /** Default: the person's ID. */
    name: displayName.optional(),
    /** Where the person lives (their calendar feed's zone); default UTC. */
    time_zone: timeZone.default('UTC'),
    contacts: z.record(oncallId, contactSchema).refine((c) => Object.keys(c).length > 0, 'a person needs at least one contact'),
    /** Absent (or an urgency absent): default_rules. */
    rules: rulesSchema.optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    for (const urgency of ['high', 'low'] as const) {
      p.rules?.[urgency]?.forEach((s, i) => {
        if (!Object.hasOwn(p.contacts, s.contact)) ctx.addIssue({ code: 'custom', path: ['rules', urgency, i, 'contact'], message: `unknown contact "${s.contact}" (not under this person's \`contacts\`)` });
      });
    }
  });
export type PersonConfig = z.infer<typeof personSchema>;

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a local time HH:MM (00:00 to 23:59)');

/** A window the layer is in force, local time in the schedule's zone; `to` <= `from` crosses midnight. */
const restrictionSchema = z.object({ /** Default: every day. */ days: z.array(z.enum(DAYS)).min(1).max(7).optional(), from: clock, to: clock }).strict();
export type RestrictionConfig = z.infer<typeof restrictionSchema>;

const SHIFT_UNITS = { s: 'seconds', m: 'minutes', h: 'hours', d: 'days', w: 'weeks' } as const;

/** A shift length: s, m, h are elapsed time; d, w calendar days and weeks (the same local hand-off time across DST). */
const shiftLength = z.string().transform((text, ctx): ShiftLength => {
  const m = /^\s*([1-9]\d{0,5})\s*(s|m|h|d|w)\s*$/.exec(text);
  if (!m) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a shift length (a whole number and s, m, h, d or w, e.g. 12h, 1d, 1w)` });
    return z.NEVER;
  }
  return { amount: Number(m[1]), unit: SHIFT_UNITS[m[2] as keyof typeof SHIFT_UNITS] };
});

const rotationSchema = z
  .object({
    /** In order: the first is on call from `start`, the next one shift later, and so on round. */
    participants: z.array(oncallId).min(1).max(200),
    /** A local date-time in the schedule's zone, "YYYY-MM-DDTHH:MM": the first shift starts here (= the hand-off time). */
    start: z.string().refine((t) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(t) && DateTime.fromISO(t, { zone: 'UTC' }).isValid,
      'expected a local date-time "YYYY-MM-DDTHH:MM" (no offset: the schedule\'s `time_zone` applies)'),
    shift: shiftLength,
    /** Only within these windows; outside, the layer has nobody. Default: always. */
    restrictions: z.array(restrictionSchema).min(1).max(50).optional(),
  })
  .strict();
export type RotationConfig = z.infer<typeof rotationSchema>;

/** A layer: a rotation, or an iCal calendar (a file relative to the on-call file; each event names a person ID). */
const layerSchema = z
  .object({ rotation: rotationSchema.optional(), ical: z.object({ file: z.string().min(1).max(1024) }).strict().optional() })
  .strict()
  .refine((l) => (l.rotation === undefined) !== (l.ical === undefined), 'a layer is either a `rotation` or an `ical` calendar');
export type LayerConfig = z.infer<typeof layerSchema>;

const scheduleSchema = z
  .object({
    /** Default: the schedule's ID. */
    name: displayName.optional(),
    time_zone: timeZone,
    /** Later layers win over earlier ones where they have someone; overrides win over all. */
    layers: z.array(layerSchema).min(1).max(20),
  })
  .strict();
export type ScheduleConfig = z.infer<typeof scheduleSchema>;

const teamSchema = z
  .object({
    /** Default: the team's ID. */
    name: displayName.optional(),
    /** Paged by a `{ team }` target: every member. */
    members: z.array(oncallId).max(500).default([]),
    schedules: z.array(oncallId).max(100).default([]),
    /** The team's default escalation policy (a policy of the channels file): a route naming the team follows it. */
    escalation: z.string().min(1).max(128).optional(),
  })
  .strict();
export type TeamConfig = z.infer<typeof teamSchema>;

/** Within-file references: people in rotations and teams, schedules of teams, contacts of default rules. */
function checkReferences(f: { people: Record<string, PersonConfig>; default_rules?: RulesConfig; schedules: Record<string, ScheduleConfig>; teams: Record<string, TeamConfig> }, ctx: z.RefinementCtx): void {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  const person = (id: string, path: (string | number)[]) => {
    if (!Object.hasOwn(f.people, id)) issue(path, `unknown person "${id}"`);
  };
  for (const [id, s] of Object.entries(f.schedules)) {
    s.layers.forEach((l, i) => l.rotation?.participants.forEach((p, j) => person(p, ['schedules', id, 'layers', i, 'rotation', 'participants', j])));
  }
  for (const [id, t] of Object.entries(f.teams)) {
    t.members.forEach((p, j) => person(p, ['teams', id, 'members', j]));
    t.schedules.forEach((s, j) => {
      if (!Object.hasOwn(f.schedules, s)) issue(['teams', id, 'schedules', j], `unknown schedule "${s}"`);
    });
  }
  const contacts = new Set(Object.values(f.people).flatMap((p) => Object.keys(p.contacts)));
  for (const urgency of ['high', 'low'] as const) {
    f.default_rules?.[urgency]?.forEach((s, i) => {
      if (!contacts.has(s.contact)) issue(['default_rules', urgency, i, 'contact'], `no person has a contact "${s.contact}"`);
    });
  }
}

export const onCallFileSchema = z
  .object({
    people: z.record(oncallId, personSchema).default({}),
    /** For people without rules of their own: steps naming a contact a person lacks are skipped for them. */
    default_rules: rulesSchema.optional(),
    schedules: z.record(oncallId, scheduleSchema).default({}),
    teams: z.record(oncallId, teamSchema).default({}),
  })
  .strict()
  .superRefine(checkReferences);
export type OnCallFileConfig = z.infer<typeof onCallFileSchema>;
