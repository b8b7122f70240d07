// A resolved event's delivery and the firing delivery it resolves (workflow code: deterministic, no I/O).
import { getExternalWorkflowHandle, workflowInfo } from '@temporalio/workflow';
import { incidentResolvedSignal } from '../contracts/messages';

/**
 * The open firing delivery sends the resolved notifications itself (it knows what it reached); a finished
 * one cannot, so the resolved event's own delivery sends them, on the channels the firing's document shows
 * delivered. A signal to a closed workflow fails, and a workflow cannot close with a signal unseen (its
 * completion is refused and the signal handled first), so exactly one of the two sends them.
 * @returns true if the firing delivery was open and took the resolve
 */
export async function handOverToFiring(firingWorkflowId: string): Promise<boolean> {
  try {
    await getExternalWorkflowHandle(firingWorkflowId).signal(incidentResolvedSignal, { by: workflowInfo().workflowId });
    return true;
  } catch {
    return false; // the firing delivery has finished (or is gone)
  }
}
