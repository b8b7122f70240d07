// A local stand-in for an ntfy server (no ntfy server installs from this machine's registries), checking what ntfy's
// documented JSON publish API checks (docs.ntfy.sh/publish/#publish-as-json): `POST /` with a JSON object whose
// `topic` is a valid topic name, `priority` 1–5, `tags` strings, `click` a URL, at most three `actions` (view,
// broadcast or http, each with a label; view and http with a URL); access-token auth (`Authorization: Bearer tk_…`,
// 401 without or with a wrong one; 403 on a topic the token may not write); a message over 4,096 bytes refused (ntfy
// makes it an attachment, which a server without attachments refuses). Answers like ntfy: the message as JSON. Its
// error texts echo the token and the topic (more than ntfy does, as a proxy in between might): a channel must not.
import http from 'node:http';
import { JsonStandIn, type StandInAnswer } from './json-standin';

export interface NtfyMessage {
  topic: string;
  title?: string;
  message?: string;
  priority?: number;
  tags?: string[];
  click?: string;
  actions?: { action: string; label: string; url?: string; clear?: boolean }[];
  markdown?: boolean;
}
export interface Published {
  at: number;
  authorization?: string;
  body: NtfyMessage;
}

const TOPIC = /^[-_A-Za-z0-9]{1,64}$/;

export class NtfyStandIn extends JsonStandIn {
  readonly published: Published[] = [];
  /** Answers to give instead of a publish, in order (e.g. { status: 429, retryAfter: '1' }). */
  readonly forced: { status: number; retryAfter?: string }[] = [];

  /** `token`: the access token it accepts; `topics`: the topics that token may write (default: any). */
  constructor(private readonly opts: { token: string; topics?: string[] }) {
    super();
  }

  protected override answer(req: http.IncomingMessage, raw: string): StandInAnswer {
    const error = (status: number, code: number, text: string): [number, unknown] => [status, { code, http: status, error: text }];
    if (req.method !== 'POST' && req.method !== 'PUT') return error(405, 40500, 'method not allowed');
    if (req.url !== '/') return error(404, 40400, 'JSON publishing goes to the server root');
    if (req.headers.authorization !== `Bearer ${this.opts.token}`) return error(401, 40101, `unauthorized: ${req.headers.authorization ?? 'no token'}`);
    const forced = this.forced.shift();
    // A forced answer echoes the request, as a proxy's error page may: the channel must keep it out of its errors.
    if (forced) return [forced.status, { code: forced.status * 100, http: forced.status, error: `forced; request: ${raw.slice(0, 200)} (${req.headers.authorization})` }, forced.retryAfter ? { 'retry-after': forced.retryAfter } : {}];
    let m: NtfyMessage;
    try {
      m = JSON.parse(raw) as NtfyMessage;
    } catch {
      return error(400, 40017, 'invalid request: request body must be message JSON');
    }
    if (typeof m !== 'object' || m === null || typeof m.topic !== 'string' || !TOPIC.test(m.topic)) return error(400, 40009, 'invalid topic');
    if (this.opts.topics && !this.opts.topics.includes(m.topic)) return error(403, 40301, `forbidden: topic ${m.topic}`);
    if (m.priority !== undefined && !(Number.isInteger(m.priority) && m.priority >= 1 && m.priority <= 5)) return error(400, 40007, 'invalid priority');
    if (m.tags !== undefined && !(Array.isArray(m.tags) && m.tags.every((t) => typeof t === 'string'))) return error(400, 40000, 'invalid tags');
    if (m.click !== undefined && !/^https?:\/\//.test(m.click)) return error(400, 40013, 'invalid click URL');
    const actions = m.actions ?? [];
    if (!Array.isArray(actions) || actions.length > 3) return error(400, 40018, 'invalid actions: at most 3');
    for (const a of actions) {
      if (!['view', 'broadcast', 'http'].includes(a.action) || typeof a.label !== 'string' || !a.label) return error(400, 40018, 'invalid action');
      if (a.action !== 'broadcast' && !/^https?:\/\//.test(a.url ?? '')) return error(400, 40018, 'invalid action URL');
    }
    if (Buffer.byteLength(m.message ?? '') > 4096) return error(413, 41301, 'message too large (an attachment; attachments are off)');
    this.published.push({ at: Date.now(), authorization: req.headers.authorization, body: m });
    const time = Math.floor(Date.now() / 1000);
    return [200, { id: `m${this.published.length}`, time, expires: time + 43_200, event: 'message', ...m }];
  }
}
