// Slack incoming webhook: a Block Kit message (severity, title, rule, labels, link to the alert).
// The webhook URL is the secret: it never appears in errors, logs or history.
import { postJson } from './http';
import { DEFAULT_TITLE, alertLink, render } from './template';
import type { Channel, OutgoingAlert } from './types';

export interface SlackConfig {
  name: string;
  url: string;
  timeoutMs: number;
  title?: string;
  text?: string;
}

const EMOJI: Record<string, string> = { critical: ':rotating_light:', high: ':red_circle:', medium: ':large_orange_circle:', low: ':large_yellow_circle:', info: ':information_source:' };

export function slackMessage(alert: OutgoingAlert, cfg: Pick<SlackConfig, 'title' | 'text'>) {
  const e = alert.event;
  const link = alertLink(alert);
  const title = render(cfg.title ?? DEFAULT_TITLE, alert, link).slice(0, 150);
  const labels = Object.entries(e.labels ?? {}).map(([k, v]) => `\`${k}=${v}\``).join(' ') || '_none_';
  const body = cfg.text ? render(cfg.text, alert, link) : e.description ?? '';
  return {
    text: `${EMOJI[e.severity] ?? ''} ${title}`.trim(), // notification fallback
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: title, emoji: true } },
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: `*Severity*\n${EMOJI[e.severity] ?? ''} ${e.severity}` },
          { type: 'mrkdwn', text: `*Rule*\n${e.ruleName} (\`${e.ruleId}\`)` },
          { type: 'mrkdwn', text: `*Where*\n${e.view} / ${e.scope}` },
          { type: 'mrkdwn', text: `*Fired*\n${e.firedAt}` },
        ],
      },
      ...(body ? [{ type: 'section', text: { type: 'mrkdwn', text: body.slice(0, 2900) } }] : []),
      { type: 'context', elements: [{ type: 'mrkdwn', text: `Labels: ${labels}` }, { type: 'mrkdwn', text: `<${link}|Open the alert> · alert \`${e.alertId}\`` }] },
    ],
  };
}

export class SlackChannel implements Channel {
  readonly type = 'slack';
  readonly name: string;
  constructor(private readonly cfg: SlackConfig) {
    this.name = cfg.name;
  }

  send(alert: OutgoingAlert, signal: AbortSignal): Promise<string> {
    return postJson({
      channel: `slack "${this.name}"`,
      url: this.cfg.url,
      body: JSON.stringify(slackMessage(alert, this.cfg)),
      headers: { 'idempotency-key': alert.messageId },
      timeoutMs: this.cfg.timeoutMs,
      signal,
    });
  }
}
