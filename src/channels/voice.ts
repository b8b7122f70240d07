// Voice calls through a provider with Twilio's REST shape (src/channels/twilio.ts): one Call per number, to the
// channel's `to` numbers or to a person's own (on call: their contact's address, an E.164 number). The call carries
// its TwiML inline (`Twiml`), so the provider needs nothing from us to start it:
//
//   <Response>
//     <Gather numDigits="1" timeout="10" action="<intake>/twilio/<channel>/gather/<short ack token>?person=<id>" method="POST">
//       <Say>Alert, severity critical. Disk full on db-7. … Press 1 to acknowledge.</Say>   (said twice)
//     </Gather>
//     <Say>No key was pressed. Goodbye.</Say>
//   </Response>
//
// A page's firing notification (it has the short ack token, src/ack-links/short.ts) takes "press 1": the provider posts
// the key to the intake (src/intake/twilio-routes.ts), which checks the provider's signature and the token before it
// acknowledges, and answers what the caller hears. Without ack links (or for a group notification) the call only
// reads the alert. A resolved notification places no call: nobody should be woken to hear that it is over (the send
// answers "not called", recorded as the channel's response).
//
// TwiML is XML: every value is escaped (`&`, `<`, `>`, `"`, `'`), and characters XML 1.0 cannot carry (controls) are
// dropped, so alert content cannot add a verb (<Dial>, <Redirect>) or change an attribute; the said text is cut to
// VOICE_LIMITS.say characters (the provider takes at most 4,000 characters of Twiml).
import type { GroupNotice } from '../contracts/group';
import { PermanentDeliveryError } from '../errors';
import { tracedRequest } from '../tracing/outgoing';
import { cutPlain, groupCounts, groupSummary, tellsResolved } from './group-text';
import { personLabel } from './recipients';
import { render } from './template';
import { createResource, numbersOf, statusCallbackUrl, toEach, refuseNonPhone, type TwilioAccount } from './twilio';
import type { Channel, OutgoingAlert } from './types';

export interface VoiceConfig extends TwilioAccount {
  name: string;
  /** The calling number (E.164). */
  from: string;
  /** The channel's own numbers (E.164); absent: the channel only reaches people (their contacts). */
  to?: string[];
  /** What is said (a template; default: severity, title, description). */
  text?: string;
  /** How long a phone rings before the provider gives up, in seconds (Twilio's `Timeout`). */
  ringSeconds: number;
}

/** Longest said text (each of its two readings), and the provider's limit on inline TwiML. */
export const VOICE_LIMITS = { say: 1200, twiml: 4000 } as const;

const DEFAULT_SAY = 'Alert, severity {{severity}}. {{title}}. {{description}}';

/** Text as XML character data or an attribute value: escaped, and without the characters XML 1.0 forbids. */
export function escapeXml(s: string): string {
  return s
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** The path of the Gather action at the intake: `/twilio/<channel>/gather/<short ack token>`. */
export function gatherUrl(base: string, channel: string, token: string, person?: string): string {
  return `${base.replace(/\/+$/, '')}/twilio/${encodeURIComponent(channel)}/gather/${token}${person ? `?${new URLSearchParams({ person }).toString()}` : ''}`;
}

/** What the call says about the alert (or the group), as plain text: one line, cut. */
export function spokenText(alert: OutgoingAlert, cfg: Pick<VoiceConfig, 'text'>): string {
  const g: GroupNotice | undefined = alert.group;
  const said = g && !cfg.text ? `${groupSummary(g).replace(/^\[FIRING:(\d+)\]/, 'Alert group, $1 firing:')}. ${groupCounts(g)}.` : render(cfg.text ?? DEFAULT_SAY, alert);
  return cutPlain(said.replace(/\s+/g, ' ').trim(), VOICE_LIMITS.say);
}

/**
 * The call's TwiML: the alert said twice inside a one-key Gather (with an ack token), else said twice and over. Text
 * that escaping makes too long (`&` becomes 5 characters) is cut further until the whole fits VOICE_LIMITS.twiml.
 */
export function voiceTwiml(alert: OutgoingAlert, channel: string, cfg: Pick<VoiceConfig, 'text'>): string {
  const full = spokenText(alert, cfg);
  let twiml = '';
  for (let max = VOICE_LIMITS.say; max > 0; max -= 100) {
    twiml = twimlOf(alert, channel, cutPlain(full, max));
    if (twiml.length <= VOICE_LIMITS.twiml) break;
  }
  return twiml;
}

function twimlOf(alert: OutgoingAlert, channel: string, text: string): string {
  const a = alert.ackShort;
  if (!a || alert.group) {
    return `<?xml version="1.0" encoding="UTF-8"?><Response><Say>${escapeXml(text)}</Say><Pause length="1"/><Say>${escapeXml(text)}</Say></Response>`;
  }
  const say = `<Say>${escapeXml(`${text}${/[.!?]$/.test(text) ? '' : '.'} Press 1 to acknowledge.`)}</Say>`;
  const action = escapeXml(gatherUrl(a.base, channel, a.token, alert.recipient?.person));
  return `<?xml version="1.0" encoding="UTF-8"?><Response><Gather numDigits="1" timeout="10" action="${action}" method="POST">${say}<Pause length="1"/>${say}</Gather><Say>No key was pressed. Goodbye.</Say></Response>`;
}

export class VoiceChannel implements Channel {
  readonly type = 'voice';
  readonly name: string;
  constructor(private readonly cfg: VoiceConfig) {
    this.name = cfg.name;
  }

  async send(alert: OutgoingAlert, signal: AbortSignal): Promise<string> {
    const r = alert.recipient;
    const label = r ? personLabel(this, r.person) : `voice "${this.name}"`;
    refuseNonPhone(label, r);
    const resolved = tellsResolved(alert);
    if (resolved) return 'not called: a resolved notification rings no phone';
    const numbers = numbersOf(this.cfg.to, r);
    if (!numbers.length) throw new PermanentDeliveryError(`${label}: the channel has no \`to\` numbers (set them, or use it only for people's contacts)`);
    const twiml = voiceTwiml(alert, this.name, this.cfg);
    if (twiml.length > VOICE_LIMITS.twiml) throw new PermanentDeliveryError(`${label}: the call's TwiML is ${twiml.length} characters, over the provider's ${VOICE_LIMITS.twiml} (shorten the \`text\` template)`);
    const callback = alert.ackShort ? [['StatusCallback', statusCallbackUrl(alert.ackShort.base, this.name, alert.deliveryId, r?.person)] as [string, string]] : [];
    return toEach(numbers, (to, at) => tracedRequest(this, (trace) => createResource({
      label: `${label}${at}`,
      account: this.cfg,
      resource: 'Calls',
      params: [['To', to], ['From', this.cfg.from], ['Twiml', twiml], ['Timeout', String(this.cfg.ringSeconds)], ...callback],
      headers: trace,
      signal,
      secrets: [to, this.cfg.from],
    })));
  }
}
