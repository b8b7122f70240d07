// The delivery activities, built by a factory over the process's connections.
// Each is idempotent: Temporal may run any of them more than once.
import { ApplicationFailure, Context } from '@temporalio/activity';
import type Redis from 'ioredis';
import type { ChannelRegistry } from '../channels/registry';
import { PermanentDeliveryError, TransientDeliveryError } from '../errors';
import { channelAttempts, channelLatency, channelResults, deliveriesRecorded } from '../metrics';
import type { AlertStore } from '../store';
import type { AlertEvent, DeliveryRequest, NotifyResult, ParkPolicy, PersistResult, RecordInput } from '../shared';

export interface ActivityDeps {
  redis: Redis;
  store: AlertStore;
  channels: ChannelRegistry;
  park: ParkPolicy;
}

export interface NotifyInput {
  channel: string;
  messageId: string;
  workflowId: string;
  event: AlertEvent;
}

export function createActivities({ redis, store, channels, park }: ActivityDeps) {
  return {
    /** Durable state before any side effect: create-if-absent, so a retry never overwrites `delivered: true`. */
    async persistAlert(req: DeliveryRequest): Promise<PersistResult> {
      const { delivered } = await store.createIfAbsent(req);
      return { alreadyDelivered: delivered, channels: channels.plan(req.event), park };
    },

    /** XACK is idempotent: acking twice (here and in the ingest) is harmless. */
    async ackMessage({ stream, group, messageId }: { stream: string; group: string; messageId: string }): Promise<number> {
      return redis.xack(stream, group, messageId);
    },

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
      const started = process.hrtime.bigint();
      const observe = (outcome: string) => {
        channelAttempts.inc({ channel: input.channel, outcome });
        channelLatency.observe({ channel: input.channel, outcome }, Number(process.hrtime.bigint() - started) / 1e9);
      };
      const where = { channel: input.channel, messageId: input.messageId, workflowId: input.workflowId, alertId: input.event.alertId, attempt };
      try {
        const response = await channel.send(input, ctx.cancellationSignal);
        observe('delivered');
        ctx.log.info('alert delivered', { ...where, response });
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
          details: [{ attempt }],
          nextRetryDelay: retryAfterMs,
        });
      }
    },

    /** Writes per-channel results, `delivered` and `deliveryStatus` to the alert's document. */
    async recordOutcome({ messageId, state }: RecordInput): Promise<void> {
      await store.record(messageId, state);
      deliveriesRecorded.inc({ status: state.status });
      for (const c of state.channels) if (c.status !== 'pending') channelResults.inc({ channel: c.channel, status: c.status });
    },
  };
}
