// A local stand-in for Slack (its cloud cannot be reached from here), checking what Slack checks:
// - the Web API (https://api.slack.com/web): `POST /api/<method>`, form-encoded as Slack's client sends it (objects
//   as JSON fields), `Authorization: Bearer <bot token>` (`invalid_auth` for a wrong one, `not_authed` without);
//   `chat.postMessage` (a known conversation, `text` or `blocks`, at most 50 blocks, each with a known type, a button's
//   action_id/value within Slack's limits, metadata with an `event_type` and an `event_payload`), `conversations.open`
//   (a member ID → its DM, `D…`), `conversations.history` (newest first, `oldest`, `limit`, a cursor, metadata only
//   with `include_all_metadata`). Answers like Slack: HTTP 200 with `ok`, or 429 with Retry-After when told to.
// - `response_url`: `POST /respond/<id>` with JSON, recorded (the redrawn messages).
// - Interactivity: `press` sends a `block_actions` payload for a button of a posted message to the intake, signed
//   with the app's signing secret by Slack's published algorithm (slackSignature, checked against Slack's example).
import http from 'node:http';
import { JsonStandIn, type StandInAnswer } from './json-standin';
import { slackSignature } from '../../src/intake/slack-signature';

export interface Posted { channel: string; ts: string; text?: string; blocks?: any[]; metadata?: { event_type: string; event_payload: Record<string, unknown> }; authorization?: string }
export interface Call { method: string; args: Record<string, unknown> }

/** The arguments Slack's client sends as JSON text. */
const JSON_FIELDS = new Set(['blocks', 'attachments', 'metadata']);
const BLOCK_TYPES = new Set(['header', 'section', 'context', 'actions', 'divider', 'image', 'rich_text']);

export class SlackStandIn extends JsonStandIn {
  readonly posted: Posted[] = [];
  readonly calls: Call[] = [];
  readonly responses: { id: string; body: any }[] = [];
  /** Errors to answer instead, in order, for a method: `{ error: 'channel_not_found' }`, `{ status: 429, retryAfter: 2 }`, `{ status: 500 }`. */
  readonly forced: Record<string, { error?: string; status?: number; retryAfter?: number }[]> = {};
  /** How long chat.postMessage takes to answer (the message is posted on arrival). */
  postDelayMs = 0;
  private seq = 0;

  /** `token`: the bot token it takes; `channels`: the conversations that exist; `members`: the users that exist. */
  constructor(private readonly opts: { token: string; channels: string[]; members?: string[] }) {
    super();
  }

  /** A post is recorded on arrival and answered later: a client killed meanwhile leaves its message in Slack. */
  protected override delayFor(req: http.IncomingMessage): number {
    return req.url === '/api/chat.postMessage' ? this.postDelayMs : 0;
  }

  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  protected override answer(req: http.IncomingMessage, raw: string): StandInAnswer {
    const respond = /^\/respond\/([\w-]+)$/.exec(req.url ?? '');
    if (respond && req.method === 'POST') {
      this.responses.push({ id: respond[1], body: JSON.parse(raw) });
      return [200, 'ok'];
    }
    const m = /^\/api\/([\w.]+)$/.exec(req.url ?? '');
    if (!m || req.method !== 'POST') return [404, { ok: false, error: 'unknown_method' }];
    const method = m[1];
    if (!String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded')) return [200, { ok: false, error: 'invalid_form_data' }];
    const args: Record<string, unknown> = {};
    for (const [k, v] of new URLSearchParams(raw)) args[k] = JSON_FIELDS.has(k) ? JSON.parse(v) : v;
    this.calls.push({ method, args });
    const auth = req.headers.authorization;
    if (!auth) return [200, { ok: false, error: 'not_authed' }];
    if (auth !== `Bearer ${this.opts.token}`) return [200, { ok: false, error: 'invalid_auth' }];
    const forced = this.forced[method]?.shift();
    if (forced?.status === 429) return [429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(forced.retryAfter ?? 1) }];
    if (forced?.status) return [forced.status, { ok: false, error: 'internal_error' }];
    if (forced?.error) return [200, { ok: false, error: forced.error }];
    switch (method) {
      case 'chat.postMessage': return [200, this.postMessage(args, auth)];
      case 'conversations.open': return [200, this.open(args)];
      case 'conversations.history': return [200, this.history(args)];
      default: return [200, { ok: false, error: 'unknown_method' }];
    }
  }

  private known(channel: unknown): boolean {
    return typeof channel === 'string' && (this.opts.channels.includes(channel) || (channel.startsWith('D') && (this.opts.members ?? []).includes(`U${channel.slice(1)}`)));
  }

  private postMessage(a: Record<string, unknown>, authorization: string) {
    if (!this.known(a.channel)) return { ok: false, error: 'channel_not_found' };
    if (!a.text && !a.blocks) return { ok: false, error: 'no_text' };
    const blocks = a.blocks as any[] | undefined;
    if (blocks !== undefined && (!Array.isArray(blocks) || blocks.length > 50 || blocks.some((b) => !BLOCK_TYPES.has(b?.type)))) return { ok: false, error: 'invalid_blocks' };
    for (const b of blocks ?? []) {
      if (b.type !== 'actions') continue;
      if (!Array.isArray(b.elements) || b.elements.length > 25) return { ok: false, error: 'invalid_blocks' };
      for (const e of b.elements) {
        if (e.type !== 'button' || typeof e.action_id !== 'string' || e.action_id.length > 255 || typeof e.value !== 'string' || e.value.length > 2000) return { ok: false, error: 'invalid_blocks' };
        if (e.text?.type !== 'plain_text' || !e.text.text || e.text.text.length > 75) return { ok: false, error: 'invalid_blocks' };
      }
    }
    const md = a.metadata as Posted['metadata'] | undefined;
    if (md !== undefined && (typeof md?.event_type !== 'string' || typeof md.event_payload !== 'object')) return { ok: false, error: 'invalid_metadata_format' };
    const ts = `${Math.floor(Date.now() / 1000)}.${String(++this.seq).padStart(6, '0')}`;
    this.posted.push({ channel: a.channel as string, ts, text: a.text as string, blocks, metadata: md, authorization });
    return { ok: true, channel: a.channel, ts, message: { text: a.text, ts } };
  }

  private open(a: Record<string, unknown>) {
    const user = a.users;
    if (typeof user !== 'string' || !(this.opts.members ?? []).includes(user)) return { ok: false, error: 'user_not_found' };
    return { ok: true, channel: { id: `D${user.slice(1)}` } };
  }

  private history(a: Record<string, unknown>) {
    if (!this.known(a.channel)) return { ok: false, error: 'channel_not_found' };
    const oldest = Number(a.oldest ?? 0);
    const limit = Math.min(Number(a.limit ?? 100), 999);
    const start = Number(a.cursor ?? 0);
    const all = this.posted.filter((p) => p.channel === a.channel && Number(p.ts) >= oldest).reverse();
    const page = all.slice(start, start + limit).map((p) => ({ ts: p.ts, text: p.text, ...(a.include_all_metadata === 'true' || a.include_all_metadata === true ? { metadata: p.metadata } : {}) }));
    const next = start + limit < all.length ? String(start + limit) : '';
    return { ok: true, messages: page, has_more: !!next, response_metadata: { next_cursor: next } };
  }

  /**
   * Presses `actionId` on the posted message `msg` as the Slack user `user`, the way Slack does: a signed
   * form-encoded POST of `payload` to the intake's interactivity URL. `sign` lets a test break the signature.
   */
  async press(intakeUrl: string, secret: string, msg: Posted, actionId: string, user: { id: string; username: string },
    sign: { timestamp?: number; signature?: string } = {}): Promise<{ status: number; responseId: string }> {
    const button = msg.blocks?.find((b) => b.type === 'actions')?.elements.find((e: any) => e.action_id === actionId);
    if (!button) throw new Error(`no button ${actionId} on the message`);
    const responseId = `r${++this.seq}`;
    const payload = {
      type: 'block_actions', user: { id: user.id, username: user.username, name: user.username, team_id: 'T0001' }, api_app_id: 'A0001',
      container: { type: 'message', message_ts: msg.ts, channel_id: msg.channel }, channel: { id: msg.channel },
      message: { ts: msg.ts, text: msg.text, blocks: msg.blocks }, response_url: `${this.url}/respond/${responseId}`,
      actions: [{ type: 'button', action_id: actionId, block_id: 'alert-actions', value: button.value, action_ts: String(Date.now() / 1000) }],
    };
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const timestamp = String(sign.timestamp ?? Math.floor(Date.now() / 1000));
    const res = await fetch(`${intakeUrl}/slack/interactions`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': timestamp, 'x-slack-signature': sign.signature ?? slackSignature(secret, timestamp, body) },
      body, signal: AbortSignal.timeout(10_000),
    });
    await res.text();
    return { status: res.status, responseId };
  }
}
