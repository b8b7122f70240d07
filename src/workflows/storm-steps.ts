// The storm-control steps of one delivery (docs/storm-control.md): held back by a silence or an inhibition,
// or handed to its group; a resolved inhibition source wakes what it held back. Workflow code: deterministic,
// no I/O (the activities do it).
import { condition, log, patched, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { createActivities } from '../activities';
import {
  SA_GROUP, SA_SUPPRESSED_BY, inhibitionEndedSignal, silenceEndedSignal, suppressedByValue,
  type AlertStatus, type ChannelPlan, type DeliveryRequest, type DeliveryState, type GroupRef, type Suppression,
} from '../shared';
import { localBookkeeping } from './bookkeeping';

type Activities = ReturnType<typeof createActivities>;
/** A source recorded before `until` existed goes stale this long after the wait began (INCIDENT_TIMEOUT's default). */
const DEFAULT_SOURCE_STALE_MS = 24 * 3_600_000;

export interface StormDeps {
  req: DeliveryRequest;
  deliveryId: string;
  state: DeliveryState;
  /** Records the state: the document, and AlertDeliveryStatus with the attributes waiting to go out. */
  record: () => Promise<void>;
  /** Sends a search attribute with the next status update (one upsert, not two). */
  addAttribute: (pair: SearchAttributeUpdatePair) => void;
  /** Set once the delivery's incident was resolved (the resolved event's hand-over). */
  resolvedBy: () => string | undefined;
}

/** Since this patch an inhibited delivery waits for its source to resolve; before it, it ended `inhibited` at once. */
export const INHIBITED_WAITS = 'inhibited-waits-for-source';
/** Since this patch a source's resolve wakes the deliveries it held back (wakeInhibited). */
export const WAKE_INHIBITED = 'wake-inhibited';

/** The source's resolve wakes what it held back: a regular activity (it lists visibility twice, seconds apart). */
const { wakeInhibited } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 10 },
});

/** Registers the `silenceEnded` and `inhibitionEnded` signals; returns the steps. Call once, before the delivery waits. */
export function stormSteps({ req, deliveryId, state, record, addAttribute, resolvedBy }: StormDeps) {
  const { joinGroup, silenceInForce, confirmHold, incidentStillFiring } = localBookkeeping;
  /** Set by `silence expire`: the silence that ended early. */
  let silenceEnded: string | undefined;
  setHandler(silenceEndedSignal, ({ silenceId }) => {
    silenceEnded = silenceId;
  });
  /**
   * Filled by the sources' resolves: the source alerts that stopped inhibiting. A set, not the last one: several
   * sources resolving together signal in one task, and a wake meant for an earlier hold may arrive late.
   */
  const inhibitionsEnded = new Set<string>();
  setHandler(inhibitionEndedSignal, ({ sourceAlertId }) => {
    inhibitionsEnded.add(sourceAlertId);
  });

  /** What holds the alert back, for its document and AlertSuppressedBy. */
  function holdBack(suppression: Suppression): void {
    state.suppressedBy = suppression;
    addAttribute({ key: SA_SUPPRESSED_BY, value: suppressedByValue(suppression) });
  }

  /** When the hold ends by itself: the silence's end; the source's staleness (none recorded: INCIDENT_TIMEOUT's default from now). */
  function holdEndsAt(hold: Suppression): number {
    if (hold.kind === 'silence') return Date.parse(hold.endsAt);
    return hold.until ? Date.parse(hold.until) : Date.now() + DEFAULT_SOURCE_STALE_MS;
  }

  /** The hold was lifted early: its silence expired, or its source resolved (a signal). */
  function lifted(hold: Suppression): boolean {
    return hold.kind === 'silence' ? silenceEnded === hold.silenceId : inhibitionsEnded.has(hold.by.alertId);
  }

  /**
   * Held back by a silence (status `silenced`) or an inhibition source (`inhibited`, since INHIBITED_WAITS): open
   * until the hold ends (the silence's end or the source's staleness, durable timers; `silence expire` or the
   * source's resolve, signals), its incident resolved, or an operator abandoned it. Then it looks again, as
   * Alertmanager does when it sends: another silence or a firing source holds it back now, or it is notified.
   * A source that went stale without resolving lifts nothing if the alert's own incident went stale too: it ends
   * `inhibited`. Before INHIBITED_WAITS a silence that ended with a source firing ended `inhibited` at once.
   *
   * Each hold is recorded, then confirmed (storm/held.ts): a wake lists the held deliveries from their documents, so
   * one that listed before this record missed it; the second look, after the record, sees such a hold ended.
   */
  async function waitOutHolds(first: Suppression): Promise<'notify' | 'resolved' | 'abandoned' | 'inhibited'> {
    let hold = first;
    for (;;) {
      holdBack(hold);
      state.status = hold.kind === 'silence' ? 'silenced' : 'inhibited';
      await record();
      const confirmed = await confirmHold(req.event);
      if (!confirmed) return 'notify';
      const moved = suppressedByValue(confirmed) !== suppressedByValue(hold);
      hold = confirmed;
      if (moved) continue; // another silence or source holds it now: record that one (and confirm it)
      const current = hold;
      const endsAt = holdEndsAt(current);
      const woken = () => lifted(current) || resolvedBy() !== undefined || state.abandonReason !== null;
      await condition(woken, Math.max(endsAt - Date.now(), 1));
      if (resolvedBy() !== undefined) {
        state.resolvedBy = resolvedBy();
        return 'resolved';
      }
      if (state.abandonReason !== null) return 'abandoned';
      const sourceWentStale = current.kind === 'inhibit' && !lifted(current) && Date.now() >= endsAt;
      if (sourceWentStale && !(await incidentStillFiring(req.event.alertId))) return 'inhibited';
      const next = await silenceInForce(req.event);
      if (!next) return 'notify';
      if (next.kind === 'inhibit' && !patched(INHIBITED_WAITS)) {
        holdBack(next); // (older runs) the silence is over, but a firing source holds it back now: it ends `inhibited`
        return 'inhibited';
      }
      hold = next;
    }
  }

  /** This resolve ended an inhibition source: wake the deliveries it held back (runs beside the rest of the delivery). */
  function wakeHeldBack(): Promise<unknown> {
    return wakeInhibited({ sourceAlertId: req.event.alertId }).catch((err: Error) => {
      // they still wake when the source goes stale (their timer): visible as `inhibited` meanwhile
      log.warn('could not wake the deliveries this source held back', { sourceAlertId: req.event.alertId, error: err.message });
    });
  }

  /**
   * The alert goes out with its group's next notification: the group's workflow takes it (signal-with-start).
   * Which notification carried it, the group writes into the alert's document when it sends.
   */
  async function handToGroup(group: GroupRef, status: AlertStatus, channels: ChannelPlan[]): Promise<void> {
    const { event } = req;
    await joinGroup({
      ref: group, channels,
      member: { alertId: event.alertId, deliveryId, workflowId: workflowInfo().workflowId, status, severity: event.severity, title: event.title.slice(0, 200), ruleName: event.ruleName, firedAt: event.firedAt },
    });
    state.group = { id: group.workflowId };
    addAttribute({ key: SA_GROUP, value: group.workflowId });
  }

  return { holdBack, waitOutHolds, handToGroup, wakeHeldBack };
}
