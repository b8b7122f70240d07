// SMS through a provider with Twilio's REST shape (src/channels/twilio.ts): one Message per number, to the channel's
// `to` numbers or to a person's own (on call: their contact's address, an E.164 number).
//
//   [critical] Disk full on db-7
//   Ack: https://alerts.example.com/a/alerts:1768472430000-0.t8k2x1.Zm9vYmFyYmF6cXV4
//
// The first line is the severity and the title (or the channel's `text` template; a group notification: its summary
// line; a resolved one starts `RESOLVED:`); a page's firing notification adds its short ack link (src/ack-links/
// short.ts: about half the length of the full one, and like it deterministic per delivery). The message is kept to two
// segments: 306 characters when it is all GSM-7 (an extension character such as `€` or `[` counts two), else 134
// (UCS-2), cutting the text, never the link. SMS is plain text: alert content cannot make anything but text (a phone
// may still turn a URL-looking title into a link; the only link built here is the ack link).
//
// With the intake's URL (the ack link's base), the provider reports the message's status (`StatusCallback`) to the
// intake's `/twilio/<channel>/status` (src/intake/twilio-routes.ts), which counts it and logs failures.
import type { GroupNotice } from '../contracts/group';
import { PermanentDeliveryError } from '../errors';
import { tracedRequest } from '../tracing/outgoing';
import { groupSummary, tellsResolved } from './group-text';
import { personLabel } from './recipients';
import { DEFAULT_TITLE, alertLink, render } from './template';
import { createResource, numbersOf, statusCallbackUrl, toEach, refuseNonPhone, type TwilioAccount } from './twilio';
import type { Channel, OutgoingAlert } from './types';

export interface SmsConfig extends TwilioAccount {
  name: string;
  /** The sending number (E.164). */
  from: string;
  /** The channel's own numbers (E.164); absent: the channel only reaches people (their contacts). */
  to?: string[];
  /** The first line's template (default `[{{severity}}] {{title}}`). */
  text?: string;
  linkBase?: string;
}

/** Two concatenated segments: 153 GSM-7 septets or 67 UCS-2 characters each. */
export const SMS_LIMITS = { gsm7: 306, ucs2: 134 } as const;

const GSM7_BASIC = '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM7_EXTENSION = '^{}\\[~]|€\f';

/** Septets a text takes in GSM-7, or undefined when a character is not in it (the message is then UCS-2). */
export function gsm7Length(s: string): number | undefined {
  let n = 0;
  for (const c of s) {
    if (GSM7_BASIC.includes(c)) n += 1;
    else if (GSM7_EXTENSION.includes(c)) n += 2;
    else return undefined;
  }
  return n;
}

/** Cuts `text` so that `text + tail` fits two segments (GSM-7 if both are, else UCS-2), ending the cut text in "...". */
export function fitSms(text: string, tail: string): string {
  const whole = `${text}${tail}`;
  const gsm = gsm7Length(whole);
  if (gsm !== undefined ? gsm <= SMS_LIMITS.gsm7 : [...whole].length <= SMS_LIMITS.ucs2) return whole;
  const size = (c: string) => (gsm !== undefined ? gsm7Length(c)! : 1);
  const budget = (gsm !== undefined ? SMS_LIMITS.gsm7 : SMS_LIMITS.ucs2) - [...tail].reduce((n, c) => n + size(c), 0);
  const chars = [...text];
  // "..." rather than "…": the ellipsis is not GSM-7 and would turn the whole message into UCS-2
  let used = 3;
  let n = 0;
  while (n < chars.length && used + size(chars[n]) <= budget) used += size(chars[n++]);
  return `${chars.slice(0, n).join('').trimEnd()}...${tail}`;
}

/** The SMS body of an alert (or a group notification): one line of text, and a page's short ack link. */
export function smsBody(alert: OutgoingAlert, cfg: Pick<SmsConfig, 'text' | 'linkBase'>): string {
  const g: GroupNotice | undefined = alert.group;
  const resolved = tellsResolved(alert);
  const line = g && !cfg.text ? groupSummary(g) : `${resolved ? 'RESOLVED: ' : ''}${render(cfg.text ?? DEFAULT_TITLE, alert, alertLink(alert, cfg.linkBase))}`;
  const ack = alert.ackShort && !resolved ? `\nAck: ${alert.ackShort.base.replace(/\/+$/, '')}/a/${alert.ackShort.token}` : '';
  return fitSms(line.replace(/\s+/g, ' ').trim(), ack);
}

export class SmsChannel implements Channel {
  readonly type = 'sms';
  readonly name: string;
  constructor(private readonly cfg: SmsConfig) {
    this.name = cfg.name;
  }

  async send(alert: OutgoingAlert, signal: AbortSignal): Promise<string> {
    const r = alert.recipient;
    const label = r ? personLabel(this, r.person) : `sms "${this.name}"`;
    refuseNonPhone(label, r);
    const numbers = numbersOf(this.cfg.to, r);
    if (!numbers.length) throw new PermanentDeliveryError(`${label}: the channel has no \`to\` numbers (set them, or use it only for people's contacts)`);
    const body = smsBody(alert, this.cfg);
    const callback = alert.ackShort ? [['StatusCallback', statusCallbackUrl(alert.ackShort.base, this.name, alert.deliveryId, r?.person)] as [string, string]] : [];
    return toEach(numbers, (to, at) => tracedRequest(this, (trace) => createResource({
      label: `${label}${at}`,
      account: this.cfg,
      resource: 'Messages',
      params: [['To', to], ['From', this.cfg.from], ['Body', body], ...callback],
      headers: trace,
      signal,
      secrets: [to, this.cfg.from],
    })));
  }
}
