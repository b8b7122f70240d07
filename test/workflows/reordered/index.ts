// A deliberately non-deterministic edit of deliverAlert (ack before persist), used only to prove
// that the replay tests catch such a change.
import { proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../../../src/activities';
import type { DeliveryRequest, DeliveryState } from '../../../src/shared';

const { persistAlert, ackMessage } = proxyActivities<ReturnType<typeof createActivities>>({ startToCloseTimeout: '30 seconds' });

export async function deliverAlert(req: DeliveryRequest): Promise<DeliveryState> {
  await ackMessage({ stream: req.stream, group: req.group, messageId: req.messageId });
  await persistAlert(req);
  return { status: 'delivered', channels: [], rounds: 0, parkedAt: null, abandonReason: null };
}
