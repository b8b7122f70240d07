// A deliberately non-deterministic edit of deliverAlert (record before persist), used only to prove that the
// replay tests catch such a change.
import { proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { createActivities } from '../../../src/activities';
import type { DeliveryRequest, DeliveryState } from '../../../src/contracts/delivery';

const { persistAlert, recordOutcome } = proxyLocalActivities<ReturnType<typeof createActivities>>({ startToCloseTimeout: '10 seconds' });

export async function deliverAlert(req: DeliveryRequest): Promise<DeliveryState> {
  const state: DeliveryState = { status: 'pending', channels: [], rounds: 0, parkedAt: null, abandonReason: null };
  await recordOutcome({ messageId: req.messageId, deliveryId: req.deliveryId, state });
  await persistAlert(req, { runId: workflowInfo().runId });
  return { ...state, status: 'delivered' };
}
