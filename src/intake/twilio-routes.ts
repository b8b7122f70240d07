// The SMS and voice provider's callbacks (Twilio's webhook shape; the channels are src/channels/sms.ts and voice.ts):
//
//   POST /twilio/<channel>/gather/<short ack token>[?person=<id>]   the key pressed during a call ("press 1")
//   POST /twilio/<channel>/status?delivery=<ID>[&person=<id>]       a message's or a call's status
//
// Nothing counts before the provider's signature does: `X-Twilio-Signature` must be base64 HMAC-SHA1, keyed with the
// channel's auth token (from the channels file the intake loads, as the worker does), over the full public URL
// (ACK_LINK_BASE + the path and query as received, the URL the worker gave the provider) followed by every POST
// parameter sorted by name, each name then value. A missing, wrong or other-URL signature is answered 403 and nothing
// is done (twilio.com/docs/usage/security). Like Twilio's own library, the URL is checked with and without the
// scheme's default port (the provider may sign either).
//
// The Gather action then checks the ack token in its path (signed by the worker, src/ack-links/short.ts: so a
// signature alone never acknowledges a delivery the worker did not call about), and on Digits=1 runs the same
// `acknowledge` update as an ack link, { by: <the person's ID> or "phone", via: "voice" }: the called number is never
// recorded. It answers TwiML the caller hears: acknowledged, nothing to acknowledge, try again (with the Gather once
// more), or another key: not acknowledged. A status callback changes nothing (an undelivered SMS or an unanswered
// call is what escalation is for: the page stays unacknowledged and its next level goes out); it is counted
// (alert_intake_phone_callbacks_total) and a failure is logged, by channel, delivery and person ID, never a number.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ChannelsFile } from '../channels/config';
import { verifyShortAckToken } from '../ack-links';
import type { Logger } from '../logger';
import type { Acknowledge, AckOutcome } from './acknowledge';
import { intakeAcks, phoneCallbacks } from './metrics';

/** What the callbacks need: the intake's public URL, and the auth token of an sms or voice channel by name. */
export interface PhoneCallbacks {
  /** ACK_LINK_BASE, without a trailing slash. */
  publicUrl: string;
  /** The channel's auth token; undefined: no such sms or voice channel (404). */
  authToken(channel: string): string | undefined;
}

const BODY_LIMIT = 16 * 1024;
/** Statuses a message or a call reports (Twilio's); anything else counts as `other`, so the label stays bounded. */
const STATUSES = new Set(['queued', 'accepted', 'scheduled', 'sending', 'sent', 'delivered', 'undelivered', 'failed', 'read', 'canceled',
  'initiated', 'ringing', 'in-progress', 'completed', 'busy', 'no-answer']);
const FAILED = new Set(['undelivered', 'failed', 'busy', 'no-answer', 'canceled']);

/** Twilio's request signature: base64 HMAC-SHA1 (auth token) over the URL and the parameters sorted by name (then value). */
export function twilioSignature(authToken: string, url: string, params: [string, string][]): string {
  const sorted = [...params].sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0));
  const hmac = createHmac('sha1', authToken).update(url);
  for (const [name, value] of sorted) hmac.update(name).update(value);
  return hmac.digest('base64');
}

/** The URL as signed with and without the scheme's default port (Twilio's library accepts both). */
function urlVariants(url: string): string[] {
  const scheme = /^(https?):\/\//i.exec(url);
  if (!scheme) return [url];
  const rest = url.slice(scheme[0].length);
  const end = rest.search(/[/?#]|$/);
  const [authority, tail] = [rest.slice(0, end), rest.slice(end)];
  const port = scheme[1].toLowerCase() === 'https' ? '443' : '80';
  const given = /:(\d+)$/.exec(authority)?.[1];
  if (given === undefined) return [url, `${scheme[0]}${authority}:${port}${tail}`];
  return given === port ? [url, `${scheme[0]}${authority.slice(0, -(port.length + 1))}${tail}`] : [url];
}

/** Whether `signature` is the provider's over `url` and `params`, in constant time per candidate. */
export function validTwilioSignature(authToken: string, signature: string | undefined, url: string, params: [string, string][]): boolean {
  if (typeof signature !== 'string' || !signature) return false;
  const given = Buffer.from(signature);
  let ok = false;
  for (const candidate of urlVariants(url)) {
    const expected = Buffer.from(twilioSignature(authToken, candidate, params));
    if (expected.length === given.length && timingSafeEqual(expected, given)) ok = true;
  }
  return ok;
}

const xml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
const twiml = (inner: string) => `<?xml version="1.0" encoding="UTF-8"?><Response>${inner}</Response>`;
const say = (text: string) => `<Say>${xml(text)}</Say>`;

/** What the caller hears after pressing 1 (for `unavailable`, the Gather again: pressing 1 retries). */
function spokenOutcome(outcome: AckOutcome, retryAction: string): string {
  switch (outcome.kind) {
    case 'acknowledged':
      return twiml(`${say('Acknowledged. The escalation stops. Goodbye.')}<Hangup/>`);
    case 'not-found':
    case 'finished':
      return twiml(`${say('There is nothing to acknowledge: this alert\'s delivery has ended. Goodbye.')}<Hangup/>`);
    case 'rejected':
      return twiml(`${say('The alert did not accept the acknowledgement. It may be acknowledged or resolved already. Goodbye.')}<Hangup/>`);
    case 'unavailable':
      return twiml(`<Gather numDigits="1" timeout="10" action="${xml(retryAction)}" method="POST">${say('The acknowledgement could not be recorded right now. Press 1 to try again.')}</Gather>${say('Not acknowledged. Goodbye.')}`);
  }
}

type Req = FastifyRequest<{ Params: { channel: string; token?: string }; Querystring: Record<string, string | undefined> }>;

/** Registers the callbacks on `scope` (an encapsulated context: its form parser stays its own). */
export function registerTwilioRoutes(scope: FastifyInstance, deps: { log: Logger; acknowledge: Acknowledge; now?: () => number }, callbacks: PhoneCallbacks, ackSecret: Buffer): void {
  const { log } = deps;
  const now = deps.now ?? Date.now;
  scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, body, done) => {
    done(null, [...new URLSearchParams(body as string)]);
  });

  /** The signed callback's parameters, or undefined once it has been answered (404 unknown channel, 403 bad signature). */
  const verified = (req: Req, reply: FastifyReply, kind: string): [string, string][] | undefined => {
    const { channel } = req.params;
    const token = callbacks.authToken(channel);
    if (!token) {
      void reply.code(404).type('text/plain').send('not found\n');
      return undefined;
    }
    const params = Array.isArray(req.body) ? (req.body as [string, string][]) : [];
    const header = req.headers['x-twilio-signature'];
    if (!validTwilioSignature(token, Array.isArray(header) ? header[0] : header, `${callbacks.publicUrl}${req.url}`, params)) {
      phoneCallbacks.inc({ channel, kind, result: 'refused' });
      log.warn({ channel, kind, signature: header ? 'wrong' : 'missing' }, 'phone provider callback refused: its signature does not verify');
      void reply.code(403).type('text/plain').send('forbidden\n');
      return undefined;
    }
    return params;
  };
  const param = (params: [string, string][], name: string) => params.find(([n]) => n === name)?.[1];
  const answer = (reply: FastifyReply, body: string) => reply.code(200).type('text/xml; charset=utf-8').header('cache-control', 'no-store').send(body);

  scope.post<{ Params: { channel: string; token: string }; Querystring: Record<string, string | undefined> }>('/twilio/:channel/gather/:token', async (req, reply) => {
    const params = verified(req, reply, 'gather');
    if (!params) return reply;
    const { channel } = req.params;
    const t = verifyShortAckToken(req.params.token, ackSecret, now());
    if (!t.ok) {
      phoneCallbacks.inc({ channel, kind: 'gather', result: `token_${t.reason}` });
      log.info({ channel, reason: t.reason }, 'phone acknowledgement refused: its ack token does not verify');
      return answer(reply, twiml(`${say(t.reason === 'expired' ? 'This alert can no longer be acknowledged by phone. Goodbye.' : 'This call cannot acknowledge the alert. Goodbye.')}<Hangup/>`));
    }
    const digits = param(params, 'Digits');
    if (digits !== '1') {
      phoneCallbacks.inc({ channel, kind: 'gather', result: 'other_key' });
      log.info({ channel, workflowId: t.workflowId }, 'phone call: a key other than 1, not acknowledged');
      return answer(reply, twiml(`${say('Not acknowledged. Goodbye.')}<Hangup/>`));
    }
    const person = req.query.person;
    const by = typeof person === 'string' && /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(person) ? person : 'phone';
    const outcome = await deps.acknowledge(t.workflowId, { by, via: 'voice' });
    const result = outcome.kind === 'acknowledged' ? 'acknowledged' : outcome.kind.replace('-', '_');
    phoneCallbacks.inc({ channel, kind: 'gather', result });
    intakeAcks.inc({ result });
    log.info({ channel, workflowId: t.workflowId, by, outcome: outcome.kind, ...('reason' in outcome ? { reason: outcome.reason } : {}) }, 'phone acknowledgement');
    return answer(reply, spokenOutcome(outcome, `${callbacks.publicUrl}${req.url}`));
  });

  scope.post<{ Params: { channel: string }; Querystring: Record<string, string | undefined> }>('/twilio/:channel/status', (req, reply) => {
    const params = verified(req, reply, 'status');
    if (!params) return reply;
    const { channel } = req.params;
    const message = param(params, 'MessageStatus');
    const raw = message ?? param(params, 'CallStatus') ?? '';
    const status = STATUSES.has(raw) ? raw : 'other';
    phoneCallbacks.inc({ channel, kind: message !== undefined ? 'sms_status' : 'call_status', result: status });
    const where = { channel, delivery: req.query.delivery?.slice(0, 256), person: req.query.person?.slice(0, 128), status, errorCode: param(params, 'ErrorCode')?.slice(0, 16) };
    if (FAILED.has(status)) log.warn(where, 'phone provider: not delivered (escalation goes on while nobody acknowledges)');
    else log.debug(where, 'phone provider: status');
    return reply.code(204).send();
  });
}

/**
 * The callbacks of the channels file's sms and voice channels, when the intake knows its public URL (ACK_LINK_BASE);
 * undefined when it has no such channel or no URL (`missing` then says what the channels lack, for a warning).
 */
export function phoneCallbacksFor(file: ChannelsFile, publicUrl: string | undefined, ackSecret: Buffer | undefined): { callbacks?: PhoneCallbacks; missing?: string } {
  const tokens = new Map(Object.entries(file.channels).flatMap(([name, c]) => (c.type === 'sms' || c.type === 'voice' ? [[name, c.authToken] as const] : [])));
  if (!tokens.size) return {};
  const missing = [...(publicUrl ? [] : ['ACK_LINK_BASE']), ...(ackSecret ? [] : ['ACK_SECRET'])];
  if (missing.length) return { missing: missing.join(' and ') };
  return { callbacks: { publicUrl: publicUrl!, authToken: (channel) => tokens.get(channel) } };
}
