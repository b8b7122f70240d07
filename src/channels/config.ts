// The channels file (CHANNELS_FILE, YAML): which channels exist, how each is retried, and routes.
// Validated at start-up; every error names the file, the path inside it and the problem.
// String values may reference the environment as ${VAR} or ${VAR:-default} (keep secrets out of the file).
import { NTFY_TOPIC } from './ntfy';
import { E164 } from './twilio';
import { SLACK_CONVERSATION } from './slack-app';
import fs from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../errors';
import { SEVERITIES } from '../contracts/alert';
import { MatcherSyntaxError } from '../errors';
import { durationMs as duration, parseSettingsFile, type FileEnv } from '../settings-file';
import { parseMatcher, type Matcher } from '../storm/matchers';
import { oncallId, pageTargetSchema } from './page-target';
import { checkTemplate } from './template';
import { webhookSecretKey } from './webhook';

const retrySchema = z
  .object({
    initialInterval: duration.default(1000),
    backoffCoefficient: z.number().min(1).max(10).default(2),
    maximumInterval: duration.default(60_000),
    /** 0 = unlimited (then `deadline` should bound it). */
    maximumAttempts: z.number().int().min(0).max(1000).default(8),
  })
  .strict()
  .default({ initialInterval: 1000, backoffCoefficient: 2, maximumInterval: 60_000, maximumAttempts: 8 });

const template = z.string().min(1).max(4000).superRefine((t, ctx) => {
  for (const message of checkTemplate(t)) ctx.addIssue({ code: 'custom', message });
});

const common = {
  /** A required channel counts toward `delivered`; a failing best-effort one is recorded but never parks. */
  required: z.boolean().default(true),
  /** Per-call timeout. */
  timeout: duration.default(10_000),
  retry: retrySchema,
  /**
   * How long one notification round may keep retrying this channel, queue wait included: then it counts as
   * failed and the alert parks (visible, retried by the re-drive). "Unlimited attempts" means "until this".
   */
  deadline: duration.default(60 * 60_000),
  /**
   * At most this many notifications per minute, across all workers. Excess waits in the channel's own
   * Temporal task queue: it delays, never drops (e.g. PagerDuty allows ~120 events/min per routing key).
   */
  rateLimit: z.object({ perMinute: z.number().positive().max(600_000) }).strict().optional(),
};

const webhookSchema = z
  .object({
    type: z.literal('webhook'),
    url: z.url({ protocol: /^https?$/ }),
    /**
     * Standard Webhooks signing secret: `whsec_<base64>`, or bare `<base64>` (read the same way, as the
     * spec's libraries do); it must decode to at least 16 bytes. Anything else is a start-up error whose
     * text never contains the secret (see webhookSecretKey).
     */
    secret: z
      .string()
      .min(1)
      .superRefine((secret, ctx) => {
        const { problem } = webhookSecretKey(secret);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional(),
    headers: z.record(z.string(), z.string()).optional(),
    ...common,
  })
  .strict();

const slackSchema = z
  .object({
    type: z.literal('slack'),
    /** Incoming-webhook URL (a secret: take it from the environment). Either this or `token`. */
    url: z.url({ protocol: /^https?$/ }).optional(),
    /** As an app: the bot token (`xoxb-…`, a secret: take it from the environment); posts with chat.postMessage. */
    token: z.string().min(1).optional(),
    /** As an app: the conversation ID (C…, G…) the channel's own notifications go to; absent: only people's DMs. */
    channel: z.string().regex(SLACK_CONVERSATION, 'a Slack conversation ID (C…, G… or D…), not a #name').optional(),
    /** As an app: the Web API's base URL. */
    apiUrl: z.url({ protocol: /^https?$/ }).default('https://slack.com/api/'),
    /** As an app: Acknowledge, Resolve and Silence 1 h buttons on a page's firing notifications. */
    buttons: z.boolean().default(true),
    title: template.optional(),
    text: template.optional(),
    ...common,
  })
  .strict()
  .superRefine((c, ctx) => {
    if (!c.url === !c.token) ctx.addIssue({ code: 'custom', message: 'set either `url` (an incoming webhook) or `token` (a Slack app\'s bot token), not both' });
    if (c.url && c.channel) ctx.addIssue({ code: 'custom', path: ['channel'], message: '`channel` goes with `token`: an incoming webhook posts where it was made for' });
  });

const emailSchema = z
  .object({
    type: z.literal('email'),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65_535).default(587),
    /** true = TLS from the start (port 465); false = plain or STARTTLS. */
    secure: z.boolean().default(false),
    user: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
    from: z.string().min(3),
    to: z.array(z.string().min(3)).min(1),
    subject: template.optional(),
    text: template.optional(),
    ...common,
  })
  .strict();

const pagerDutySchema = z
  .object({
    type: z.literal('pagerduty'),
    routingKey: z.string().min(1),
    url: z.url({ protocol: /^https?$/ }).default('https://events.pagerduty.com/v2/enqueue'),
    title: template.optional(),
    ...common,
  })
  .strict();

const ntfySchema = z
  .object({
    type: z.literal('ntfy'),
    /** The ntfy server: https://ntfy.sh or your own. */
    url: z.url({ protocol: /^https?$/ }).default('https://ntfy.sh'),
    /** The topic the channel's notifications go to (a person's contact on it gives their own). */
    topic: z.string().regex(NTFY_TOPIC, 'an ntfy topic: letters, digits, _ and - only, at most 64').optional(),
    /** An access token (`tk_…`), sent as `Authorization: Bearer` (a secret: take it from the environment). */
    token: z.string().min(1).optional(),
    title: template.optional(),
    text: template.optional(),
    ...common,
  })
  .strict();

const teamsSchema = z
  .object({
    type: z.literal('teams'),
    /** A Teams Workflows webhook URL (a secret: take it from the environment). */
    url: z.url({ protocol: /^https?$/ }),
    title: template.optional(),
    ...common,
  })
  .strict();

/** SMS and voice (a provider with Twilio's REST shape, src/channels/twilio.ts): the account, the numbers. */
const phone = {
  /** The provider's API: https://api.twilio.com, or another with the same API (its `/2010-04-01/Accounts/…` paths). */
  url: z.url({ protocol: /^https?$/ }).default('https://api.twilio.com'),
  accountSid: z.string().regex(/^[A-Za-z0-9-]{2,64}$/, 'an account SID (AC… at Twilio): letters, digits and -'),
  /** The account's auth token (a secret: take it from the environment); the intake verifies callbacks with it too. */
  authToken: z.string().min(1),
  from: z.string().regex(E164, 'a phone number in E.164 form: + and 8 to 15 digits'),
  /** The channel's own numbers; absent: only people's contacts (their numbers) are reached through it. */
  to: z.array(z.string().regex(E164, 'a phone number in E.164 form: + and 8 to 15 digits')).min(1).max(20).optional(),
  text: template.optional(),
  ...common,
};
const smsSchema = z.object({ type: z.literal('sms'), ...phone }).strict();
const voiceSchema = z.object({ type: z.literal('voice'), ...phone, ringSeconds: z.number().int().min(5).max(600).default(30) }).strict();

export const channelSchema = z.discriminatedUnion('type', [webhookSchema, slackSchema, emailSchema, pagerDutySchema, ntfySchema, teamsSchema, smsSchema, voiceSchema]);
export type ChannelConfig = z.infer<typeof channelSchema>;

/** One Alertmanager matcher (`name="v"`, `!=`, `=~`, `!~`), parsed. */
const matcher = z.string().transform((text, ctx): Matcher => {
  try {
    return parseMatcher(text);
  } catch (e) {
    if (!(e instanceof MatcherSyntaxError)) throw e;
    ctx.addIssue({ code: 'custom', message: e.message });
    return z.NEVER;
  }
});

/** Alertmanager's defaults: group_wait 30s, group_interval 5m, repeat_interval 4h. */
export const GROUP_DEFAULTS = { waitMs: 30_000, intervalMs: 5 * 60_000, repeatMs: 4 * 3_600_000 } as const;

const routeSchema = z
  .object({
    /** Names the route in group workflow IDs (`group:<name>:…`) and metrics; default `route-<index>`. */
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'route names: letters, digits and . _ - only (at most 64)').optional(),
    match: z
      .object({
        severity: z.array(z.enum(SEVERITIES)).min(1).optional(),
        labels: z.record(z.string(), z.string()).optional(),
        ruleId: z.array(z.string()).min(1).optional(),
      })
      .strict()
      .default({}),
    /** Notified at once. A route names channels, an escalation policy, a team, or several of these. */
    channels: z.array(z.string()).min(1).optional(),
    /** The escalation policy (a name under `escalations:`) for alerts this route matches. */
    escalation: z.string().min(1).optional(),
    /**
     * A team of the on-call file (ONCALL_FILE): its alerts follow the team's policy (its `escalation`), unless the
     * route names a policy itself.
     */
    team: oncallId.optional(),
    /** Keep evaluating later routes after this one matched (Alertmanager's `continue`). */
    continue: z.boolean().default(false),
    /**
     * Grouping (Alertmanager's names and semantics): alerts with the same values of these labels (matcher names:
     * labels and `alertname`, `severity`, … see src/storm/matchers.ts) share one notification per interval.
     * `['...']`: every label. Absent: no grouping, each alert is notified on its own.
     */
    group_by: z.array(z.string().min(1).max(128)).min(1).max(32).optional(),
    group_wait: duration.optional(),
    group_interval: duration.optional(),
    repeat_interval: duration.optional(),
  })
  .strict()
  .refine((r) => r.channels !== undefined || r.escalation !== undefined || r.team !== undefined, 'a route needs `channels`, `escalation` or `team` (or several)')
  .refine((r) => !(r.group_by && r.continue), '`group_by` with `continue: true` is not supported: an alert goes through one group, with its route\'s channels')
  .refine((r) => !(r.group_by && r.escalation), '`group_by` and `escalation` on one route are not supported: a group notification has no per-alert escalation')
  .refine((r) => !(r.group_by && r.team), '`group_by` and `team` on one route are not supported: a group notification has no per-alert escalation')
  .refine((r) => r.group_by !== undefined || (r.group_wait ?? r.group_interval ?? r.repeat_interval) === undefined, '`group_wait`, `group_interval` and `repeat_interval` need `group_by`')
  .refine((r) => !r.group_by?.includes('...') || r.group_by.length === 1, "`group_by: ['...']` stands alone");
export type RouteConfig = z.infer<typeof routeSchema>;

/** One level: channels notified, and people paged (PageTarget: a schedule's on-call, a person, a team's members), or both. */
const levelSchema = z
  .object({
    after: duration,
    /** Default: none (then `notify` names whom the level pages). */
    channels: z.array(z.string()).min(1).default([]),
    /** Whom the level pages, resolved when it fires against the on-call file (ONCALL_FILE); default: nobody. */
    notify: z.array(pageTargetSchema).min(1).max(20).optional(),
  })
  .strict()
  .refine((l) => l.channels.length > 0 || l.notify !== undefined, 'a level needs `channels`, `notify` or both');
export type LevelConfig = z.infer<typeof levelSchema>;

/**
 * An escalation policy: levels of channels and people, each notified `after` the alert's first notification
 * unless a human acknowledged or the incident resolved by then; `repeat` runs the levels after the first again.
 */
const escalationSchema = z
  .object({
    levels: z.array(levelSchema).min(1).max(20),
    repeat: z.number().int().min(0).max(10).default(0),
    /** Notified when a level's target finds nobody (a schedule with nobody on call); absent: the alert parks as failed. */
    fallback: z.object({ channels: z.array(z.string()).min(1) }).strict().optional(),
  })
  .strict()
  .refine((e) => e.levels.every((l, i) => i === 0 || l.after > e.levels[i - 1].after), 'levels must come in increasing `after` order');
export type EscalationConfig = z.infer<typeof escalationSchema>;

/**
 * An inhibit rule (Alertmanager's): while an alert matching `source_matchers` fires, alerts matching
 * `target_matchers` with the same values of the `equal` labels are not notified (recorded as `inhibited`).
 */
const inhibitRuleSchema = z
  .object({
    source_matchers: z.array(matcher).min(1).max(32),
    target_matchers: z.array(matcher).min(1).max(32),
    equal: z.array(z.string().min(1).max(128)).max(32).default([]),
  })
  .strict();
export type InhibitRuleConfig = z.infer<typeof inhibitRuleSchema>;

/** A route without conditions (no `match`, or an empty one): it matches every alert. */
export function isCatchAll(route: Pick<RouteConfig, 'match'>): boolean {
  const m = route.match;
  return !m.severity && !m.ruleId && Object.keys(m.labels ?? {}).length === 0;
}

/**
 * Why these routes are unsafe, if they are. An alert that no route matches must not page every channel
 * (a typo in a match would page PagerDuty for everything), nor silently go nowhere. So with more than one
 * channel the routes must include a catch-all that says where "everything else" goes. With a single
 * channel there is nothing to choose: routes are optional and an unmatched alert goes to that channel.
 */
export function catchAllProblem(file: { channels: Record<string, unknown>; routes: Pick<RouteConfig, 'match'>[] }): string | undefined {
  const names = Object.keys(file.channels);
  if (names.length <= 1 || file.routes.some(isCatchAll)) return undefined;
  return `with ${names.length} channels, an alert that no route matches would have nowhere to go (it is not sent to every channel): ` +
    `add a last route without \`match\`, e.g. \`- channels: [${names[0]}]\``;
}

export const channelsFileSchema = z
  .object({
    channels: z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'channel names: letters, digits and . _ - only'), channelSchema)
      .refine((c) => Object.keys(c).length > 0, 'at least one channel is needed'),
    /**
     * Evaluated in order. With more than one channel they must include a catch-all route (see
     * catchAllProblem); with one channel they are optional and an unmatched alert goes to it.
     */
    routes: z.array(routeSchema).default([]),
    /** Escalation policies by name (see escalationSchema); a route picks one with `escalation:`. */
    escalations: z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'policy names: letters, digits and . _ - only'), escalationSchema).default({}),
    /** Inhibition (see inhibitRuleSchema), evaluated for every paging alert. */
    inhibit_rules: z.array(inhibitRuleSchema).max(100).default([]),
  })
  .strict()
  .superRefine((f, ctx) => {
    const known = (c: string, path: (string | number)[]) => {
      if (!Object.hasOwn(f.channels, c)) ctx.addIssue({ code: 'custom', path, message: `unknown channel "${c}"` });
    };
    f.routes.forEach((r, i) => {
      r.channels?.forEach((c, j) => known(c, ['routes', i, 'channels', j]));
      if (r.escalation !== undefined && !Object.hasOwn(f.escalations, r.escalation)) {
        ctx.addIssue({ code: 'custom', path: ['routes', i, 'escalation'], message: `unknown escalation policy "${r.escalation}"` });
      }
    });
    for (const [name, e] of Object.entries(f.escalations)) {
      e.levels.forEach((l, i) => l.channels.forEach((c, j) => known(c, ['escalations', name, 'levels', i, 'channels', j])));
      e.fallback?.channels.forEach((c, j) => known(c, ['escalations', name, 'fallback', 'channels', j]));
    }
    const names = f.routes.map((r, i) => r.name ?? `route-${i}`);
    names.forEach((n, i) => {
      if (names.indexOf(n) !== i) ctx.addIssue({ code: 'custom', path: ['routes', i, 'name'], message: `route name "${n}" is used twice (group workflow IDs would collide)` });
    });
    const problem = catchAllProblem(f);
    if (problem) ctx.addIssue({ code: 'custom', path: ['routes'], message: problem });
  });
export type ChannelsFile = z.infer<typeof channelsFileSchema>;

/** `env`: where its `${VAR}` references are filled in from (the process's whole environment, handed over by its configuration). */
export function parseChannelsFile(text: string, file: string, env: FileEnv): ChannelsFile {
  return parseSettingsFile(text, `channels file ${file}`, env, channelsFileSchema);
}

export function loadChannelsFile(file: string, env: FileEnv): ChannelsFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`Cannot read channels file ${file}: ${(e as Error).message} (set CHANNELS_FILE)`);
  }
  return parseChannelsFile(text, file, env);
}
