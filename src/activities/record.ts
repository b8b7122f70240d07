// The record step: the delivery's state into its alert document.
import { Context } from '@temporalio/activity';
import { StoreRefusedError } from '../errors';
import { channelResults, deliveriesRecorded, storeRefused } from '../metrics';
import type { RecordInput } from '../contracts/delivery';
import { refused, type ActivityDeps } from './deps';

export function createRecordActivities({ store }: ActivityDeps) {
  return {
    /** Writes per-channel results, `delivered` and `deliveryStatus` to the alert's document. */
    async recordOutcome({ messageId, deliveryId, state }: RecordInput): Promise<void> {
      try {
        // A grouped member's record never replaces the notification its group recorded first (store.recordGrouped).
        if (state.status === 'grouped') await store.recordGrouped(deliveryId, state);
        else await store.record(deliveryId, state);
      } catch (e) {
        if (!(e instanceof StoreRefusedError)) throw e;
        storeRefused.inc({ operation: e.operation });
        Context.current().log.error('outcome refused by the store: the delivery fails visibly', { messageId, deliveryId, status: state.status, error: e.message });
        throw refused(e);
      }
      deliveriesRecorded.inc({ status: state.status });
      for (const c of state.channels) if (c.status !== 'pending') channelResults.inc({ channel: c.channel, status: c.status });
    },
  };
}
