// A deliberately non-deterministic edit of deliverAlert (ack before persist), used only to prove
// that the replay tests catch such a change. Everything else matches the real workflow's start.
import { patched, proxyLocalActivities } from '@temporalio/workflow';
import type { createActivities } from '../../../src/activities';
import type { DeliveryRequest, DeliveryState } from '../../../src/shared';

const { persistAlert, ackMessage } = proxyLocalActivities<ReturnType<typeof createActivities>>({ startToCloseTimeout: '10 seconds' });

export async function deliverAlert(req: DeliveryRequest): Promise<DeliveryState> {
  patched('local-bookkeeping');
  await ackMessage({ stream: req.stream, group: req.group, messageId: req.messageId });
  await persistAlert(req, { runId: 'negative-case' });
  return { status: 'delivered', channels: [], rounds: 0, parkedAt: null, abandonReason: null };
}
