// ntfy (https://ntfy.sh, or a self-hosted server): a push to a phone, published as JSON to the server's root
// (`POST /` with `topic`, `title`, `message`, `priority`, `tags`, `click`, `actions`; docs.ntfy.sh/publish).
//
//   priority  critical 5 (max: rings through Do Not Disturb where the app allows), high 4, medium 3, low 2,
//             info 1; a resolved notification 2 (it should not wake anyone)
//   tags      an emoji tag for the severity (or the check mark of a resolve) and the severity's name
//   click     opens the alert (ALERT_LINK_BASE); a page's firing notification carries an "Acknowledge" button
//             (a `view` action opening its signed ack link, which asks before it acknowledges)
//   auth      `Authorization: Bearer <token>` (an ntfy access token, `tk_…`) when the channel has `token`
//
// The message is plain text (ntfy's Markdown is not turned on), so alert content cannot make a link or a button:
// the only ones are built here. The message is cut to ntfy's 4,096 bytes (beyond that ntfy turns it into an
// attachment), the title to 250 characters. A person's contact (on call) is their own topic, which replaces the
// channel's. A topic works like a password on a public server: the token, the channel's topic and a person's topic
// never appear in errors, logs or history. ntfy takes no idempotency key: a publish whose answer was lost (a timeout)
// and that is retried can push twice.
import type { GroupNotice } from '../contracts/group';
import { PermanentDeliveryError } from '../errors';
import { tracedRequest } from '../tracing/outgoing';
import { cutPlain, groupBody, groupSummary, tellsResolved } from './group-text';
import { postJson } from './http';
import { personLabel } from './recipients';
import { DEFAULT_TITLE, alertLink, render } from './template';
import type { Channel, OutgoingAlert } from './types';

export interface NtfyConfig {
  name: string;
  /** The server's base URL (https://ntfy.sh by default). */
  url: string;
  /** The channel's topic; a person's contact gives theirs instead. */
  topic?: string;
  /** An access token (`tk_…`), sent as a bearer token. */
  token?: string;
  timeoutMs: number;
  title?: string;
  text?: string;
  linkBase?: string;
}

/** ntfy's topic names: letters, digits, `_` and `-`, at most 64. */
export const NTFY_TOPIC = /^[A-Za-z0-9_-]{1,64}$/;
/** ntfy's message limit in bytes (a longer one becomes an attachment), and the title we keep. */
export const NTFY_LIMITS = { messageBytes: 4096, title: 250 } as const;

const PRIORITY: Record<string, number> = { critical: 5, high: 4, medium: 3, low: 2, info: 1 };
const EMOJI_TAG: Record<string, string> = { critical: 'rotating_light', high: 'red_circle', medium: 'orange_circle', low: 'yellow_circle', info: 'information_source' };

/** Cuts UTF-8 text to at most `max` bytes on a character boundary, ending in "…" when it had to cut. */
export function cutBytes(s: string, max: number): string {
  if (Buffer.byteLength(s) <= max) return s;
  const chars = [...s];
  let bytes = Buffer.byteLength('…');
  let n = 0;
  while (n < chars.length && bytes + Buffer.byteLength(chars[n]) <= max) bytes += Buffer.byteLength(chars[n++]);
  return `${chars.slice(0, n).join('')}…`;
}

const DEFAULT_MESSAGE = '{{description}}\nRule: {{ruleName}} ({{ruleId}})\nWhere: {{view}} / {{scope}}\nLabels: {{labels}}\nFired at: {{firedAt}}';

/** The JSON ntfy is sent for an alert (or a group notification) to `topic`. */
export function ntfyMessage(alert: OutgoingAlert, topic: string, cfg: Pick<NtfyConfig, 'title' | 'text' | 'linkBase'>) {
  const link = alertLink(alert, cfg.linkBase);
  const g: GroupNotice | undefined = alert.group;
  const resolved = tellsResolved(alert);
  const severity = g ? g.severity : alert.event.severity;
  const title = g && !cfg.title ? groupSummary(g) : `${resolved ? 'RESOLVED: ' : ''}${render(cfg.title ?? DEFAULT_TITLE, alert, link)}`;
  const message = g && !cfg.text ? groupBody(g) : render(cfg.text ?? DEFAULT_MESSAGE, alert, link).replace(/^\n+/, '');
  const ack = alert.ackUrl && !resolved ? [{ action: 'view', label: 'Acknowledge', url: alert.ackUrl, clear: true }] : [];
  return {
    topic,
    title: cutPlain(title, NTFY_LIMITS.title),
    message: cutBytes(message.trim() || title, NTFY_LIMITS.messageBytes),
    priority: resolved ? 2 : PRIORITY[severity] ?? 3,
    tags: resolved ? ['white_check_mark', 'resolved'] : [EMOJI_TAG[severity] ?? 'bell', severity],
    click: link,
    actions: [...ack, { action: 'view', label: g ? 'Open the group' : 'Open the alert', url: link }],
  };
}

export class NtfyChannel implements Channel {
  readonly type = 'ntfy';
  readonly name: string;
  constructor(private readonly cfg: NtfyConfig) {
    this.name = cfg.name;
  }

  async send(alert: OutgoingAlert, signal: AbortSignal): Promise<string> {
    const r = alert.recipient;
    const label = r ? personLabel(this, r.person) : `ntfy "${this.name}"`;
    const topic = r ? r.address : this.cfg.topic;
    if (r && !NTFY_TOPIC.test(r.address)) throw new PermanentDeliveryError(`${label}: the person's address is not an ntfy topic (letters, digits, _ and -, at most 64)`);
    if (!topic) throw new PermanentDeliveryError(`${label}: the channel has no topic (set \`topic\`, or use it only for people's contacts)`);
    return tracedRequest(this, (trace) => postJson({
      channel: label,
      url: `${this.cfg.url.replace(/\/+$/, '')}/`,
      body: JSON.stringify(ntfyMessage(alert, topic, this.cfg)),
      headers: { ...(this.cfg.token ? { authorization: `Bearer ${this.cfg.token}` } : {}), ...trace },
      timeoutMs: this.cfg.timeoutMs,
      signal,
      secrets: [topic, ...(this.cfg.token ? [this.cfg.token] : [])],
    }));
  }
}
