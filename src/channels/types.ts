import type { AlertEvent } from '../shared';

/** What a channel is asked to deliver: the alert plus the IDs that make repeats detectable. */
export interface OutgoingAlert {
  channel: string;
  /** The stream message ID: the idempotency key, the same on every attempt. */
  messageId: string;
  workflowId: string;
  event: AlertEvent;
}

/**
 * A way to reach humans. `send` resolves with a short description of the receiver's answer, or throws
 * PermanentDeliveryError (never retried) or TransientDeliveryError (retried). Errors never carry secrets.
 */
export interface Channel {
  readonly name: string;
  readonly type: string;
  send(alert: OutgoingAlert, signal: AbortSignal): Promise<string>;
}
