// Slack as an app (docs/channels.md, "Slack as an app"): a `slack` channel with a bot `token` instead of a webhook
// `url` posts with Slack's Web API client (@slack/web-api) through `chat.postMessage`, to its `channel` or, for a
// person of the on-call file, to them directly (a DM opened with `conversations.open` on their member ID). The
// message is the webhook mode's Block Kit (slack.ts) plus, on a page's firing notification, the Acknowledge, Resolve
// and Silence 1 h buttons (slack-actions.ts) that the intake's interactivity endpoint answers.
//
// Once per delivery: Slack's API takes no idempotency key, and a first attempt runs as a local activity, which runs
// again when the worker dies inside its workflow task. So every message carries the delivery ID in its metadata
// (`alert_notification`), and each attempt first reads the conversation since the delivery was received
// (`conversations.history`, at most HISTORY_PAGES pages): finding its own earlier message, it answers with that
// message instead of posting a second. Scopes: chat:write, channels:history / groups:history (the channel's kind),
// im:write and im:history for people.
//
// Errors: the client never retries (Temporal does); a rate limit is transient with Slack's Retry-After; Slack's
// `ok: false` answers are permanent except the few Slack documents as passing; HTTP 5xx and network errors are
// transient. No error, result or log names the token or a person's member ID.
import { WebClient, LogLevel, WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError, WebAPIRequestError, type Logger as SlackLogger } from '@slack/web-api';
import { PermanentDeliveryError, TransientDeliveryError } from '../errors';
import { tracedRequest } from '../tracing/outgoing';
import { personLabel, slackMemberId, withoutAddress } from './recipients';
import { slackGroupMessage, slackMessage } from './slack';
import { actionsBlock } from './slack-actions';
import type { Channel, OutgoingAlert } from './types';

export interface SlackAppConfig {
  name: string;
  /** The bot token (`xoxb-…`): a secret. */
  token: string;
  /** The conversation ID the channel's own notifications go to (C…/G…); absent: only people (their DMs). */
  channel?: string;
  /** Slack's Web API base (default https://slack.com/api/), for a proxy or a stand-in. */
  apiUrl: string;
  timeoutMs: number;
  title?: string;
  text?: string;
  linkBase?: string;
  /** Acknowledge / Resolve / Silence buttons on a page's firing notifications (default true). */
  buttons: boolean;
}

/** A conversation ID as the Web API names one: public (C), private (G) or direct (D). */
export const SLACK_CONVERSATION = /^[CGD][A-Z0-9]{2,}$/;
/** The metadata event type that carries the delivery ID. */
export const SLACK_METADATA_EVENT = 'alert_notification';
/** How far back the look for an earlier post goes: pages of HISTORY_PAGE_SIZE messages since the delivery was received. */
const HISTORY_PAGES = 5;
const HISTORY_PAGE_SIZE = 200;
/** Slack's `ok: false` errors that pass (https://api.slack.com/methods/chat.postMessage#errors). */
const TRANSIENT_ERRORS = new Set(['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'team_added_to_org']);

/** The delivery ID in a message's metadata payload (an object of the app's own making, typed `{}` by the client). */
const deliveryIdOf = (payload: unknown): unknown => (payload && typeof payload === 'object' ? (payload as Record<string, unknown>)['delivery_id'] : undefined);

const SILENT: SlackLogger = { debug() {}, info() {}, warn() {}, error() {}, setLevel() {}, getLevel: () => LogLevel.ERROR, setName() {} };

/** An error of the Web API client as a delivery error: named by the channel and the method, never with a secret. */
export function slackApiError(label: string, method: string, e: unknown, secrets: string[] = []): Error {
  const scrub = (s: string) => secrets.reduce((t, x) => withoutAddress(t, x), s);
  if (e instanceof WebAPIRateLimitedError) return new TransientDeliveryError(`${label}: Slack ${method}: rate limited (retry after ${e.retryAfter} s)`, e.retryAfter * 1000);
  if (e instanceof WebAPIPlatformError) {
    const what = `${label}: Slack ${method}: ${scrub(String(e.data.error)).slice(0, 200)}`;
    return TRANSIENT_ERRORS.has(e.data.error) ? new TransientDeliveryError(what) : new PermanentDeliveryError(what);
  }
  if (e instanceof WebAPIHTTPError) {
    const what = `${label}: Slack ${method}: HTTP ${e.statusCode}`;
    return e.statusCode >= 500 || e.statusCode === 408 ? new TransientDeliveryError(what) : new PermanentDeliveryError(what);
  }
  if (e instanceof WebAPIRequestError) return new TransientDeliveryError(`${label}: Slack ${method}: ${scrub(e.original?.message ?? e.message).slice(0, 200)}`);
  return new TransientDeliveryError(`${label}: Slack ${method}: ${scrub((e as Error)?.message ?? String(e)).slice(0, 200)}`);
}

/** The message of `alert`: the webhook mode's blocks, plus the buttons on a page's firing notification. */
export function slackAppMessage(alert: OutgoingAlert, cfg: Pick<SlackAppConfig, 'title' | 'text' | 'linkBase' | 'buttons'>) {
  if (alert.group) return slackGroupMessage(alert, alert.group, cfg);
  const msg = slackMessage(alert, cfg);
  const firing = !alert.resolves && alert.event.status !== 'resolved';
  return firing && cfg.buttons ? { ...msg, blocks: [...msg.blocks, ...actionsBlock(alert.workflowId)] } : msg;
}

export class SlackAppChannel implements Channel {
  readonly type = 'slack';
  readonly name: string;
  constructor(private readonly cfg: SlackAppConfig) {
    this.name = cfg.name;
  }

  async send(alert: OutgoingAlert, _signal: AbortSignal): Promise<string> {
    const r = alert.recipient;
    const label = r ? personLabel(this, r.person) : `slack "${this.name}"`;
    const member = r ? slackMemberId(this, r) : undefined; // before any request: a refused ID is permanent
    if (!member && !this.cfg.channel) throw new PermanentDeliveryError(`${label}: the channel has no \`channel\` (set it, or use the channel only for people's contacts)`);
    const secrets = [this.cfg.token, ...(member ? [member] : [])];
    return tracedRequest(this, async (trace) => {
      const client = new WebClient(this.cfg.token, {
        slackApiUrl: this.cfg.apiUrl, timeout: this.cfg.timeoutMs, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true,
        logger: SILENT, logLevel: LogLevel.ERROR, headers: trace, allowAbsoluteUrls: false,
      });
      const call = async <T>(method: string, run: () => Promise<T>): Promise<T> => {
        try {
          return await run();
        } catch (e) {
          throw slackApiError(label, method, e, secrets);
        }
      };
      const channel = member
        ? (await call('conversations.open', () => client.conversations.open({ users: member }))).channel?.id
        : this.cfg.channel!;
      if (!channel) throw new TransientDeliveryError(`${label}: Slack conversations.open: no conversation in the answer`);
      const earlier = await call('conversations.history', () => this.earlierPost(client, channel, alert));
      if (earlier) return `Slack: already posted (ts ${earlier})`;
      const msg = slackAppMessage(alert, this.cfg);
      const posted = await call('chat.postMessage', () => client.chat.postMessage({
        channel, text: msg.text, blocks: msg.blocks as never, unfurl_links: false, unfurl_media: false,
        metadata: { event_type: SLACK_METADATA_EVENT, event_payload: { delivery_id: alert.deliveryId, workflow_id: alert.workflowId } },
      }));
      return `Slack: posted (ts ${posted.ts ?? '?'})`;
    });
  }

  /** The ts of this delivery's own message in `channel`, posted since the delivery was received, if there is one. */
  private async earlierPost(client: WebClient, channel: string, alert: OutgoingAlert): Promise<string | undefined> {
    // a minute of margin: the receiving clock (the ingest's) and Slack's differ a little
    const oldest = ((Date.parse(alert.receivedAt) - 60_000) / 1000).toFixed(6);
    let cursor: string | undefined;
    for (let page = 0; page < HISTORY_PAGES; page++) {
      const r = await client.conversations.history({ channel, oldest, limit: HISTORY_PAGE_SIZE, include_all_metadata: true, ...(cursor ? { cursor } : {}) });
      const mine = r.messages?.find((m) => m.metadata?.event_type === SLACK_METADATA_EVENT && deliveryIdOf(m.metadata.event_payload) === alert.deliveryId);
      if (mine) return mine.ts ?? '?';
      cursor = r.response_metadata?.next_cursor || undefined;
      if (!cursor) return undefined;
    }
    return undefined;
  }
}
