// The Temporal side of an ack link: the `acknowledge` update (src/contracts/messages.ts) on the delivery's workflow,
// bounded in time, with every way it can end sorted into an outcome the page can explain.
import { WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError, isGrpcServiceError, type Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { DeliveryState } from '../contracts/delivery';
import { acknowledgeUpdate, type AckInput } from '../contracts/messages';

export type AckOutcome =
  | { kind: 'acknowledged'; state: DeliveryState }
  /** No such workflow (never existed, or past the namespace's retention). */
  | { kind: 'not-found' }
  /** The workflow has ended: nothing left to acknowledge. */
  | { kind: 'finished' }
  /** The workflow refused the update (already resolved, unknown update, …): `reason` is its message. */
  | { kind: 'rejected'; reason: string }
  /** Temporal did not answer in time or is unreachable: try again. */
  | { kind: 'unavailable'; reason: string };

export type Acknowledge = (workflowId: string, input: AckInput) => Promise<AckOutcome>;

/** Acknowledges through `client`, waiting at most `timeoutMs` for the workflow's answer. */
export function temporalAcknowledger(client: Client, timeoutMs: number): Acknowledge {
  return async (workflowId, input) => {
    try {
      const state = await client.withDeadline(Date.now() + timeoutMs, () => client.workflow.getHandle(workflowId).executeUpdate(acknowledgeUpdate, { args: [input] }));
      return { kind: 'acknowledged', state };
    } catch (e) {
      return ackOutcomeOf(e);
    }
  };
}

/** Sorts an error of `executeUpdate` into an outcome. */
export function ackOutcomeOf(e: unknown): AckOutcome {
  if (e instanceof WorkflowUpdateFailedError) return { kind: 'rejected', reason: e.cause?.message ?? e.message };
  if (e instanceof WorkflowNotFoundError) return /already completed|closed/i.test(e.message) ? { kind: 'finished' } : { kind: 'not-found' };
  if (e instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return { kind: 'unavailable', reason: 'no answer from the workflow in time' };
  if (isGrpcServiceError(e)) return { kind: 'unavailable', reason: `Temporal: ${e.details || e.message}` };
  const cause = (e as { cause?: unknown })?.cause;
  if (isGrpcServiceError(cause)) return { kind: 'unavailable', reason: `Temporal: ${cause.details || cause.message}` };
  return { kind: 'unavailable', reason: (e as Error)?.message ?? String(e) };
}
