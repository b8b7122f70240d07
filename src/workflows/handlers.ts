// Everything a delivery answers from outside, registered in one place: the status query; operators' retry, abandon
// and acknowledge; the resolved incident (a resolved event's delivery); the ends of silences and inhibitions.
import { condition, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { abandonUpdate, acknowledgeUpdate, incidentResolvedSignal, inhibitionEndedSignal, retryUpdate, silenceEndedSignal, statusQuery, type AckInput } from '../contracts/messages';
import { SA_ACKED_BY, SA_STATE } from '../contracts/search-attributes';
import { localBookkeeping } from './bookkeeping';
import type { Delivery } from './delivery';

export function registerHandlers(d: Delivery): void {
  const { state } = d;
  setHandler(statusQuery, () => state);

  setHandler(incidentResolvedSignal, ({ by }) => {
    d.resolvedBy ??= by;
  });
  // A silence expired early, an inhibition source resolved: the deliveries they held back look again (storm-steps.ts).
  // Sets, not the last one: several sources resolving together signal in one task, and a wake may arrive late.
  setHandler(silenceEndedSignal, ({ silenceId }) => {
    d.silencesEnded.add(silenceId);
  });
  setHandler(inhibitionEndedSignal, ({ sourceAlertId }) => {
    d.inhibitionsEnded.add(sourceAlertId);
  });

  setHandler(retryUpdate, async () => {
    const ticket = ++d.retriesRequested;
    await condition(() => d.retriesDone >= ticket || state.status === 'abandoned' || state.status === 'delivered');
    return state;
  }, {
    // A retry while a round of a parked alert is already running joins it (two operators, one round).
    validator: () => {
      const roundOfParkedAlert = state.status === 'pending' && state.parkedAt !== null;
      if (state.status !== 'failed' && !roundOfParkedAlert) throw new Error(`cannot retry: delivery is ${state.status}, not failed`);
    },
  });

  setHandler(abandonUpdate, async (reason: string) => {
    state.abandonReason = reason || 'abandoned by operator';
    d.notifyScope?.cancel();
    // A round already in flight may still deliver everything: then there is nothing left to abandon.
    await condition(() => state.status === 'abandoned' || state.status === 'delivered');
    return state;
  }, {
    validator: (reason: string) => {
      if (typeof reason !== 'string') throw new Error('abandon needs a reason (string)');
      if (state.status === 'delivered' || state.status === 'abandoned' || state.status === 'rejected') throw new Error(`cannot abandon: delivery is ${state.status}`);
    },
  });

  // A human takes the incident (alertctl ack, the ack link, the API): escalation stops.
  setHandler(acknowledgeUpdate, async ({ by, via, note }) => {
    if (state.ack) return state; // the first acknowledgement counts; a second one changes nothing
    state.ack = { by: by.trim(), at: new Date().toISOString(), via: via ?? 'api', ...(note ? { note } : {}) };
    state.incidentState = 'acknowledged';
    upsertSearchAttributes([{ key: SA_STATE, value: 'acknowledged' }, { key: SA_ACKED_BY, value: state.ack.by }]);
    await localBookkeeping.recordAcknowledged({ alertId: d.req.event.alertId, workflowId: workflowInfo().workflowId, by: state.ack.by, at: state.ack.at });
    await d.record();
    return state;
  }, {
    validator: (input: AckInput | undefined) => {
      if (typeof input?.by !== 'string' || !input.by.trim()) throw new Error('acknowledge needs `by`: who takes the incident');
      if (state.incidentState === undefined) throw new Error(`cannot acknowledge: this delivery is not an incident's page (${state.incident?.role ?? state.status})`);
      if (state.incidentState === 'resolved' || d.resolvedBy !== undefined) throw new Error('cannot acknowledge: the incident is resolved');
    },
  });
}
