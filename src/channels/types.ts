import type { AlertEvent } from '../contracts/alert';
import type { ResolvesRef } from '../contracts/delivery';
import type { GroupNotice } from '../contracts/group';

/** What a channel is asked to deliver: the alert plus the IDs that make repeats detectable. */
export interface OutgoingAlert {
  channel: string;
  /**
   * The delivery's idempotency key, the same on every attempt and unique across streams: the workflow ID
   * `<stream>:<message ID>` (deliveries whose request carries no delivery ID, from an older ingest, use the bare message ID).
   * Every channel sends it where the receiver takes one (webhook-id, Idempotency-Key, email Message-ID).
   */
  deliveryId: string;
  /** The stream message ID (informational). */
  messageId: string;
  workflowId: string;
  /** When the ingest received the entry: a stable timestamp for payloads that must be byte-identical on retries. */
  receivedAt: string;
  event: AlertEvent;
  /**
   * Set on a resolved notification: the firing delivery it resolves. `deliveryId` is then
   * `<firing delivery ID>:resolved`; each channel refers to the firing the way its receiver knows it.
   */
  resolves?: ResolvesRef;
  /**
   * Set on a page's firing notifications when the worker signs ack links (ACK_LINK_BASE): `<intake>/ack/<token>`,
   * which acknowledges this delivery. Deterministic per delivery (its expiry is receivedAt + ACK_LINK_TTL), so
   * retries send the same bytes. A bearer credential for this one delivery: shown to the message's readers only.
   */
  ackUrl?: string;
  /**
   * Set with `ackUrl`: the same acknowledgement as a short signed token (src/ack-links/short.ts) and the intake's
   * public URL (ACK_LINK_BASE), for channels where a link's length counts (SMS: `<base>/a/<token>`) or whose provider
   * calls the intake back (voice: the key pressed, delivery status). Deterministic per delivery, like `ackUrl`.
   */
  ackShort?: { base: string; token: string };
  /**
   * Set on a group notification (a route with `group_by`): the group, its counts and its first alerts. Each
   * channel then renders the group, not one alert; `deliveryId` is the notification's key
   * `<group ID>:<sequence>`, and `event` is a summary of the group in an alert's shape (title: the summary
   * line, severity: the highest, alertId: the group ID, labels: the group's), for the fields a template names.
   */
  group?: GroupNotice;
  /**
   * Set on a personal notification of the on-call paging (a person's contact method, one step of their rules):
   * `address` replaces the channel's own recipient: email sends to it instead of `to`, Slack mentions the member
   * ID (`<@U…>`), a webhook posts to that URL (signed as the channel's). `person` is the person's ID in the people
   * file. A channel type that cannot reach a person (see canReachPerson in recipients.ts) refuses it permanently.
   * The address is personal data: the channels never log it nor put it in an error message, a result or a trace.
   */
  recipient?: { person: string; address: string };
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
