// Email over SMTP (nodemailer): plain text + HTML, and a stable Message-ID derived from the alert and
// the delivery ID (`<stream>:<message ID>`), so a retried send is recognisable as the same message and
// two streams' equal message IDs never share one. SMTP 5xx is permanent, 4xx and connection
// problems are transient. The password never appears in errors, logs or history.
//
// A group notification (`alert.group`): subject = the summary line (`[FIRING:12] databases cluster=eu-1`, or the
// `subject` template rendered with the group's values, see template.ts); text = a resolved group's note, the counts,
// the listed alerts, `… and N more`, the link to all of them (a `text` template's output comes first); HTML the same,
// every value escaped. Message-ID from the notification key `<group ID>:<sequence>`; notifications after the
// first reply to the group's first one (In-Reply-To / References), so a mail client threads a group.
//
// A personal notification (`alert.recipient`, on call) goes to the person's address instead of `to` (one plain
// address, else PermanentDeliveryError naming the person); its Message-ID comes from its own delivery ID (each
// personal step has its own key). The address never appears in an error or in the result.
import nodemailer, { type Transporter } from 'nodemailer';
import { PermanentDeliveryError, TransientDeliveryError } from '../errors';
import type { GroupNotice } from '../contracts/group';
import { PLAIN, alertLine, groupBody, groupCounts, groupSummary, listedAlerts, moreLine, resolvedNote } from './group-text';
import { DEFAULT_TEXT, DEFAULT_TITLE, alertLink, mentionsAckUrl, render } from './template';
import { emailAddress, personLabel, withoutAddress } from './recipients';
import type { Channel, OutgoingAlert } from './types';

export interface EmailConfig {
  name: string;
  host: string;
  port: number;
  secure: boolean;
  user?: string;
  password?: string;
  from: string;
  to: string[];
  timeoutMs: number;
  subject?: string;
  text?: string;
  /** ALERT_LINK_BASE: where a notification's link points (default: the local Web UI). */
  linkBase?: string;
  /** SMTP_TLS_INSECURE: the SMTP server's certificate is not checked (a test server's self-signed one). */
  tlsInsecure?: boolean;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** `<alertId.deliveryId@alert-delivery>`, with every character a Message-ID cannot hold turned into `_`. */
export function messageIdFor(alert: Pick<OutgoingAlert, 'event' | 'deliveryId'>): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');
  return `<${safe(alert.event.alertId)}.${safe(alert.deliveryId)}@alert-delivery>`;
}

/** A resolved notification is a reply in the firing email's thread (In-Reply-To / References its Message-ID). */
function threadHeaders(alert: OutgoingAlert): Record<string, string> {
  if (!alert.resolves) return {};
  const firing = messageIdFor({ event: alert.event, deliveryId: alert.resolves.deliveryId });
  return { 'In-Reply-To': firing, References: firing };
}

interface MailContent {
  subject: string;
  text: string;
  html: string;
  messageId: string;
  headers: Record<string, string>;
}

/** A group notification's mail (see the top of this file). */
export function groupMail(alert: OutgoingAlert, g: GroupNotice, cfg: Pick<EmailConfig, 'subject' | 'text' | 'linkBase'>): MailContent {
  const link = alertLink(alert, cfg.linkBase);
  const subject = cfg.subject ? render(cfg.subject, alert, link) : groupSummary(g);
  const text = `${cfg.text ? `${render(cfg.text, alert, link)}\n\n` : ''}${groupBody(g)}\n`;
  const { shown, more } = listedAlerts(g);
  const note = resolvedNote(g);
  const html = `<h2>${escapeHtml(subject)}</h2>${note ? `<p><strong>${escapeHtml(note)}</strong></p>` : ''}<p>${escapeHtml(groupCounts(g))}</p>` +
    `<ul>${shown.map((m) => `<li>${escapeHtml(alertLine(m, { ...PLAIN, bullet: () => '' }))}</li>`).join('')}</ul>` +
    `${more > 0 ? `<p>${escapeHtml(moreLine(more))}</p>` : ''}${g.listUrl ? `<p><a href="${escapeHtml(g.listUrl)}">All alerts of the group</a></p>` : ''}`;
  const first = g.sequence > 1 ? messageIdFor({ event: { ...alert.event, alertId: g.id }, deliveryId: `${g.id}:1` }) : undefined;
  return {
    subject, text, html,
    messageId: messageIdFor({ event: { ...alert.event, alertId: g.id }, deliveryId: alert.deliveryId }),
    headers: { 'X-Alert-Group': g.id, 'X-Alert-Severity': g.severity, 'Idempotency-Key': alert.deliveryId, ...(first ? { 'In-Reply-To': first, References: first } : {}) },
  };
}

export class EmailChannel implements Channel {
  readonly type = 'email';
  readonly name: string;
  private readonly transport: Transporter;

  constructor(private readonly cfg: EmailConfig) {
    this.name = cfg.name;
    this.transport = nodemailer.createTransport({
      host: cfg.host, port: cfg.port, secure: cfg.secure,
      auth: cfg.user ? { user: cfg.user, pass: cfg.password ?? '' } : undefined,
      connectionTimeout: cfg.timeoutMs, greetingTimeout: cfg.timeoutMs, socketTimeout: cfg.timeoutMs,
      tls: { rejectUnauthorized: !cfg.tlsInsecure },
    });
  }

  async send(alert: OutgoingAlert, signal: AbortSignal): Promise<string> {
    // Checked before anything is built or sent: a refused address is permanent, and named by its person only.
    const r = alert.recipient;
    const to = r ? { address: emailAddress(this, r), person: r.person } : undefined;
    return this.deliver(alert.group ? groupMail(alert, alert.group, this.cfg) : this.alertMail(alert), signal, to);
  }

  private alertMail(alert: OutgoingAlert): MailContent {
    const link = alertLink(alert, this.cfg.linkBase);
    const subject = `${alert.resolves ? 'Re: [RESOLVED] ' : ''}${render(this.cfg.subject ?? DEFAULT_TITLE, alert, link)}`;
    // A page's firing notification ends with its ack link, unless the operator's text template places it ({{ackUrl}}).
    const ackUrl = alert.resolves ? undefined : alert.ackUrl;
    const text = render(this.cfg.text ?? DEFAULT_TEXT, alert, link) + (ackUrl && !mentionsAckUrl(this.cfg.text) ? `\n\nAcknowledge: ${ackUrl}\n` : '');
    const e = alert.event;
    const rows = [['Severity', e.severity], ['Rule', `${e.ruleName} (${e.ruleId})`], ['Where', `${e.view} / ${e.scope}`], ['Fired at', e.firedAt],
      ['Labels', Object.entries(e.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(', ')]];
    const html = `<h2>${escapeHtml(subject)}</h2><table>${rows.map(([k, v]) => `<tr><th align="left">${k}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</table>` +
      `${e.description ? `<p>${escapeHtml(e.description).replace(/\n/g, '<br>')}</p>` : ''}` +
      `${ackUrl ? `<p><a href="${escapeHtml(ackUrl)}"><strong>Acknowledge</strong></a></p>` : ''}<p><a href="${escapeHtml(link)}">Open the alert</a></p>`;
    return {
      subject, text, html, messageId: messageIdFor(alert),
      headers: { 'X-Alert-Id': e.alertId, 'X-Alert-Severity': e.severity, 'Idempotency-Key': alert.deliveryId, ...threadHeaders(alert) },
    };
  }

  /** Sends the mail to `to` (a person's address) or else the channel's `to`. */
  private async deliver({ subject, text, html, messageId, headers }: MailContent, signal: AbortSignal, to?: { address: string; person: string }): Promise<string> {
    const channel = to ? personLabel(this, to.person) : `email "${this.name}"`;
    if (signal.aborted) throw new TransientDeliveryError(`${channel}: cancelled`);
    try {
      const info = (await this.transport.sendMail({ from: this.cfg.from, to: to ? to.address : this.cfg.to, subject, text, html, messageId, headers })) as { response?: unknown };
      // Servers may echo the recipient in their answer ("250 OK <alice@…>"): the result never holds it.
      return `SMTP ${withoutAddress(String(info.response), to?.address).slice(0, 80)}`;
    } catch (err) {
      const x = err as { responseCode?: number; code?: string; message: string };
      const what = `${channel}: ${x.responseCode ? `SMTP ${x.responseCode}` : x.code ?? 'error'}`;
      // "550 5.1.1 <alice@…>: Recipient address rejected": the person's address is removed like the password.
      const detail = withoutAddress(this.scrub(x.message), to?.address).slice(0, 200);
      // SMTP says it: 5xx permanent, 4xx transient. Without a code: bad credentials are permanent,
      // anything else (connection refused, timeout, TLS) transient.
      const permanent = x.responseCode ? x.responseCode >= 500 : x.code === 'EAUTH';
      throw permanent ? new PermanentDeliveryError(`${what}: ${detail}`) : new TransientDeliveryError(`${what}: ${detail}`);
    }
  }

  private scrub(text: string): string {
    return this.cfg.password ? text.split(this.cfg.password).join('[redacted]') : text;
  }
}
