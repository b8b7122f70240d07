// One attempt at one channel, and the ack link a page's notification carries.
import { ApplicationFailure, Context } from '@temporalio/activity';
import { ackLink, signShortAckToken, type AckLinkSettings } from '../ack-links';
import type { OutgoingAlert } from '../channels/types';
import { PermanentDeliveryError, TransientDeliveryError } from '../errors';
import { channelAttempts, channelLatency } from '../metrics';
import type { AlertEvent } from '../contracts/alert';
import type { NotifyResult } from '../contracts/channels';
import type { ResolvesRef } from '../contracts/delivery';
import type { ContactRef } from '../contracts/oncall';
import type { GroupNotice } from '../contracts/group';
import type { ActivityDeps } from './deps';

/**
 * The ack link of one notification: the delivery's workflow, expiring `ttlMs` after the entry was received.
 * It depends only on the delivery, never on the attempt's time, so every attempt sends the same bytes.
 */
export function ackUrlFor(settings: AckLinkSettings, workflowId: string, receivedAt: string): string | undefined {
  const received = Date.parse(receivedAt);
  if (!Number.isFinite(received)) return undefined;
  return ackLink(settings.base, { workflowId, expiresAt: received + settings.ttlMs }, settings.secret);
}

/** The same acknowledgement as a short token (SMS links, voice callbacks), with the intake's public URL; as deterministic. */
export function ackShortFor(settings: AckLinkSettings, workflowId: string, receivedAt: string): { base: string; token: string } | undefined {
  const received = Date.parse(receivedAt);
  if (!Number.isFinite(received)) return undefined;
  return { base: settings.base, token: signShortAckToken({ workflowId, expiresAt: received + settings.ttlMs }, settings.secret) };
}

export interface NotifyInput {
  channel: string;
  /** The idempotency key. */
  deliveryId: string;
  messageId: string;
  workflowId: string;
  /** When the ingest received the entry (an ack link's lifetime counts from it). */
  receivedAt: string;
  event: AlertEvent;
  /** A resolved notification: the firing delivery it resolves (its key is `<firing delivery ID>:resolved`). */
  resolves?: ResolvesRef;
  /** A group notification (storm control): `deliveryId` is its key `<group ID>:<sequence>`, `workflowId` the group's. */
  group?: GroupNotice;
  /** A person's contact (on-call paging): the address is looked up here, in the on-call file in force, never carried in history. */
  contact?: ContactRef;
}

/** The person's address on this channel, from the on-call file in force; a person or contact gone from it fails for good. */
function recipientOf(oncall: ActivityDeps['oncall'], channel: string, { person, contact }: ContactRef, attempt: number): { person: string; address: string } {
  const found = oncall?.contactOf(person, contact);
  const gone = !found ? `person "${person}" or their contact "${contact}" is no longer in the on-call file` : found.via !== channel ? `contact "${contact}" of "${person}" now goes through "${found.via}", not "${channel}"` : undefined;
  if (gone) throw ApplicationFailure.create({ type: 'PermanentDeliveryError', nonRetryable: true, details: [{ attempt }], message: gone });
  return { person, address: found!.address };
}

/** A request still running after this long starts heartbeating, so a cancellation (abandon, cancel) reaches it. */
const HEARTBEAT_AFTER_MS = 1_000;

export function createNotifyActivities({ channels, lifecycle = true, ackLinks, oncall }: ActivityDeps) {
  return {
    /** One attempt at one channel. Permanent errors are non-retryable; Retry-After sets the next delay. */
    async notifyChannel(input: NotifyInput): Promise<NotifyResult> {
      const ctx = Context.current();
      const { attempt } = ctx.info;
      const channel = channels.get(input.channel);
      if (!channel) {
        throw ApplicationFailure.create({
          type: 'PermanentDeliveryError', nonRetryable: true, details: [{ attempt }],
          message: `channel "${input.channel}" is not configured on this worker`,
        });
      }
      const recipient = input.contact ? recipientOf(oncall, input.channel, input.contact, attempt) : undefined;
      const started = process.hrtime.bigint();
      const observe = (outcome: string) => {
        channelAttempts.inc({ channel: input.channel, outcome });
        channelLatency.observe({ channel: input.channel, outcome }, Number(process.hrtime.bigint() - started) / 1e9);
      };
      const { deliveryId } = input;
      const where = { channel: input.channel, deliveryId, messageId: input.messageId, workflowId: input.workflowId, alertId: input.event.alertId, attempt };
      // Heartbeats only for a slow request (none on the fast path): cancellation reaches the activity through them.
      // (A local first attempt cannot heartbeat: it is cancelled through the workflow task, and bounded by its timeout.)
      let heartbeat: NodeJS.Timeout | undefined;
      const firstBeat = ctx.info.isLocal ? undefined : setTimeout(() => {
        ctx.heartbeat();
        heartbeat = setInterval(() => ctx.heartbeat(), HEARTBEAT_AFTER_MS);
      }, HEARTBEAT_AFTER_MS);
      try {
        const { receivedAt } = input;
        // Only a page's firing notifications are sent (a duplicate sends nothing), so one without `resolves` is a
        // page's (first notification or an escalation level): it gets the link that acknowledges its delivery.
        const firing = !input.resolves && !input.group && input.event.status !== 'resolved';
        const ackUrl = firing && lifecycle && ackLinks ? ackUrlFor(ackLinks, input.workflowId, receivedAt) : undefined;
        const outgoing: OutgoingAlert = {
          channel: input.channel, deliveryId, messageId: input.messageId, workflowId: input.workflowId, receivedAt, event: input.event,
          ...(input.resolves ? { resolves: input.resolves } : {}),
          ...(ackUrl ? { ackUrl, ackShort: ackShortFor(ackLinks!, input.workflowId, receivedAt) } : {}),
          ...(input.group ? { group: input.group } : {}),
          ...(recipient ? { recipient } : {}),
        };
        const response = await channel.send(outgoing, ctx.cancellationSignal);
        observe('delivered');
        ctx.log.debug('alert delivered', { ...where, response }); // debug: the document, the metrics and the history record every delivery
        return { attempt, deliveredAt: new Date().toISOString(), response };
      } catch (e) {
        const err = e as Error;
        observe(err instanceof PermanentDeliveryError ? 'permanent' : 'transient');
        ctx.log.warn('delivery attempt failed', { ...where, error: err.message });
        if (err instanceof PermanentDeliveryError) {
          throw ApplicationFailure.create({ type: err.name, message: err.message, nonRetryable: true, details: [{ attempt }] });
        }
        const retryAfterMs = err instanceof TransientDeliveryError ? err.retryAfterMs : undefined;
        throw ApplicationFailure.create({
          type: 'TransientDeliveryError',
          message: err.message,
          // retryAfterMs also in the details: the workflow does not see nextRetryDelay (a local first attempt's regular activity waits it)
          details: [{ attempt, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) }],
          nextRetryDelay: retryAfterMs,
        });
      } finally {
        clearTimeout(firstBeat);
        clearInterval(heartbeat);
      }
    },

  };
}
