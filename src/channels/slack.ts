// Slack incoming webhook: a Block Kit message (severity, title, rule, labels, link to the alert).
// The webhook URL is the secret: it never appears in errors, logs or history.
//
// Alert content is untrusted text: every piece of it that lands in mrkdwn (title, rule, IDs, view/scope,
// labels, description, values inserted into templates, the fallback `text`) is escaped the way Slack asks
// (& < > → &amp; &lt; &gt;), so an alert cannot @-mention (`<!channel>`, `<!here>`, `<@U123>`) or show a
// disguised link (`<https://evil|click>`). The only links are the ones built here: to the alert, and a page's
// ack link. The operator's own template text is configuration and passes through as written. The header is plain_text,
// which Slack shows literally, so it is not escaped (escaping would show "&lt;"). Every text is cut to
// Slack's limits (header 150, section 3000, field and context element 2000 characters).
//
// A group notification (`alert.group`) is its own message (slackGroupMessage): header = the summary line
// (`[FIRING:3] databases cluster=eu-1`) or the operator's `title` template rendered with the group's values
// (template.ts), a section with the counts (and the `text` template's output, when set), a section listing the
// alerts (severity emoji, title, rule, alert ID; `… and N more`), and a context with the links.
//
// A personal notification (`alert.recipient`, on call: the person's Slack member ID, mentioned in the channel the
// webhook posts to) starts the message text with `<@U…>`, and the blocks with a section holding that mention (when
// a message has blocks, Slack shows the blocks, not `text`, and desktop notifications read the blocks first); the
// rest of the message is unchanged. A member ID that is not one (`U…`/`W…`) is a permanent error naming the person.
import type { GroupNotice } from '../contracts/group';
import { groupCounts, groupSummary, listLines, resolvedNote, type LineStyle } from './group-text';
import { postJson } from './http';
import { tracedRequest } from '../tracing/outgoing';
import { DEFAULT_TITLE, alertLink, render } from './template';
import { personLabel, slackMemberId } from './recipients';
import type { Channel, OutgoingAlert } from './types';

export interface SlackConfig {
  name: string;
  url: string;
  timeoutMs: number;
  title?: string;
  text?: string;
  /** ALERT_LINK_BASE: where a notification's `link` points (default: the local Web UI). */
  linkBase?: string;
}

/** Slack's limits (Block Kit reference), in characters. */
export const SLACK_LIMITS = { header: 150, section: 3000, field: 2000, context: 2000, contextElements: 10, fallback: 3000 } as const;
/** One label is shown at most this long, so a single huge label cannot crowd out all others. */
const MAX_LABEL_CHARS = 200;

const EMOJI: Record<string, string> = { critical: ':rotating_light:', high: ':red_circle:', medium: ':large_orange_circle:', low: ':large_yellow_circle:', info: ':information_source:' };

/** Escapes text for Slack mrkdwn: only &, < and > (https://api.slack.com/reference/surfaces/formatting#escaping). */
export function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Cuts a text to at most `max` characters, ending in "…" when it had to cut. Never splits an escape
 * entity (`&amp;`) or a surrogate pair.
 */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  let cut = s.slice(0, max - 1);
  const amp = cut.lastIndexOf('&');
  if (amp >= 0 && !cut.includes(';', amp)) cut = cut.slice(0, amp); // a partial &amp; / &lt; / &gt;
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/** `k=v` code spans that fit in one context element; the labels left out are counted in "(+N more labels)". */
function labelsText(labels: Record<string, string>): string {
  const entries = Object.entries(labels);
  if (!entries.length) return 'Labels: _none_';
  const note = (n: number) => (n > 0 ? ` (+${n} more labels)` : '');
  let text = 'Labels:';
  let shown = 0;
  for (const [k, v] of entries) {
    const item = ` \`${truncate(escapeMrkdwn(`${k}=${v}`), MAX_LABEL_CHARS)}\``;
    // Add it only if the note about the labels still left out after it fits as well.
    if (text.length + item.length + note(entries.length - shown - 1).length > SLACK_LIMITS.context) break;
    text += item;
    shown++;
  }
  return text + note(entries.length - shown);
}

/**
 * The ack link of a page's firing notification, as its own context element: `*<url|Acknowledge>*`. Never cut
 * (a cut link would not work): one that does not fit is left out (it cannot happen with ACK_LINK_BASE's limit).
 */
function ackElement(alert: OutgoingAlert): { type: 'mrkdwn'; text: string }[] {
  if (!alert.ackUrl || alert.resolves) return [];
  const text = `*<${escapeMrkdwn(alert.ackUrl).replace(/\|/g, '%7C')}|Acknowledge>*`;
  return text.length <= SLACK_LIMITS.context ? [{ type: 'mrkdwn', text }] : [];
}

export function slackMessage(alert: OutgoingAlert, cfg: Pick<SlackConfig, 'title' | 'text' | 'linkBase'>) {
  const e = alert.event;
  const link = alertLink(alert, cfg.linkBase);
  const emoji = EMOJI[e.severity] ?? '';
  const titleTemplate = cfg.title ?? DEFAULT_TITLE;
  const resolved = alert.resolves ? 'RESOLVED: ' : '';
  const header = truncate(resolved + render(titleTemplate, alert, link), SLACK_LIMITS.header); // plain_text: literal
  const title = resolved + render(titleTemplate, alert, link, escapeMrkdwn); // mrkdwn (fallback text)
  const body = cfg.text ? render(cfg.text, alert, link, escapeMrkdwn) : escapeMrkdwn(e.description ?? '');
  const field = (label: string, value: string) => ({ type: 'mrkdwn', text: truncate(`*${label}*\n${value}`, SLACK_LIMITS.field) });
  return {
    text: truncate(`${alert.resolves ? ':white_check_mark:' : emoji} ${title}`.trim(), SLACK_LIMITS.fallback), // notification fallback (mrkdwn)
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: header, emoji: true } },
      {
        type: 'section',
        fields: [
          field('Severity', `${emoji} ${escapeMrkdwn(e.severity)}`),
          field('Rule', `${truncate(escapeMrkdwn(e.ruleName), 1500)} (\`${truncate(escapeMrkdwn(e.ruleId), 400)}\`)`),
          field('Where', `${truncate(escapeMrkdwn(e.view), 950)} / ${truncate(escapeMrkdwn(e.scope), 950)}`),
          field('Fired', escapeMrkdwn(e.firedAt)),
        ],
      },
      ...(body ? [{ type: 'section', text: { type: 'mrkdwn', text: truncate(body, SLACK_LIMITS.section) } }] : []),
      {
        type: 'context',
        elements: [
          { type: 'mrkdwn', text: labelsText(e.labels ?? {}) },
          // The link to the alert, built here; its URL is escaped too, as Slack asks for links.
          { type: 'mrkdwn', text: truncate(`<${escapeMrkdwn(link)}|Open the alert> · alert \`${truncate(escapeMrkdwn(e.alertId), 200)}\``, SLACK_LIMITS.context) },
          ...ackElement(alert),
        ],
      },
    ],
  };
}

/** A listed alert in mrkdwn: every value escaped, then cut so ten lines fit one section. */
const SLACK_LINE: LineStyle = {
  value: (s, max) => truncate(escapeMrkdwn(s), max),
  title: (s) => `*${s}*`,
  id: (s) => `\`${s}\``,
  bullet: (m) => `${m.status === 'resolved' ? ':white_check_mark:' : EMOJI[m.severity] ?? ':bell:'} `,
  limits: { title: 120, ruleName: 60, alertId: 60 },
};

/** Status first: a resolved group is a check mark, a firing one its highest severity's emoji. */
const groupEmoji = (g: GroupNotice) => (g.status === 'resolved' ? ':white_check_mark:' : EMOJI[g.severity] ?? ':bell:');

/**
 * A group notification as Block Kit. With a `title` / `text` template, they are rendered with the group's values
 * (see template.ts: {{title}} is the summary line, {{description}} the counts, {{labels}} the group's labels …):
 * the title replaces the summary in the header, the text comes after the counts; the list is always shown.
 */
export function slackGroupMessage(alert: OutgoingAlert, g: GroupNotice, cfg: Pick<SlackConfig, 'title' | 'text' | 'linkBase'>) {
  const link = alertLink(alert, cfg.linkBase); // the group workflow
  const emoji = groupEmoji(g);
  const header = truncate(cfg.title ? render(cfg.title, alert, link) : groupSummary(g), SLACK_LIMITS.header); // plain_text: literal
  const title = cfg.title ? render(cfg.title, alert, link, escapeMrkdwn) : escapeMrkdwn(groupSummary(g));
  const note = resolvedNote(g);
  const counts = `${note ? `${note} ` : ''}*${groupCounts(g)}*${cfg.text ? `\n${render(cfg.text, alert, link, escapeMrkdwn)}` : ''}`;
  const list = listLines(g, SLACK_LINE).join('\n');
  const links = [
    ...(g.listUrl ? [`*<${escapeMrkdwn(g.listUrl).replace(/\|/g, '%7C')}|All alerts of the group>*`] : []),
    `<${escapeMrkdwn(link)}|Open the group> · group \`${truncate(escapeMrkdwn(g.id), 300)}\` · notification ${g.sequence}`,
  ];
  return {
    // the notification fallback (mrkdwn): summary, counts and the list, so it reads on its own
    text: truncate(`${emoji} ${title}\n${groupCounts(g)}\n${list}`, SLACK_LIMITS.fallback),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: header, emoji: true } },
      { type: 'section', text: { type: 'mrkdwn', text: truncate(`${emoji} ${counts}`, SLACK_LIMITS.section) } },
      ...(list ? [{ type: 'section', text: { type: 'mrkdwn', text: truncate(list, SLACK_LIMITS.section) } }] : []),
      // a link is never cut (a cut link would not work): one too long for an element is left out
      { type: 'context', elements: [{ type: 'mrkdwn', text: labelsText(g.labels) }, ...links.filter((t) => t.length <= SLACK_LIMITS.context).map((text) => ({ type: 'mrkdwn', text }))] },
    ],
  };
}

/**
 * A message that mentions a person: `<@member>` first in the text (cut so the whole fits Slack's limit) and as the
 * first block. The member ID is checked by slackMemberId (`^[UW][A-Z0-9]{2,}$`), so it needs no escaping.
 */
export function withMention<M extends { text: string; blocks: object[] }>(msg: M, memberId: string): M {
  const mention = `<@${memberId}>`;
  return {
    ...msg,
    text: `${mention} ${truncate(msg.text, SLACK_LIMITS.fallback - mention.length - 1)}`,
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: mention } }, ...msg.blocks],
  };
}

export class SlackChannel implements Channel {
  readonly type = 'slack';
  readonly name: string;
  constructor(private readonly cfg: SlackConfig) {
    this.name = cfg.name;
  }

  async send(alert: OutgoingAlert, signal: AbortSignal): Promise<string> {
    const r = alert.recipient;
    const member = r ? slackMemberId(this, r) : undefined; // before any request: a refused ID is permanent
    const msg = alert.group ? slackGroupMessage(alert, alert.group, this.cfg) : slackMessage(alert, this.cfg);
    return tracedRequest(this, (trace) => postJson({
      channel: r ? personLabel(this, r.person) : `slack "${this.name}"`,
      url: this.cfg.url,
      body: JSON.stringify(member ? withMention(msg, member) : msg),
      headers: { 'idempotency-key': alert.deliveryId, ...trace },
      timeoutMs: this.cfg.timeoutMs,
      signal,
      // Slack's error pages do not echo the message, but a receiver in between might: the member ID stays out.
      ...(member ? { secrets: [member] } : {}),
    }));
  }
}
