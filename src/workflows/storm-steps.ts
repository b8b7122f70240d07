// The storm-control steps of one delivery (docs/storm-control.md): held back by a silence or an inhibition,
// or handed to its group. Workflow code: deterministic, no I/O (the activities do it).
import { condition, setHandler, workflowInfo } from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import {
  SA_GROUP, SA_SUPPRESSED_BY, silenceEndedSignal, suppressedByValue,
  type AlertStatus, type ChannelPlan, type DeliveryRequest, type DeliveryState, type GroupRef, type Suppression,
} from '../shared';
import { localBookkeeping } from './bookkeeping';

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

/** Registers the `silenceEnded` signal; returns the steps. Call once, before the delivery waits. */
export function stormSteps({ req, deliveryId, state, record, addAttribute, resolvedBy }: StormDeps) {
  const { joinGroup, silenceInForce } = localBookkeeping;
  /** Set by `silence expire`: the silence that ended early. */
  let silenceEnded: string | undefined;
  setHandler(silenceEndedSignal, ({ silenceId }) => {
    silenceEnded = silenceId;
  });

  /** What holds the alert back, for its document and AlertSuppressedBy. */
  function holdBack(suppression: Suppression): void {
    state.suppressedBy = suppression;
    addAttribute({ key: SA_SUPPRESSED_BY, value: suppressedByValue(suppression) });
  }

  /**
   * Held back by a silence: open, status `silenced`, until no silence holds it any more (its end, a durable
   * timer, or `silence expire`, a signal), its incident resolved, or an operator abandoned it. When the silence
   * ends, an inhibit rule whose source fires by then holds it back instead (as Alertmanager's, checked on sending).
   */
  async function waitOutSilences(first: Suppression): Promise<'notify' | 'resolved' | 'abandoned' | 'inhibited'> {
    let silence = first;
    for (;;) {
      holdBack(silence);
      state.status = 'silenced';
      await record();
      const until = silence.kind === 'silence' ? Date.parse(silence.endsAt) : Date.now();
      const current = silence;
      const woken = () => (current.kind === 'silence' && silenceEnded === current.silenceId) || resolvedBy() !== undefined || state.abandonReason !== null;
      await condition(woken, Math.max(until - Date.now(), 1));
      if (resolvedBy() !== undefined) {
        state.resolvedBy = resolvedBy();
        return 'resolved';
      }
      if (state.abandonReason !== null) return 'abandoned';
      const next = await silenceInForce(req.event);
      if (!next) return 'notify';
      if (next.kind === 'inhibit') {
        holdBack(next); // the silence is over, but a firing source holds it back now: it ends `inhibited`
        return 'inhibited';
      }
      silence = next;
    }
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

  return { holdBack, waitOutSilences, handToGroup };
}
