// The configured channels, built once per process: routing (which channels an alert goes to, with
// which policy) and the live Channel objects the notify activity uses. Only names and policies
// ever leave this module toward workflow history; URLs and secrets stay here.
import { createHash } from 'node:crypto';
import type { AlertEvent } from '../contracts/alert';
import type { ChannelPlan } from '../contracts/channels';
import type { EscalationPlan } from '../contracts/delivery';
import type { GroupRef } from '../contracts/group';
import { ConfigError } from '../errors';
import { alertSubject } from '../storm/matchers';
import type { InhibitRule } from '../storm/inhibitions';
import { GROUP_DEFAULTS, catchAllProblem, type ChannelConfig, type ChannelsFile, type RouteConfig } from './config';
import type { Channel } from './types';
import { EmailChannel } from './email';
import { NtfyChannel } from './ntfy';
import { PagerDutyChannel } from './pagerduty';
import { SlackChannel } from './slack';
import { SlackAppChannel } from './slack-app';
import { SmsChannel } from './sms';
import { TeamsChannel } from './teams';
import { VoiceChannel } from './voice';
import { WebhookChannel } from './webhook';

/** Extra milliseconds the activity gets beyond the channel's own call timeout, so the call times out first. */
const ACTIVITY_TIMEOUT_MARGIN_MS = 5_000;

/** What the worker's environment adds to every channel of the file. */
export interface ChannelOptions {
  /** ALERT_LINK_BASE: where a notification's link points (default: the local Web UI). */
  linkBase?: string;
  /** SMTP_TLS_INSECURE: email channels do not check the SMTP server's certificate. */
  smtpTlsInsecure?: boolean;
  /** A team's default escalation policy (the on-call file's `teams`), for routes that name a `team`; absent: no teams. */
  teamPolicy?: (team: string) => string | undefined;
}

function build(name: string, c: ChannelConfig, { linkBase, smtpTlsInsecure }: ChannelOptions): Channel {
  switch (c.type) {
    case 'webhook':
      return new WebhookChannel({ name, url: c.url, secret: c.secret, headers: c.headers, timeoutMs: c.timeout });
    case 'slack':
      if (c.token) return new SlackAppChannel({ name, token: c.token, channel: c.channel, apiUrl: c.apiUrl, timeoutMs: c.timeout, title: c.title, text: c.text, linkBase, buttons: c.buttons });
      return new SlackChannel({ name, url: c.url!, timeoutMs: c.timeout, title: c.title, text: c.text, linkBase });
    case 'email':
      return new EmailChannel({ name, host: c.host, port: c.port, secure: c.secure, user: c.user, password: c.password, from: c.from, to: c.to, timeoutMs: c.timeout, subject: c.subject, text: c.text, linkBase, tlsInsecure: smtpTlsInsecure });
    case 'pagerduty':
      return new PagerDutyChannel({ name, routingKey: c.routingKey, url: c.url, timeoutMs: c.timeout, title: c.title, linkBase });
    case 'ntfy':
      return new NtfyChannel({ name, url: c.url, topic: c.topic, token: c.token, timeoutMs: c.timeout, title: c.title, text: c.text, linkBase });
    case 'teams':
      return new TeamsChannel({ name, url: c.url, timeoutMs: c.timeout, title: c.title, linkBase });
    case 'sms':
      return new SmsChannel({ name, url: c.url, accountSid: c.accountSid, authToken: c.authToken, from: c.from, to: c.to, text: c.text, timeoutMs: c.timeout, linkBase });
    case 'voice':
      return new VoiceChannel({ name, url: c.url, accountSid: c.accountSid, authToken: c.authToken, from: c.from, to: c.to, text: c.text, ringSeconds: c.ringSeconds, timeoutMs: c.timeout });
  }
}

/** The plan of a channel this worker does not have: one attempt, which fails permanently (see notifyChannel). */
function unknownChannelPlan(name: string): ChannelPlan {
  return {
    name, type: 'unknown', required: true, timeoutMs: ACTIVITY_TIMEOUT_MARGIN_MS, deadlineMs: 60_000,
    retry: { maximumAttempts: 1, nonRetryableErrorTypes: ['PermanentDeliveryError'] },
  };
}

/** The task queue of a rate-limited channel's notifications: `<task queue>.channel.<name>`. */
export function channelTaskQueue(taskQueue: string, channel: string): string {
  return `${taskQueue}.channel.${channel}`;
}

function matches(r: RouteConfig, event: AlertEvent): boolean {
  const m = r.match;
  if (m.severity && !m.severity.includes(event.severity)) return false;
  if (m.ruleId && !m.ruleId.includes(event.ruleId)) return false;
  return !m.labels || Object.entries(m.labels).every(([k, v]) => event.labels?.[k] === v);
}

export class ChannelRegistry {
  private readonly channels = new Map<string, { config: ChannelConfig; channel: Channel }>();

  constructor(
    private readonly file: ChannelsFile,
    /** The main task queue; rate-limited channels get their own queue next to it. */
    private readonly taskQueue = 'alert-delivery',
    private readonly options: ChannelOptions = {},
  ) {
    // parseChannelsFile already enforces this; a file built another way must not get around it, or an
    // unmatched alert would have no channel (see route()).
    const problem = catchAllProblem(file);
    if (problem) throw new ConfigError('Invalid channels:', [`routes: ${problem}`]);
    for (const [name, config] of Object.entries(file.channels)) this.channels.set(name, { config, channel: build(name, config, options) });
  }

  names(): string[] {
    return [...this.channels.keys()];
  }

  has(name: string): boolean {
    return this.channels.has(name);
  }

  get(name: string): Channel | undefined {
    return this.channels.get(name)?.channel;
  }

  /**
   * Channel names this alert goes to: its own list if it has one, else the routes. Nothing matching is
   * only possible with a single channel (the file is rejected otherwise: catchAllProblem), and then the
   * alert goes to that channel. Never "every channel".
   */
  route(event: AlertEvent): string[] {
    if (event.channels?.length) return [...new Set(event.channels)];
    const picked: string[] = [];
    for (const r of this.file.routes) {
      if (!matches(r, event)) continue;
      const name = this.policyOf(r);
      const policy = name ? this.file.escalations[name] : undefined;
      const levels = policy?.levels.flatMap((l) => l.channels ?? []) ?? [];
      for (const c of [...(r.channels ?? []), ...levels, ...(policy?.fallback?.channels ?? [])]) if (!picked.includes(c)) picked.push(c);
      if (!r.continue) break;
    }
    if (picked.length) return picked;
    const names = this.names();
    return names.length === 1 ? names : [];
  }

  /**
   * The escalation of this alert: the policy of the first matching route that names one (an alert with its
   * own `channels` list has none). Levels due at once (`after: 0`) are part of the first round.
   */
  escalation(event: AlertEvent): EscalationPlan | undefined {
    if (event.channels?.length) return undefined;
    for (const r of this.file.routes) {
      if (!matches(r, event)) continue;
      const name = this.policyOf(r);
      if (name) {
        const policy = this.file.escalations[name];
        // Channels due at once go out in the first round; a level due at once that pages people fires right after it.
        const now = policy.levels.filter((l) => l.after === 0).flatMap((l) => l.channels ?? []);
        const levels = policy.levels.filter((l) => l.after > 0 || l.notify?.length);
        return {
          policy: name,
          initial: [...new Set([...(r.channels ?? []), ...now])],
          levels: levels.map((l) => ({ afterMs: l.after, channels: l.after > 0 ? (l.channels ?? []) : [], ...(l.notify?.length ? { notify: l.notify } : {}) })),
          repeat: policy.repeat,
        };
      }
      if (!r.continue) break;
    }
    return undefined;
  }

  /** A route's escalation policy: its own, else its team's default (the on-call file), if any. */
  private policyOf(r: RouteConfig): string | undefined {
    return r.escalation ?? (r.team ? this.options.teamPolicy?.(r.team) : undefined);
  }

  /** The channels a policy's `fallback` names (notified when a level's people target finds nobody); none: []. */
  fallbackOf(policy: string): string[] {
    return this.file.escalations[policy]?.fallback?.channels ?? [];
  }

  /**
   * The group this alert goes to: when the first route it matches has `group_by` (an alert with its own
   * `channels` list is never grouped). The group workflow's ID is `<stream>:group:<route>:<hash of the group_by
   * values>`: like a delivery ID, scoped by the stream, so two deployments in one namespace never share a group.
   */
  grouping(event: AlertEvent, stream: string): GroupRef | undefined {
    if (event.channels?.length) return undefined;
    const index = this.file.routes.findIndex((r) => matches(r, event));
    const r = this.file.routes[index];
    if (!r?.group_by) return undefined;
    const subject = alertSubject(event);
    const labels = r.group_by[0] === '...'
      ? { alertname: subject.alertname, ...(event.labels ?? {}) }
      : Object.fromEntries(r.group_by.map((l) => [l, subject[l] ?? '']));
    const route = r.name ?? `route-${index}`;
    const key = createHash('sha256').update(JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)))).digest('hex').slice(0, 20);
    return {
      workflowId: `${stream}:group:${route}:${key}`,
      route,
      labels,
      timing: { waitMs: r.group_wait ?? GROUP_DEFAULTS.waitMs, intervalMs: r.group_interval ?? GROUP_DEFAULTS.intervalMs, repeatMs: r.repeat_interval ?? GROUP_DEFAULTS.repeatMs },
    };
  }

  /** The inhibit rules of the file, parsed (see src/storm/inhibitions.ts). */
  inhibitRules(): InhibitRule[] {
    return this.file.inhibit_rules.map((r) => ({ source: r.source_matchers, target: r.target_matchers, equal: r.equal }));
  }

  /** The escalation policies the routes use (they need the incident lifecycle: see ALERT_LIFECYCLE). */
  escalationPolicies(): string[] {
    return [...new Set(this.file.routes.flatMap((r) => this.policyOf(r) ?? []))];
  }

  /** Unknown names in an event's own `channels` list (the ingest rejects such an event). */
  unknown(event: AlertEvent): string[] {
    return (event.channels ?? []).filter((c) => !this.channels.has(c));
  }

  /** Rate-limited channels: each gets its own activity worker on its own task queue. */
  rateLimited(): { name: string; taskQueue: string; perSecond: number }[] {
    return [...this.channels.entries()]
      .filter(([, c]) => c.config.rateLimit)
      .map(([name, c]) => ({ name, taskQueue: channelTaskQueue(this.taskQueue, name), perSecond: c.config.rateLimit!.perMinute / 60 }));
  }

  /**
   * How each routed channel is tried. A name this worker does not know (the alert's own `channels`, checked
   * by an ingest whose channels file differs) gets a plan too: its notify fails permanently ("not configured
   * on this worker"), so the alert parks visibly as failed instead of failing its persist step forever.
   */
  plan(event: AlertEvent): ChannelPlan[] {
    return this.planNamed(this.route(event));
  }

  /** The plans of these channels (e.g. those a firing delivery reached, for its resolved notifications). */
  planNamed(names: string[]): ChannelPlan[] {
    return names.map((name) => {
      const config = this.channels.get(name)?.config;
      if (!config) return unknownChannelPlan(name);
      return {
        name,
        type: config.type,
        required: config.required,
        timeoutMs: config.timeout + ACTIVITY_TIMEOUT_MARGIN_MS,
        deadlineMs: Math.max(config.deadline, config.timeout + ACTIVITY_TIMEOUT_MARGIN_MS),
        ...(config.rateLimit ? { taskQueue: channelTaskQueue(this.taskQueue, name) } : {}),
        retry: {
          initialInterval: config.retry.initialInterval,
          backoffCoefficient: config.retry.backoffCoefficient,
          maximumInterval: config.retry.maximumInterval,
          // 0 = unlimited: Temporal expresses that by leaving the field out (it rejects 0).
          ...(config.retry.maximumAttempts > 0 ? { maximumAttempts: config.retry.maximumAttempts } : {}),
          nonRetryableErrorTypes: ['PermanentDeliveryError'],
        },
      };
    });
  }
}
