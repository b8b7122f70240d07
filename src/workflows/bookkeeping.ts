// The bookkeeping steps as the workflow calls them (persist, record, planResolved, recordAcknowledged, holds):
// short, idempotent, retried until the stores answer; and how their permanent refusals are recognised.
import { ActivityFailure, ApplicationFailure, proxyLocalActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities';

type Activities = ReturnType<typeof createActivities>;

const bookkeepingRetry = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' } as const;

/**
 * Local activities: inside the workflow task, on the worker that runs the workflow, recorded as one marker each
 * (no activity task, no extra workflow task). A retry backoff longer than `localRetryThreshold` becomes a durable
 * timer, so an OpenSearch outage does not hold a task.
 */
export const localBookkeeping = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: bookkeepingRetry,
  localRetryThreshold: '10 seconds',
});

/** Failure types with which the store refuses an alert for good (see the activities). */
const STORE_REFUSALS = ['StoreRefusedError', 'AlertConflictError'];

/**
 * The store's refusal in a bookkeeping failure, if it is one (then retrying cannot help). A local
 * activity's failure arrives as the ApplicationFailure itself, a regular one's wrapped in ActivityFailure.
 */
export function storeRefusal(err: unknown): ApplicationFailure | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof ApplicationFailure && STORE_REFUSALS.includes(cause.type ?? '') ? cause : undefined;
}

/** The group's record of its members' documents: one local activity per notification (a bulk of updates). */
export const groupBookkeeping = proxyLocalActivities<Activities>({
  startToCloseTimeout: '60 seconds',
  retry: bookkeepingRetry,
  localRetryThreshold: '10 seconds',
});
