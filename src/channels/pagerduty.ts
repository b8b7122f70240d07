// PagerDuty Events API v2: a `trigger` event per alert, `dedup_key` = alert ID so repeats (retries, a
// re-fired alert) group into one PagerDuty incident: the dedup key is the incident's identity, not the
// delivery's; the delivery ID travels in custom_details. 202 = accepted; 429/5xx retried; 400 permanent.
// The routing key is the secret: it never appears in errors, logs or history.
//
// A group notification (`alert.group`) is ONE incident per group: dedup_key = the group ID (not the notification
// key), `trigger` while the group fires (each notification updates the same incident's summary and details),
// `resolve` with the group's last notification (status `resolved`).
//
// A PagerDuty routing key reaches a service, not a person: a personal notification (`alert.recipient`, on call) is
// refused with PermanentDeliveryError ("channel type pagerduty cannot reach a person"), nothing is sent.
import type { GroupNotice } from '../contracts/group';
import { PLAIN, SUMMARY_LIMIT, cutPlain, groupCounts, groupSummary, listLines, listedAlerts } from './group-text';
import { postJson } from './http';
import { DEFAULT_TITLE, alertLink, render } from './template';
import { refuseRecipient } from './recipients';
import type { Channel, OutgoingAlert } from './types';

export interface PagerDutyConfig {
  name: string;
  routingKey: string;
  /** Events API endpoint (tests point it at a local receiver). */
  url: string;
  timeoutMs: number;
  title?: string;
  /** ALERT_LINK_BASE: where a notification's link points (default: the local Web UI). */
  linkBase?: string;
}

export const PAGERDUTY_SEVERITY: Record<string, 'critical' | 'error' | 'warning' | 'info'> = {
  critical: 'critical', high: 'error', medium: 'warning', low: 'info', info: 'info',
};

export function pagerDutyEvent(alert: OutgoingAlert, cfg: Pick<PagerDutyConfig, 'routingKey' | 'title' | 'linkBase'>) {
  const e = alert.event;
  const link = alertLink(alert, cfg.linkBase);
  return {
    routing_key: cfg.routingKey,
    event_action: 'trigger',
    dedup_key: e.alertId,
    payload: {
      summary: render(cfg.title ?? DEFAULT_TITLE, alert, link).slice(0, 1024),
      source: e.scope,
      severity: PAGERDUTY_SEVERITY[e.severity] ?? 'info',
      timestamp: e.firedAt,
      component: e.view,
      group: e.ruleId,
      class: e.ruleName,
      custom_details: { description: e.description, labels: e.labels ?? {}, deliveryId: alert.deliveryId, streamMessageId: alert.messageId },
    },
    // The ack link too: acknowledging in PagerDuty does not reach this service (its own escalation levels go on).
    links: [{ href: link, text: 'Alert delivery (Temporal)' }, ...(alert.ackUrl ? [{ href: alert.ackUrl, text: 'Acknowledge in alert-delivery' }] : [])],
    client: 'alert-delivery',
  };
}

/** Resolved: the same dedup_key closes the PagerDuty incident the trigger opened (no payload needed). */
export function pagerDutyResolve(alert: OutgoingAlert, cfg: Pick<PagerDutyConfig, 'routingKey'>) {
  return { routing_key: cfg.routingKey, event_action: 'resolve', dedup_key: alert.event.alertId, client: 'alert-delivery' };
}

/**
 * A firing group's trigger: summary = the summary line (or the `title` template rendered with the group's values),
 * severity = the group's highest, mapped as for one alert; custom_details = the counts, the listed alerts (as lines,
 * `… and N more` last), the group's labels, the notification key and the link to all the group's alerts.
 */
export function pagerDutyGroupEvent(alert: OutgoingAlert, g: GroupNotice, cfg: Pick<PagerDutyConfig, 'routingKey' | 'title' | 'linkBase'>) {
  const link = alertLink(alert, cfg.linkBase); // the group workflow
  const { more } = listedAlerts(g);
  return {
    routing_key: cfg.routingKey,
    event_action: 'trigger',
    dedup_key: g.id,
    payload: {
      summary: cutPlain(cfg.title ? render(cfg.title, alert, link) : groupSummary(g), SUMMARY_LIMIT),
      source: g.route,
      severity: PAGERDUTY_SEVERITY[g.severity] ?? 'info',
      timestamp: alert.receivedAt,
      group: g.route,
      class: 'alert group',
      custom_details: {
        counts: groupCounts(g), firing: g.counts.firing, new: g.counts.new, resolved: g.counts.resolved,
        alerts: listLines(g, { ...PLAIN, bullet: () => '' }), unlisted: more, labels: g.labels, sequence: g.sequence,
        notificationKey: alert.deliveryId, ...(g.listUrl ? { listUrl: g.listUrl } : {}),
      },
    },
    links: [...(g.listUrl ? [{ href: g.listUrl, text: 'All alerts of the group' }] : []), { href: link, text: 'Alert group (Temporal)' }],
    client: 'alert-delivery',
  };
}

/** A resolved group: the group ID closes the incident its triggers kept up to date. */
export function pagerDutyGroupResolve(g: GroupNotice, cfg: Pick<PagerDutyConfig, 'routingKey'>) {
  return { routing_key: cfg.routingKey, event_action: 'resolve', dedup_key: g.id, client: 'alert-delivery' };
}

function eventFor(alert: OutgoingAlert, cfg: PagerDutyConfig) {
  const g = alert.group;
  if (g) return g.status === 'resolved' ? pagerDutyGroupResolve(g, cfg) : pagerDutyGroupEvent(alert, g, cfg);
  return alert.resolves ? pagerDutyResolve(alert, cfg) : pagerDutyEvent(alert, cfg);
}

export class PagerDutyChannel implements Channel {
  readonly type = 'pagerduty';
  readonly name: string;
  constructor(private readonly cfg: PagerDutyConfig) {
    this.name = cfg.name;
  }

  async send(alert: OutgoingAlert, signal: AbortSignal): Promise<string> {
    refuseRecipient(this, alert);
    return postJson({
      channel: `pagerduty "${this.name}"`,
      url: this.cfg.url,
      body: JSON.stringify(eventFor(alert, this.cfg)),
      headers: {},
      timeoutMs: this.cfg.timeoutMs,
      signal,
      secrets: [this.cfg.routingKey],
    });
  }
}
