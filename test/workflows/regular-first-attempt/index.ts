// A deliberately wrong edit of deliverAlert: the one-task patch marker, then the first attempt as a regular
// activity (as before the patch). Used only to prove that replaying a one-task history catches such a change.
import { patched, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { createActivities } from '../../../src/activities';
import type { DeliveryRequest, DeliveryState } from '../../../src/shared';

type Activities = ReturnType<typeof createActivities>;
const { persistAlert } = proxyLocalActivities<Activities>({ startToCloseTimeout: '10 seconds' });
const { notifyChannel } = proxyActivities<Activities>({ startToCloseTimeout: '10 seconds' });

export async function deliverAlert(req: DeliveryRequest): Promise<DeliveryState> {
  patched('one-task-delivery');
  const { channels } = await persistAlert(req, { runId: 'negative-case' });
  await notifyChannel({ channel: channels[0].name, messageId: req.messageId, workflowId: 'alerts:x', event: req.event });
  return { status: 'delivered', channels: [], rounds: 0, parkedAt: null, abandonReason: null };
}
