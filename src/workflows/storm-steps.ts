// The storm-control steps of one delivery (docs/storm-control.md): held back by a silence or an inhibition,
// or handed to its group; a resolved inhibition source wakes what it held back. Workflow code: deterministic,
// no I/O (the activities do it).
import { condition, log, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { AlertStatus } from '../contracts/alert';
import type { Suppression } from '../contracts/delivery';
import type { GroupRef } from '../contracts/group';
import { enqueuedAtOf } from '../contracts/ids';
import { SA_GROUP, SA_SUPPRESSED_BY, suppressedByValue } from '../contracts/search-attributes';
import { localBookkeeping } from './bookkeeping';
import type { Delivery } from './delivery';

type Activities = ReturnType<typeof createActivities>;

/** The source's resolve wakes what it held back: a regular activity (it lists and signals, maybe thousands). */
const { wakeInhibited } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 10 },
});
const { joinGroup, silenceInForce, confirmHold, incidentStillFiring } = localBookkeeping;

/** What holds the alert back, for its document and AlertSuppressedBy. */
function holdBack(d: Delivery, hold: Suppression): void {
  d.state.suppressedBy = hold;
  d.state.status = hold.kind === 'silence' ? 'silenced' : 'inhibited';
  d.addAttribute({ key: SA_SUPPRESSED_BY, value: suppressedByValue(hold) });
}

/** When the hold ends by itself: the silence's end; the source's staleness. */
function holdEndsAt(hold: Suppression): number {
  return Date.parse(hold.kind === 'silence' ? hold.endsAt : hold.until);
}

/** The hold was lifted early: its silence expired, or its source resolved (a signal: handlers.ts). */
function lifted(d: Delivery, hold: Suppression): boolean {
  return hold.kind === 'silence' ? d.silencesEnded.has(hold.silenceId) : d.inhibitionsEnded.has(hold.by.alertId);
}

export type AfterHold = 'notify' | 'resolved' | 'abandoned' | 'inhibited';

/**
 * Held back by a silence (status `silenced`) or an inhibition source (`inhibited`): open until the hold ends (the
 * silence's end or the source's staleness, durable timers; `silence expire` or the source's resolve, signals), its
 * incident resolved, or an operator abandoned it. Then it looks again, as Alertmanager does when it sends: another
 * silence or a firing source holds it back now, or it is notified. A source that went stale without resolving lifts
 * nothing if the alert's own incident went stale too: it ends `inhibited`.
 *
 * Each hold is recorded, then confirmed (storm/held.ts): a wake lists the held deliveries from their documents, so
 * one that listed before this record missed it; the second look, after the record, sees such a hold ended.
 */
export async function waitOutHolds(d: Delivery, first: Suppression): Promise<AfterHold> {
  const { req, state } = d;
  let hold = first;
  for (;;) {
    holdBack(d, hold);
    await d.record();
    const confirmed = await confirmHold(req.event);
    if (!confirmed) return 'notify';
    const moved = suppressedByValue(confirmed) !== suppressedByValue(hold);
    hold = confirmed;
    if (moved) continue; // another silence or source holds it now: record that one (and confirm it)
    const current = hold;
    const endsAt = holdEndsAt(current);
    await condition(() => lifted(d, current) || d.resolvedBy !== undefined || state.abandonReason !== null, Math.max(endsAt - Date.now(), 1));
    if (d.resolvedBy !== undefined) {
      state.resolvedBy = d.resolvedBy;
      return 'resolved';
    }
    if (state.abandonReason !== null) return 'abandoned';
    const sourceWentStale = current.kind === 'inhibit' && !lifted(d, current) && Date.now() >= endsAt;
    if (sourceWentStale && !(await incidentStillFiring(req.event.alertId))) return 'inhibited';
    const next = await silenceInForce(req.event);
    if (!next) return 'notify';
    hold = next;
  }
}

/** This resolve ended an inhibition source: wake the deliveries it held back (runs beside the rest of the delivery). */
export function wakeHeldBack(d: Delivery): Promise<unknown> {
  const sourceAlertId = d.req.event.alertId;
  return wakeInhibited({ sourceAlertId }).catch((err: Error) => {
    // they still wake when the source goes stale (their timer): visible as `inhibited` meanwhile
    log.warn('could not wake the deliveries this source held back', { sourceAlertId, error: err.message });
  });
}

/** When the member's stream entry was added and its delivery started (the group paces its notifications by them). */
const streamMark = (messageId: string) => {
  const enqueuedAt = enqueuedAtOf(messageId);
  return enqueuedAt === undefined ? {} : { enqueuedAt, startedAt: workflowInfo().startTime.getTime() };
};

/**
 * The alert goes out with its group's next notification: the group's workflow takes it (signal-with-start).
 * Which notification carried it, the group writes into the alert's document when it sends.
 */
export async function handToGroup(d: Delivery, group: GroupRef, status: AlertStatus): Promise<void> {
  const { event } = d.req;
  await joinGroup({
    ref: group, channels: d.channels,
    member: { alertId: event.alertId, deliveryId: d.deliveryId, workflowId: workflowInfo().workflowId, status, severity: event.severity, title: event.title.slice(0, 200), ruleName: event.ruleName, firedAt: event.firedAt,
      ...streamMark(d.req.messageId) },
  });
  d.state.group = { id: group.workflowId };
  d.addAttribute({ key: SA_GROUP, value: group.workflowId });
}
