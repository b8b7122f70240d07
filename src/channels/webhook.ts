// Generic webhook: POST the alert as JSON. Every attempt carries the same `webhook-id` and
// `Idempotency-Key` (the stream message ID) so a receiver can drop repeats caused by retries.
// With a secret, requests are signed per the Standard Webhooks spec (v1, HMAC-SHA256).
import { createHmac } from 'node:crypto';
import type { Channel, OutgoingAlert } from './types';
import { postJson } from './http';

export interface WebhookConfig {
  name: string;
  url: string;
  /** `whsec_<base64>` (Standard Webhooks) or any other string (used as raw bytes). */
  secret?: string;
  headers?: Record<string, string>;
  timeoutMs: number;
}

export function webhookPayload(alert: OutgoingAlert, timestamp: Date) {
  return { type: 'alert.fired', timestamp: timestamp.toISOString(), data: { messageId: alert.messageId, workflowId: alert.workflowId, ...alert.event } };
}

export function signStandardWebhook(secret: string, id: string, timestampSec: number, body: string): string {
  const key = secret.startsWith('whsec_') ? Buffer.from(secret.slice('whsec_'.length), 'base64') : Buffer.from(secret, 'utf8');
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
  constructor(private readonly cfg: WebhookConfig) {
    this.name = cfg.name;
  }

  async send(alert: OutgoingAlert, signal: AbortSignal): Promise<string> {
    const now = new Date();
    const body = JSON.stringify(webhookPayload(alert, now));
    const ts = Math.floor(now.getTime() / 1000);
    const headers: Record<string, string> = {
      ...customHeaders(this.cfg.headers),
      'webhook-id': alert.messageId,
      'webhook-timestamp': String(ts),
      'idempotency-key': alert.messageId,
    };
    if (this.cfg.secret) headers['webhook-signature'] = signStandardWebhook(this.cfg.secret, alert.messageId, ts, body);
    return postJson({ channel: `webhook "${this.name}"`, url: this.cfg.url, body, headers, timeoutMs: this.cfg.timeoutMs, signal });
  }
}
