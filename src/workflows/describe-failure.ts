// Which failures are a channel's, and how a failed or cancelled notify activity is recorded: attempts, last error and its type (workflow code:
// deterministic, no I/O). Channel errors are written without secrets.
import { ActivityFailure, ApplicationFailure, TimeoutFailure, isCancellation } from '@temporalio/workflow';
import type { ChannelPlan, ChannelResult } from '../contracts/channels';

/**
 * What a channel's notification may fail with: its activity's failure, a cancellation (abandon), or, from a
 * local first attempt, the failure itself. Anything else is a bug in the workflow and fails the workflow task.
 */
export const isChannelFailure = (err: unknown): boolean =>
  err instanceof ActivityFailure || err instanceof ApplicationFailure || err instanceof TimeoutFailure || isCancellation(err);

/** Turns an activity failure into the fields we record (no secrets: channel errors are written without them). */
export function describeFailure(err: unknown, plan: ChannelPlan, attemptsBefore: number): Pick<ChannelResult, 'attempts' | 'lastError' | 'lastErrorType'> {
  if (isCancellation(err)) {
    return { attempts: attemptsBefore + 1, lastError: 'cancelled: alert abandoned while this channel was being tried', lastErrorType: 'Cancelled' };
  }
  const cause = err instanceof ActivityFailure ? err.cause : err;
  // The channel's delivery deadline (scheduleToClose) passed while it kept retrying: say so, with its last error.
  if (err instanceof ActivityFailure && err.retryState === 'TIMEOUT' && cause instanceof ApplicationFailure) {
    const detail = cause.details?.[0] as { attempt?: number } | undefined;
    return {
      attempts: attemptsBefore + (detail?.attempt ?? 1),
      lastError: `delivery deadline of ${Math.round(plan.deadlineMs / 1000)}s passed; last error: ${cause.message}`,
      lastErrorType: 'DeadlineExceeded',
    };
  }
  if (cause instanceof ApplicationFailure) {
    const detail = cause.details?.[0] as { attempt?: number } | undefined;
    return {
      attempts: attemptsBefore + (detail?.attempt ?? plan.retry.maximumAttempts ?? 1),
      lastError: cause.message,
      lastErrorType: cause.type ?? 'Error',
    };
  }
  if (cause instanceof TimeoutFailure) {
    // SCHEDULE_TO_CLOSE: the channel's delivery deadline passed while it kept retrying; its last error says why.
    const deadline = cause.timeoutType === 'SCHEDULE_TO_CLOSE';
    const last = cause.cause instanceof Error ? `; last error: ${cause.cause.message}` : '';
    return {
      attempts: attemptsBefore + (deadline ? 1 : plan.retry.maximumAttempts ?? 1),
      lastError: deadline
        ? `delivery deadline of ${Math.round(plan.deadlineMs / 1000)}s passed (SCHEDULE_TO_CLOSE)${last}`
        : `timed out (${cause.timeoutType === undefined ? 'timeout' : String(cause.timeoutType)})${last}`,
      lastErrorType: 'Timeout',
    };
  }
  return { attempts: attemptsBefore + 1, lastError: cause instanceof Error ? cause.message : String(cause), lastErrorType: 'Error' };
}
