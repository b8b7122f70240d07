// Generic webhook: POST the alert as JSON. Every attempt of one delivery carries the same `webhook-id`
// and `Idempotency-Key` (the delivery ID, `<stream>:<message ID>`) and the same body, byte for byte, so a
// receiver can drop repeats caused by retries. Only `webhook-timestamp` (and so the signature) changes
// per attempt. With a secret, requests are signed per the Standard Webhooks spec (v1, HMAC-SHA256).
// A group notification (`alert.group`) has its own body, `type: "alert.group"` (webhookGroupPayload).
//
// A personal notification (`alert.recipient`, on call: a person's own webhook or push URL) is posted to the person's
// URL instead of the channel's, with the channel's signature and headers, under the same rules (http: or https:
// only, redirects not followed, the same egress proxy); its body names the person (`recipient: { person }`), never
// the URL. A URL that is not http(s) is a permanent error naming the person; no error ever holds the URL.
import { createHmac } from 'node:crypto';
import { ConfigError } from '../errors';
import type { GroupNotice } from '../contracts/group';
import { personLabel, webhookUrl } from './recipients';
import type { Channel, OutgoingAlert } from './types';
import { postJson } from './http';
import { tracedRequest } from '../tracing/outgoing';
import { groupSummary, listedAlerts } from './group-text';

export interface WebhookConfig {
  name: string;
  url: string;
  /** `whsec_<base64>` or bare `<base64>` (Standard Webhooks), decoding to at least 16 bytes. */
  secret?: string;
  headers?: Record<string, string>;
  timeoutMs: number;
}

const SECRET_PREFIX = 'whsec_';
/** Below this an HMAC key is too weak to bother; Standard Webhooks recommends 24–64 bytes. */
export const MIN_SECRET_BYTES = 16;
const GENERATE_HINT = 'generate one with: echo "whsec_$(openssl rand -base64 32)"';

/**
 * The HMAC key of a signing secret, or why the secret is unusable (the text never contains the secret).
 *
 * Standard Webhooks secrets are base64; the spec's libraries strip an optional `whsec_` prefix and
 * base64-decode the rest. A secret without the prefix is therefore read as base64 too (not as raw
 * bytes): a receiver verifying with `new Webhook(secret)` derives the same key. A prefix-less string that
 * is not valid base64 (e.g. a passphrase) is rejected rather than silently used in a way the receiver's
 * library would not reproduce. Only canonical, padded, standard-alphabet base64 is accepted (what
 * `base64 -w0` / `openssl rand -base64` print), so every library decodes it to the same bytes.
 */
export function webhookSecretKey(secret: string): { key: Buffer; problem?: undefined } | { key?: undefined; problem: string } {
  const prefixed = secret.startsWith(SECRET_PREFIX);
  const b64 = prefixed ? secret.slice(SECRET_PREFIX.length) : secret;
  const what = prefixed ? 'the part after the whsec_ prefix' : 'a secret without the whsec_ prefix is read as base64 (as Standard Webhooks libraries do), and it';
  const valid = b64.length > 0 && b64.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(b64) && Buffer.from(b64, 'base64').toString('base64') === b64;
  if (!valid) return { problem: `${what} is not valid base64 (A-Z a-z 0-9 + /, padded with =); use whsec_<base64 of 24-64 random bytes>, ${GENERATE_HINT}` };
  const key = Buffer.from(b64, 'base64');
  if (key.length < MIN_SECRET_BYTES) {
    return { problem: `${prefixed ? 'the secret' : what} decodes to ${key.length} bytes, fewer than ${MIN_SECRET_BYTES} (Standard Webhooks recommends 24-64); ${GENERATE_HINT}` };
  }
  return { key };
}

/**
 * A group notification (storm control): `{ type: "alert.group", timestamp, group, data }`. `group` holds the group
 * (its ID, route, labels, status, sequence, counts, highest severity, the listed alerts — at most GROUP_LIST_LIMIT —
 * and `listUrl`, the link to all of them); `data` the IDs as in a single alert's body and `summary`, the summary
 * line. `data.deliveryId` (= webhook-id = Idempotency-Key) is the notification key `<group ID>:<sequence>`: a new one
 * per notification, the same on its retries. Built only from the notice, so every attempt sends the same bytes.
 */
/** A personal notification's body names whom it is for (the person's ID, never their address). */
const recipientField = (alert: OutgoingAlert) => (alert.recipient ? { recipient: { person: alert.recipient.person } } : {});

export function webhookGroupPayload(alert: OutgoingAlert, g: GroupNotice) {
  const alerts = listedAlerts(g).shown.map((m) => ({
    alertId: m.alertId, deliveryId: m.deliveryId, workflowId: m.workflowId, status: m.status, severity: m.severity,
    title: m.title, ruleName: m.ruleName, firedAt: m.firedAt, ...(m.labels ? { labels: m.labels } : {}),
  }));
  return {
    type: 'alert.group',
    timestamp: alert.receivedAt,
    ...recipientField(alert),
    group: {
      id: g.id, route: g.route, labels: g.labels, status: g.status, sequence: g.sequence, counts: g.counts, severity: g.severity,
      alerts, ...(g.listUrl ? { listUrl: g.listUrl } : {}),
    },
    data: { deliveryId: alert.deliveryId, messageId: alert.messageId, workflowId: alert.workflowId, summary: groupSummary(g) },
  };
}

export function webhookPayload(alert: OutgoingAlert) {
  // `timestamp` is when the entry was received, not "now": the body is the same on every attempt.
  const data = { deliveryId: alert.deliveryId, messageId: alert.messageId, workflowId: alert.workflowId, ...alert.event };
  // A page's firing notification carries the link that acknowledges it (same on every attempt).
  const who = recipientField(alert);
  if (alert.ackUrl && !alert.resolves) return { type: 'alert.fired', timestamp: alert.receivedAt, ...who, data: { ...data, ackUrl: alert.ackUrl } };
  // A resolved notification names the firing delivery it resolves (the `webhook-id` the receiver already saw).
  if (alert.resolves) return { type: 'alert.resolved', timestamp: alert.receivedAt, ...who, data: { ...data, status: 'resolved', resolves: alert.resolves.deliveryId } };
  return { type: 'alert.fired', timestamp: alert.receivedAt, ...who, data };
}

export function signStandardWebhook(secret: string | Buffer, id: string, timestampSec: number, body: string): string {
  let key: Buffer;
  if (typeof secret === 'string') {
    const k = webhookSecretKey(secret);
    if (!k.key) throw new Error(`webhook secret: ${k.problem}`);
    key = k.key;
  } else {
    key = secret;
  }
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSec}.${body}`).digest('base64')}`;
}

/** Headers the service sets itself; configured headers cannot override them. */
const RESERVED = new Set(['webhook-id', 'webhook-timestamp', 'webhook-signature', 'idempotency-key', 'content-type', 'user-agent', 'content-length', 'host']);

function customHeaders(h: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) if (!RESERVED.has(k.toLowerCase())) out[k.toLowerCase()] = v;
  return out;
}

export class WebhookChannel implements Channel {
  readonly type = 'webhook';
  readonly name: string;
  private readonly key?: Buffer;

  constructor(private readonly cfg: WebhookConfig) {
    this.name = cfg.name;
    if (cfg.secret !== undefined) {
      // The channels file is validated the same way; this catches a channel built some other way.
      const k = webhookSecretKey(cfg.secret);
      if (!k.key) throw new ConfigError(`webhook "${cfg.name}": unusable secret`, [`secret: ${k.problem}`]);
      this.key = k.key;
    }
  }

  async send(alert: OutgoingAlert, signal: AbortSignal): Promise<string> {
    const r = alert.recipient;
    const url = r ? webhookUrl(this, r) : this.cfg.url; // before any request: a refused URL is permanent
    const body = JSON.stringify(alert.group ? webhookGroupPayload(alert, alert.group) : webhookPayload(alert));
    const ts = Math.floor(Date.now() / 1000);
    const headers: Record<string, string> = {
      ...customHeaders(this.cfg.headers),
      'webhook-id': alert.deliveryId,
      'webhook-timestamp': String(ts),
      'idempotency-key': alert.deliveryId,
    };
    if (this.key) headers['webhook-signature'] = signStandardWebhook(this.key, alert.deliveryId, ts, body);
    return tracedRequest(this, (trace) => postJson({
      channel: r ? personLabel(this, r.person) : `webhook "${this.name}"`,
      url, body, headers: { ...headers, ...trace }, timeoutMs: this.cfg.timeoutMs, signal,
      // postJson removes the URL, its path and query from an answer's excerpt; a person's URL goes whole, host too.
      ...(r ? { secrets: [r.address, new URL(url).hostname] } : {}),
    }));
  }
}
