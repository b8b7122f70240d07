// A local stand-in for an SMS and voice provider with Twilio's REST shape (twilio.com/docs/usage/api): it checks what
// Twilio checks of `POST /2010-04-01/Accounts/<SID>/Messages.json` and `/Calls.json`: the path's account SID, HTTP basic
// auth with that SID and the auth token (401, error 20003, otherwise), a form-encoded body, the required parameters
// (To, From, and Body for a message; Twiml or Url for a call), E.164 numbers (error 21211), a message body of at most
// 1,600 characters, inline TwiML of at most 4,000 characters that is well-formed XML of the verbs the channels use
// (parsed here by a strict parser, so the test sees what the provider would read). It answers like Twilio: 201 with the
// resource as JSON (a `sid`), or an error `{code, message, more_info, status}` whose message echoes the number, as
// Twilio's do: the channels must keep it out of their errors.
//
// It also plays the provider's side of the callbacks: `callback(url, params)` posts form parameters to the intake
// signed with Twilio's published algorithm (base64 HMAC-SHA1 with the auth token over the URL followed by the
// parameters sorted by name, name then value), computed here on its own and checked against the official `twilio`
// library's validateRequest before it is sent.
import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import { JsonStandIn, type StandInAnswer } from './json-standin';
import twilio from 'twilio';

export interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: (XmlNode | string)[];
}
export interface Created {
  resource: 'Messages' | 'Calls';
  /** The form parameters as received, in order. */
  params: [string, string][];
  raw: string;
  /** A call's Twiml, parsed. */
  twiml?: XmlNode;
}

const E164 = /^\+[1-9]\d{7,14}$/;
const VERBS: Record<string, string[]> = { Response: [], Gather: ['numDigits', 'timeout', 'action', 'method'], Say: ['voice', 'language', 'loop'], Pause: ['length'], Hangup: [] };
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** A strict parser of the XML subset TwiML uses: elements, quoted attributes, text, the five entities. Throws on anything else. */
export function parseXml(text: string): XmlNode {
  let i = 0;
  const decl = /^<\?xml version="1\.0" encoding="UTF-8"\?>/.exec(text);
  if (decl) i = decl[0].length;
  const decode = (s: string) => {
    if (/[<]/.test(s)) throw new Error('a raw < in text');
    return s.replace(/&([a-z]+);|&/g, (m, name?: string) => {
      if (!name || !(name in ENTITIES)) throw new Error(`a raw & or an unknown entity: ${m}`);
      return ENTITIES[name];
    });
  };
  const element = (): XmlNode => {
    const open = /^<([A-Za-z]+)((?:\s+[A-Za-z]+="[^"<]*")*)\s*(\/?)>/.exec(text.slice(i));
    if (!open) throw new Error(`not an element at ${i}: ${text.slice(i, i + 30)}`);
    i += open[0].length;
    const attrs: Record<string, string> = {};
    for (const m of open[2].matchAll(/([A-Za-z]+)="([^"]*)"/g)) {
      if (m[1] in attrs) throw new Error(`attribute ${m[1]} twice`);
      attrs[m[1]] = decode(m[2]);
    }
    const node: XmlNode = { name: open[1], attrs, children: [] };
    if (open[3]) return node;
    for (;;) {
      const close = `</${node.name}>`;
      if (text.startsWith(close, i)) {
        i += close.length;
        return node;
      }
      if (text.startsWith('</', i)) throw new Error(`mismatched close at ${i}`);
      if (text[i] === '<') node.children.push(element());
      else {
        const end = text.indexOf('<', i);
        if (end < 0) throw new Error('unclosed element');
        node.children.push(decode(text.slice(i, end)));
        i = end;
      }
    }
  };
  const root = element();
  if (i !== text.length) throw new Error('content after the root element');
  return root;
}

/** Checks TwiML as the provider would: a Response of known verbs and attributes. Returns the problem, if any. */
function twimlProblem(node: XmlNode, top = true): string | undefined {
  if (top && node.name !== 'Response') return 'the root is not <Response>';
  if (!(node.name in VERBS)) return `unknown verb <${node.name}>`;
  const unknown = Object.keys(node.attrs).filter((a) => !VERBS[node.name].includes(a));
  if (unknown.length) return `<${node.name}> has unknown attributes ${unknown.join(', ')}`;
  for (const c of node.children) if (typeof c !== 'string') {
    const p = twimlProblem(c, false);
    if (p) return p;
  }
  return undefined;
}

/** The text of a node, its descendants' included. */
export const textOf = (n: XmlNode | string): string => (typeof n === 'string' ? n : n.children.map(textOf).join(''));
/** Every element named `name` under `n`, in document order. */
export function elements(n: XmlNode, name: string): XmlNode[] {
  return [...(n.name === name ? [n] : []), ...n.children.flatMap((c) => (typeof c === 'string' ? [] : elements(c, name)))];
}

/** Twilio's signature, computed from its published description (not with our intake's code, nor with the library). */
export function providerSignature(authToken: string, url: string, params: [string, string][]): string {
  const data = url + [...params].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => k + v).join('');
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

export class TwilioStandIn extends JsonStandIn {
  readonly created: Created[] = [];
  /** Answers to give instead of creating, in order (e.g. { status: 429, code: 20429 }). */
  readonly forced: { status: number; code?: number; retryAfter?: string; text?: string }[] = [];

  constructor(readonly opts: { accountSid: string; authToken: string }) {
    super();
  }

  /** The parameters of the created resources of a kind, as records (the last value of a repeated name). */
  params(resource: 'Messages' | 'Calls'): Record<string, string>[] {
    return this.created.filter((c) => c.resource === resource).map((c) => Object.fromEntries(c.params));
  }

  /**
   * Posts a callback to `url` as the provider would: form-encoded `params`, signed over `signedUrl` (default: `url`)
   * with `authToken` (default: the account's). The signature is checked against the `twilio` library first.
   * `signature: null` sends none; a string sends that one instead.
   */
  async callback(url: string, params: [string, string][], o: { signedUrl?: string; authToken?: string; signature?: string | null } = {}): Promise<{ status: number; body: string; type: string }> {
    const token = o.authToken ?? this.opts.authToken;
    const signedUrl = o.signedUrl ?? url;
    const computed = providerSignature(token, signedUrl, params);
    if (!twilio.validateRequest(token, computed, signedUrl, Object.fromEntries(params))) throw new Error('the stand-in\'s signature disagrees with the twilio library\'s');
    const signature = o.signature === undefined ? computed : o.signature;
    const res = await fetch(url, {
      method: 'POST',
      body: new URLSearchParams(params).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', 'user-agent': 'TwilioProxy/1.1', ...(signature !== null ? { 'x-twilio-signature': signature } : {}) },
    });
    return { status: res.status, body: await res.text(), type: res.headers.get('content-type') ?? '' };
  }

  protected override answer(req: http.IncomingMessage, raw: string): StandInAnswer {
    const error = (status: number, code: number, message: string): [number, unknown] => [status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }];
    const m = /^\/2010-04-01\/Accounts\/([^/]+)\/(Messages|Calls)\.json$/.exec(req.url ?? '');
    if (req.method !== 'POST' || !m) return error(404, 20404, `The requested resource ${req.url} was not found`);
    const [sid, resource] = [decodeURIComponent(m[1]), m[2] as 'Messages' | 'Calls'];
    const auth = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
    const [user, ...pass] = auth ? Buffer.from(auth[1], 'base64').toString('utf8').split(':') : [];
    if (user !== this.opts.accountSid || pass.join(':') !== this.opts.authToken || sid !== user) return error(401, 20003, 'Authenticate');
    const forced = this.forced.shift();
    const params = [...new URLSearchParams(raw)];
    const p = Object.fromEntries(params);
    // A forced answer echoes the number and the credentials, as a careless proxy might: the channel must not.
    if (forced) return [forced.status, forced.text ?? { code: forced.code ?? forced.status * 100, message: `forced for ${p.To} (${req.headers.authorization}; ${this.opts.authToken})`, status: forced.status }, forced.retryAfter ? { 'retry-after': forced.retryAfter } : {}];
    if (!/^application\/x-www-form-urlencoded\b/.test(req.headers['content-type'] ?? '')) return error(400, 21604, 'A \'To\' phone number is required.');
    if (!p.To) return error(400, resource === 'Messages' ? 21604 : 21201, resource === 'Messages' ? 'A \'To\' phone number is required.' : 'No \'To\' number is specified');
    if (!p.From) return error(400, resource === 'Messages' ? 21603 : 21213, resource === 'Messages' ? 'A \'From\' phone number is required.' : 'No \'From\' number is specified');
    if (!E164.test(p.To)) return error(400, 21211, `The 'To' number ${p.To} is not a valid phone number.`);
    if (!E164.test(p.From)) return error(400, 21212, `The 'From' number ${p.From} is not a valid phone number, shortcode, or alphanumeric sender ID.`);
    if (p.StatusCallback !== undefined && !/^https?:\/\/[^\s]+$/.test(p.StatusCallback)) return error(400, 21609, 'Invalid StatusCallback URL');
    let twiml: XmlNode | undefined;
    if (resource === 'Messages') {
      if (!p.Body) return error(400, 21602, 'Message body is required.');
      if (p.Body.length > 1600) return error(400, 21617, 'The concatenated message body exceeds the 1600 character limit.');
    } else {
      if (!p.Twiml && !p.Url) return error(400, 21205, 'Url parameter is required.');
      if (p.Twiml) {
        if (p.Twiml.length > 4000) return error(400, 21220, 'Twiml parameter is too long (4000 characters at most).');
        try {
          twiml = parseXml(p.Twiml);
        } catch (e) {
          return error(400, 12100, `Document parse failure: ${(e as Error).message}`);
        }
        const problem = twimlProblem(twiml);
        if (problem) return error(400, 12200, `Schema validation warning: ${problem}`);
      }
    }
    this.created.push({ resource, params, raw, ...(twiml ? { twiml } : {}) });
    const rsid = `${resource === 'Messages' ? 'SM' : 'CA'}${randomBytes(16).toString('hex')}`;
    return [201, { sid: rsid, account_sid: sid, to: p.To, from: p.From, status: 'queued', ...(p.Body ? { body: p.Body } : {}), uri: `/2010-04-01/Accounts/${sid}/${resource}/${rsid}.json` }];
  }
}
