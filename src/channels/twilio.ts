// What the SMS and voice channels share: a provider with Twilio's REST shape (Twilio itself, or any provider that
// speaks the same API: SignalWire's LaML, Telnyx's TeXML, a self-hosted gateway) at a configurable base URL.
//
//   POST <url>/2010-04-01/Accounts/<account SID>/Messages.json   (To, From, Body, StatusCallback)    an SMS
//   POST <url>/2010-04-01/Accounts/<account SID>/Calls.json      (To, From, Twiml, StatusCallback)   a call
//
// HTTP basic auth (account SID : auth token), form-encoded, answered 201 with the resource as JSON (its `sid`), or an
// error `{code, message, more_info, status}`. 429, 408, 5xx, a few queue-full codes, timeouts and connection errors
// are transient (Retry-After honoured); any other 4xx permanent (21211 bad number, 20003 authentication, 21608
// unverified number on a trial account, …).
//
// Secrets and personal data: the auth token is a secret, a phone number is personal data. Neither goes into an error,
// a result, a log line or a span: errors name the channel, the person's ID, the HTTP status and Twilio's error code;
// the provider's message is kept only with every phone-number-like run of digits and every secret replaced (Twilio's
// messages echo the number: "The 'To' number +15005550001 is not a valid phone number").
//
// The provider takes no idempotency key: the request is deterministic per delivery (same parameters in the same
// order, so the same bytes on every attempt), and a request whose answer was lost (a timeout) and that is retried
// sends a second SMS or rings a second time. See docs/channels.md#sms-and-voice.
import { fetch, type Response } from 'undici';
import { PermanentDeliveryError, TransientDeliveryError } from '../errors';
import { dispatcher, parseRetryAfter, redact } from './http';

/** A phone number as E.164 writes it: `+`, then 8 to 15 digits, the first not 0. */
export const E164 = /^\+[1-9]\d{7,14}$/;

/** A person's contact for a phone channel must be a number in E.164 form (a permanent failure otherwise). */
export function refuseNonPhone(label: string, recipient: { address: string } | undefined): void {
  if (recipient && !E164.test(recipient.address)) throw new PermanentDeliveryError(`${label}: the person's address is not a phone number in E.164 form (+ and 8 to 15 digits)`);
}

/** The provider account of a channel. */
export interface TwilioAccount {
  /** The API's base URL (https://api.twilio.com by default; the `/2010-04-01/…` paths are added). */
  url: string;
  accountSid: string;
  /** A secret. */
  authToken: string;
  timeoutMs: number;
}

/** Twilio error codes answered with a 4xx that mean "not now" rather than "never". */
const TRANSIENT_CODES = new Set([
  20429, // too many requests
  21611, // this 'From' number has exceeded the maximum number of queued messages
]);

/** Runs of digits that may be a phone number (7 or more digits, with the separators people write). */
const NUMBER_LIKE = /\+?\d[\d\s().-]{5,}\d/g;

/** A provider's text made safe for an error: the secrets, then anything shaped like a phone number, removed. */
export function scrubProviderText(text: string, secrets: string[]): string {
  return redact(text, '', secrets).replace(NUMBER_LIKE, '[number]').replace(/\s+/g, ' ').trim();
}

/** The URL of a resource of the account: `<url>/2010-04-01/Accounts/<SID>/<resource>.json`. */
export function resourceUrl(account: Pick<TwilioAccount, 'url' | 'accountSid'>, resource: 'Messages' | 'Calls'): string {
  return `${account.url.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(account.accountSid)}/${resource}.json`;
}

export interface CreateOptions {
  /** How errors name the channel: `sms "oncall"` or `sms "oncall" (person "alice")`. */
  label: string;
  account: TwilioAccount;
  resource: 'Messages' | 'Calls';
  /** The form parameters, in a fixed order (the body's bytes depend only on them). */
  params: [string, string][];
  headers: Record<string, string>;
  signal: AbortSignal;
  /** More strings to keep out of errors (the numbers of this request). */
  secrets: string[];
}

/**
 * Creates one Message or Call. Resolves with `HTTP 201 <sid>` (the resource's SID, for a look-up in the provider's
 * console); throws PermanentDeliveryError or TransientDeliveryError with a message free of secrets and numbers.
 */
export async function createResource(o: CreateOptions): Promise<string> {
  const { account } = o;
  const credentials = Buffer.from(`${account.accountSid}:${account.authToken}`).toString('base64');
  const secrets = [credentials, account.authToken, ...o.secrets];
  const timeout = AbortSignal.timeout(account.timeoutMs);
  let res: Response;
  try {
    res = await fetch(resourceUrl(account, o.resource), {
      method: 'POST',
      body: new URLSearchParams(o.params).toString(),
      headers: {
        authorization: `Basic ${credentials}`,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        'user-agent': 'alert-delivery/0.1',
        ...o.headers,
      },
      signal: AbortSignal.any([timeout, o.signal]),
      redirect: 'manual',
      dispatcher: dispatcher(),
    });
  } catch (e) {
    if (timeout.aborted) throw new TransientDeliveryError(`${o.label}: no answer within ${account.timeoutMs} ms`);
    if (o.signal.aborted) throw new TransientDeliveryError(`${o.label}: cancelled`);
    const cause = (e as { cause?: { code?: string } }).cause;
    throw new TransientDeliveryError(`${o.label}: connection failed (${cause?.code ?? (e as Error).name})`);
  }
  const text = await res.text().catch(() => '');
  let json: { sid?: unknown; code?: unknown; message?: unknown } = {};
  try {
    json = JSON.parse(text) as typeof json;
  } catch {
    // not JSON (a proxy's error page): the status decides
  }
  if (res.status >= 200 && res.status < 300) {
    const sid = typeof json.sid === 'string' && /^[A-Za-z0-9_-]{2,64}$/.test(json.sid) ? ` ${json.sid}` : '';
    return `HTTP ${res.status}${sid}`;
  }
  const code = typeof json.code === 'number' && Number.isInteger(json.code) ? json.code : undefined;
  const said = scrubProviderText(typeof json.message === 'string' ? json.message : text.slice(0, 2000), secrets).slice(0, 200);
  const message = `${o.label}: HTTP ${res.status}${code !== undefined ? `, error ${code}` : ''}${said ? `: ${said}` : ''}`;
  if (res.status === 408 || res.status === 429 || res.status >= 500 || (code !== undefined && TRANSIENT_CODES.has(code))) {
    throw new TransientDeliveryError(message, parseRetryAfter(res.headers.get('retry-after')));
  }
  throw new PermanentDeliveryError(message);
}

/**
 * Where the provider reports a delivery's status (`StatusCallback`): the intake's `/twilio/<channel>/status`, naming
 * the delivery and the person (their ID in the people file, never their number) so its log line can.
 */
export function statusCallbackUrl(base: string, channel: string, deliveryId: string, person?: string): string {
  const q = new URLSearchParams({ delivery: deliveryId, ...(person ? { person } : {}) });
  return `${base.replace(/\/+$/, '')}/twilio/${encodeURIComponent(channel)}/status?${q.toString()}`;
}

/** The numbers a notification goes to: the person's (checked by the caller) or the channel's `to`. */
export function numbersOf(to: string[] | undefined, recipient: { address: string } | undefined): string[] {
  return recipient ? [recipient.address] : to ?? [];
}

/**
 * Sends to every number at once and sums up: all created → the answers joined; any transient failure → transient (the
 * retry sends to every number again: the at-least-once of several numbers); else the first permanent one. Errors name
 * the number by its position in `to` (`to[1]`), never by the number.
 */
export async function toEach(numbers: string[], send: (number: string, at: string) => Promise<string>): Promise<string> {
  const results = await Promise.allSettled(numbers.map((n, i) => send(n, numbers.length > 1 ? ` to[${i}]` : '')));
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
  const transient = failures.find((e) => e instanceof TransientDeliveryError);
  if (transient) throw transient;
  if (failures.length) throw failures[0];
  return results.map((r) => (r as PromiseFulfilledResult<string>).value).join('; ');
}
