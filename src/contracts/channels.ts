// The channel side of a delivery: its statuses, how each channel is tried (the plan), what a failing one does
// (the park policy), and each channel's result.
import type { RetryPolicy } from '@temporalio/common';

/**
 * `rejected`: the store refused the alert (a value the index cannot hold, or its ID holds another alert):
 * nothing was sent, the reason is in `rejectReason`. The document may also say `terminated` (the
 * workflow was terminated or timed out; written by the reconciler, never by the workflow).
 */
export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'abandoned' | 'rejected' | LifecycleStatus | StormStatus;
/**
 * Lifecycle outcomes, nothing sent by this delivery: `duplicate` (its incident is already paged or resolved:
 * see `incident.of`), `unmatched` (a resolved event for no known firing incident), `forwarded` (a resolved
 * event handed to the still-open firing delivery, which sends the resolved notifications).
 */
export type LifecycleStatus = 'duplicate' | 'unmatched' | 'forwarded';
/**
 * Storm control (docs/storm-control.md), nothing sent by this delivery itself: `grouped` (handed to its group's
 * workflow, whose next notification carries it; the group marks the document `delivered` with that notification's key),
 * `silenced` (a silence matched and was still in force when the delivery ended: see `suppressedBy`),
 * `inhibited` (a firing source alert of an inhibit rule holds it back: see `suppressedBy`; open until the source
 * resolves, then notified unless its own incident resolved; it ends `inhibited` when both went stale).
 */
export type StormStatus = 'grouped' | 'silenced' | 'inhibited';
export type ChannelStatus = 'pending' | 'delivered' | 'failed';

/** How one channel is tried: decided by the worker's channel config, recorded in history by `persistAlert`. */
export interface ChannelPlan {
  name: string;
  type: string;
  /** A required channel counts toward `delivered`; a best-effort one is recorded but never parks the alert. */
  required: boolean;
  /** Per-attempt timeout (ms). */
  timeoutMs: number;
  /** How long one round may keep retrying this channel (ms): then it counts as failed and the alert parks. */
  deadlineMs: number;
  retry: RetryPolicy;
  /** Set for a rate-limited channel: its notifications wait in this task queue (delayed, never dropped). */
  taskQueue?: string;
  /**
   * Set when the plan reaches a person (on call: a resolved notification to someone who was paged): `name` is
   * `<person>:<contact>`, and the notification goes through the channel `via` to the address the on-call file gives.
   */
  reaches?: { person: string; contact: string; via: string };
}

/** What the workflow does when a required channel fails (from the worker's config; 0 = off). */
export interface ParkPolicy {
  /** Re-run failed channels automatically every this many ms while parked. */
  redriveIntervalMs: number;
  /** Give up (status `abandoned`) this many ms after the alert was first parked. */
  giveUpAfterMs: number;
}

export interface ChannelResult {
  channel: string;
  status: ChannelStatus;
  required: boolean;
  /** Attempts made so far, over all rounds. */
  attempts: number;
  lastError: string | null;
  /** Error class of the last failure (`PermanentDeliveryError`, `TransientDeliveryError`, timeout …). */
  lastErrorType: string | null;
  deliveredAt: string | null;
}

/** Returned by `notifyChannel` when the receiver accepted the alert. */
export interface NotifyResult {
  attempt: number;
  deliveredAt: string;
  /** HTTP status or protocol answer, for the record. */
  response: string;
}
