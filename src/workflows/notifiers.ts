// The notify activity, as the workflow calls it: one proxy per channel plan (each channel has its own timeout,
// retry policy and delivery deadline), and the local first attempt of the one-task delivery.
import { ActivityFailure, ApplicationFailure, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { ChannelPlan } from '../contracts/channels';

type Notify = ReturnType<typeof createActivities>['notifyChannel'];

/**
 * The channel's regular activity: its retry policy and deadline, its attempts visible in the UI.
 * `after`: attempts already made by a local first attempt, and when it began (they count against both).
 */
export function notifierFor(plan: ChannelPlan, after?: { attempts: number; elapsedMs: number }): Notify {
  return proxyActivities<ReturnType<typeof createActivities>>({
    startToCloseTimeout: plan.timeoutMs,
    // A finite deadline per round: "unlimited attempts" means "until the deadline", then the alert parks.
    scheduleToCloseTimeout: Math.max(plan.deadlineMs - (after?.elapsedMs ?? 0), 1),
    // A slow request heartbeats (see notifyChannel), so a cancellation reaches it; a stuck worker times out.
    heartbeatTimeout: plan.timeoutMs,
    retry: after ? remainderOf(plan, after.attempts).retry : plan.retry,
    ...(plan.taskQueue ? { taskQueue: plan.taskQueue } : {}),
    summary: `notify ${plan.name}`,
  }).notifyChannel;
}

/** The plan the regular activity runs after `attempts` local ones: the attempts left of a finite maximum. */
export function remainderOf(plan: ChannelPlan, attempts: number): ChannelPlan {
  const maximumAttempts = plan.retry.maximumAttempts ?? 0;
  return maximumAttempts > 0 ? { ...plan, retry: { ...plan.retry, maximumAttempts: Math.max(maximumAttempts - attempts, 1) } } : plan;
}

/**
 * The first attempt, as a local activity: it runs inside the workflow task that persisted the alert, so a
 * delivered alert needs no activity task and no second workflow task. One attempt only: when it fails, the
 * regular activity takes over. Not for a rate-limited channel (its task queue is where the server throttles).
 */
export function localFirstAttemptFor(plan: ChannelPlan): Notify {
  return proxyLocalActivities<ReturnType<typeof createActivities>>({
    startToCloseTimeout: plan.timeoutMs,
    retry: { maximumAttempts: 1 },
    summary: `notify ${plan.name} (first attempt)`,
  }).notifyChannel;
}

/** A channel the first attempt may be made for locally: one without a rate limit (see localFirstAttemptFor). */
export const firstAttemptMayRunLocally = (plan: ChannelPlan): boolean => plan.taskQueue === undefined;

/** The failure inside an activity failure (a local activity's may also arrive unwrapped). */
export const causeOf = (err: unknown): unknown => (err instanceof ActivityFailure ? err.cause : err);

/**
 * After a failed first attempt, whether the regular activity should take over, and after how long: not for a
 * permanent failure or a policy of one attempt (those end the round, as the activity's own retries would);
 * otherwise after the receiver's Retry-After, or the policy's first interval (default 1 s, as Temporal's).
 */
export function retryAfterFirstAttempt(err: unknown, plan: ChannelPlan): { delayMs: number } | null {
  const cause = causeOf(err);
  if (cause instanceof ApplicationFailure && cause.nonRetryable) return null;
  if ((plan.retry.maximumAttempts ?? 0) === 1) return null;
  // Retry-After travels in the failure's details (a workflow does not see nextRetryDelay: see notifyChannel).
  const retryAfter = cause instanceof ApplicationFailure ? (cause.details?.[0] as { retryAfterMs?: number } | undefined)?.retryAfterMs : undefined;
  const initial = typeof plan.retry.initialInterval === 'number' ? plan.retry.initialInterval : 1000;
  return { delayMs: Math.max(retryAfter ?? initial, 1) };
}
