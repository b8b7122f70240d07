// A deliberately wrong edit of deliverAlert: the first attempt as a regular activity instead of a local one.
// Used only to prove that replaying a 1.0 history catches such a change.
import { proxyActivities, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { createActivities } from '../../../src/activities';
import type { DeliveryRequest, DeliveryState } from '../../../src/contracts/delivery';

type Activities = ReturnType<typeof createActivities>;
const { persistAlert } = proxyLocalActivities<Activities>({ startToCloseTimeout: '10 seconds' });
const { notifyChannel } = proxyActivities<Activities>({ startToCloseTimeout: '10 seconds' });

export async function deliverAlert(req: DeliveryRequest): Promise<DeliveryState> {
  const { channels } = await persistAlert(req, { runId: workflowInfo().runId });
  await notifyChannel({ channel: channels[0].name, deliveryId: req.deliveryId, receivedAt: req.receivedAt, messageId: req.messageId, workflowId: workflowInfo().workflowId, event: req.event });
  return { status: 'delivered', channels: [], rounds: 0, parkedAt: null, abandonReason: null };
}
