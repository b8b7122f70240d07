// What a delivery does when its persist step finds the alert's document already there: decided here, once.
//
// A document is written by the one workflow run that delivers the alert: created by its persist step, then
// updated as it goes (held back, notified, parked, ...). Its status therefore means two different things:
//   - written by *this* run: the run's own progress. Persist, the first attempts and record run as local activities
//     inside the first workflow task; when that task is lost (kill -9 of the worker, a task timeout), the retried task
//     runs them again and finds what the lost attempt wrote. Nothing has ended: the delivery decides again and carries
//     on (its earlier side effects are found by their keys). Only `rejected` is the persist step's own verdict: the
//     store refused the alert, and refuses it again.
//   - written by *another* run of the same workflow ID: that run has closed (the workflow ID admits one running
//     execution), so the status is how that delivery ended, e.g. a stream replayed after its run closed. It ends the
//     new run, which notifies nothing; unless it is still `pending`: that run never got past persist (nothing sent).
import type { DeliveryStatus } from '../contracts/channels';

/**
 * - `open`: the delivery is under way (`pending`: persisted, not yet recorded; `failed`: parked, retryable);
 * - `hold`: held back, waiting for its silence to end or its inhibition source to resolve;
 * - `final`: the delivery has ended (`terminated` is written by the reconciler only).
 */
export type StatusKind = 'open' | 'hold' | 'final';

/** Every status a document can hold, and its kind. */
export const STATUS_KINDS: Readonly<Record<DeliveryStatus | 'terminated', StatusKind>> = {
  pending: 'open',
  failed: 'open',
  silenced: 'hold',
  inhibited: 'hold',
  delivered: 'final',
  abandoned: 'final',
  rejected: 'final',
  terminated: 'final',
  duplicate: 'final',
  unmatched: 'final',
  forwarded: 'final',
  grouped: 'final',
};

/** The kind of a document's status; an unknown status (none written by this code) counts as final: never re-notified. */
export function statusKind(status: string): StatusKind {
  return (STATUS_KINDS as Record<string, StatusKind>)[status] ?? 'final';
}

/** What the persist step does: deliver (no document, or another run's that never got past persist), resume its own, or end. */
export type FoundVerdict = { action: 'deliver' } | { action: 'resume' } | { action: 'end'; as: string };

/**
 * @param found the document's status and the run that created it (absent: no document was there)
 * @param runId the run now persisting
 */
export function onFoundDocument(found: { status: string; runId?: string } | undefined, runId: string): FoundVerdict {
  if (!found) return { action: 'deliver' };
  if (found.runId === runId) return found.status === 'rejected' ? { action: 'end', as: 'rejected' } : { action: 'resume' };
  return found.status === 'pending' ? { action: 'deliver' } : { action: 'end', as: found.status };
}
