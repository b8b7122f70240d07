// PagerDuty Events API v2: a `trigger` event per alert, `dedup_key` = alert ID so repeats (retries, a
// re-fired alert) group into one PagerDuty incident: the dedup key is the incident's identity, not the
// delivery's; the delivery ID travels in custom_details. 202 = accepted; 429/5xx retried; 400 permanent.
// The routing key is the secret: it never appears in errors, logs or history.
import { postJson } from './http';
import { DEFAULT_TITLE, alertLink, render } from './template';
import type { Channel, OutgoingAlert } from './types';

export interface PagerDutyConfig {
  name: string;
  routingKey: string;
  /** Events API endpoint (tests point it at a local receiver). */
  url: string;
  timeoutMs: number;
  title?: string;
}

export const PAGERDUTY_SEVERITY: Record<string, 'critical' | 'error' | 'warning' | 'info'> = {
  critical: 'critical', high: 'error', medium: 'warning', low: 'info', info: 'info',
};

export function pagerDutyEvent(alert: OutgoingAlert, cfg: Pick<PagerDutyConfig, 'routingKey' | 'title'>) {
  const e = alert.event;
  const link = alertLink(alert);
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

export class PagerDutyChannel implements Channel {
  readonly type = 'pagerduty';
  readonly name: string;
  constructor(private readonly cfg: PagerDutyConfig) {
    this.name = cfg.name;
  }

  send(alert: OutgoingAlert, signal: AbortSignal): Promise<string> {
    return postJson({
      channel: `pagerduty "${this.name}"`,
      url: this.cfg.url,
      body: JSON.stringify(alert.resolves ? pagerDutyResolve(alert, this.cfg) : pagerDutyEvent(alert, this.cfg)),
      headers: {},
      timeoutMs: this.cfg.timeoutMs,
      signal,
      secrets: [this.cfg.routingKey],
    });
  }
}
