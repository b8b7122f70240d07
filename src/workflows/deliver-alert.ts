// deliverAlert: one stream entry → one human notification, effectively once (docs/delivery.md).
// persist → the incident's role → storm control → notify → record → escalate; a required channel that keeps failing
// parks the alert, open and visible as `failed`, until it is retried or abandoned. A delivered alert takes one
// workflow task: persist, the first attempts and record are local activities; the ingest acks the stream entry.
import { isCancellation, workflowInfo } from '@temporalio/workflow';
import type { ChannelResult, DeliveryStatus } from '../contracts/channels';
import type { DeliveryRequest, DeliveryState, EscalationPlan, ParkedDelivery, PersistResult } from '../contracts/delivery';
import { localBookkeeping, storeRefusal } from './bookkeeping';
import { Delivery, newResult, type Exit } from './delivery';
import { escalate } from './escalate';
import { registerHandlers } from './handlers';
import { handOverToFiring } from './hand-over';
import { notifyRound, sendResolved } from './notify-steps';
import { stayParkedWhileFailed } from './parked';
import { handToGroup, waitOutHolds, wakeHeldBack } from './storm-steps';

/**
 * @param req the alert, as the ingest parsed it
 * @param parked set only when a parked run continued as new: it resumes waiting where it stood
 */
export async function deliverAlert(req: DeliveryRequest, parked?: ParkedDelivery): Promise<DeliveryState> {
  const d = new Delivery(req, parked);
  registerHandlers(d);
  try {
    const early = parked ? undefined : await firstDelivery(d);
    if (early) return await d.exit(early);
    await stayParkedWhileFailed(d);
    return await d.exit(await closeOut(d));
  } catch (err) {
    if (!isCancellation(err)) throw err;
    await recordCancelled(d); // cancelled from the UI or CLI: the document gets a final state, the run ends cancelled
    throw err;
  }
}

/** A new delivery up to its first notification and escalation; an exit when it ends before (or instead of) notifying. */
async function firstDelivery(d: Delivery): Promise<Exit | undefined> {
  const persisted = await persist(d);
  if ('exit' in persisted) return persisted.exit;
  const ended = (await takeIncidentRole(d, persisted)) ?? (await stormControl(d, persisted));
  if (ended) return ended;
  if (d.state.abandonReason !== null) return { status: 'abandoned', write: 'record' }; // abandoned while persisting: nothing sent
  await firstNotification(d, persisted.escalation, persisted.alreadyReached);
  if (persisted.escalation) await escalate(d, persisted.escalation, d.parkedAtMs);
  return undefined;
}

/** Durable state before any side effect; the channel plan. A refusal, or another run's end (store/found-document.ts), ends it. */
async function persist(d: Delivery): Promise<PersistResult | { exit: Exit }> {
  try {
    const persisted = await localBookkeeping.persistAlert(d.req, { runId: workflowInfo().runId });
    d.channels = persisted.channels;
    d.park = persisted.park;
    return persisted.finishedAs ? { exit: { status: persisted.finishedAs as DeliveryStatus, write: 'status' } } : persisted;
  } catch (err) {
    const refusal = storeRefusal(err);
    if (!refusal) throw err;
    d.state.rejectReason = refusal.message;
    return { exit: { status: 'rejected', write: 'status' } };
  }
}

/**
 * One page per incident (lifecycle/incidents.ts): a duplicate or unmatched event ends here; a resolve goes to the open
 * firing delivery (forwarded), to its group, or sends the resolved notifications itself; a page fires.
 */
async function takeIncidentRole(d: Delivery, { incident, endsInhibitions, group }: PersistResult): Promise<Exit | undefined> {
  if (!incident) return undefined; // the lifecycle is off
  d.state.incident = incident;
  if (incident.role === 'duplicate' || incident.role === 'unmatched') return { status: incident.role, write: 'record' };
  if (incident.role === 'page') {
    d.state.incidentState = 'firing';
    d.showIncidentState('firing');
    return undefined;
  }
  if (endsInhibitions) d.waking = wakeHeldBack(d);
  if (await handOverToFiring(incident.of)) return { status: 'forwarded', write: 'record' };
  if (group) {
    await handToGroup(d, group, 'resolved');
    return { status: 'grouped', write: 'record' };
  }
  d.resolves = { deliveryId: incident.firingDeliveryId, workflowId: incident.of };
  d.channels = await localBookkeeping.planResolved(incident.firingDeliveryId);
  return undefined;
}

/** Held back until its silence ends or its source resolves (storm-steps.ts); a grouped alert goes to its group. */
async function stormControl(d: Delivery, { suppressed, group }: PersistResult): Promise<Exit | undefined> {
  if (suppressed) {
    const after = await waitOutHolds(d, suppressed);
    if (after === 'resolved') return { status: d.state.status, write: 'record' }; // ends `silenced` / `inhibited`, never sent
    if (after !== 'notify') return { status: after, write: 'record' };
  }
  if (group) {
    await handToGroup(d, group, 'firing');
    return { status: 'grouped', write: 'record' };
  }
  return undefined;
}

/**
 * The routed channels (an escalation's first level) in parallel, first attempts in this task; then record. Channels
 * this run's lost first task already reached (its record says so) keep that result and are not notified again.
 */
async function firstNotification(d: Delivery, escalation?: EscalationPlan, alreadyReached: ChannelResult[] = []): Promise<void> {
  const names = escalation ? escalation.initial : d.channels.map((c) => c.name);
  const reached = (name: string) => alreadyReached.find((c) => c.channel === name);
  d.state.channels = d.channels.filter((c) => names.includes(c.name)).map((c) => reached(c.name) ?? newResult(c.name, c.required));
  await notifyRound(d, names.filter((n) => !reached(n)), true);
  await d.record();
  d.parkedAtMs = Date.now();
}

/** After the parked wait: an abandoned delivery is recorded so; a resolved incident's channels hear of it. */
async function closeOut(d: Delivery): Promise<Exit> {
  const { state } = d;
  if (state.abandonReason !== null && state.status !== 'delivered') {
    state.status = 'abandoned';
    await d.record();
  }
  if (d.resolvedBy !== undefined) await sendResolved(d, d.resolvedBy);
  return { status: state.status, write: 'nothing' };
}

async function recordCancelled(d: Delivery): Promise<void> {
  const { state } = d;
  if (state.status === 'delivered' || state.status === 'abandoned') return;
  state.abandonReason ??= 'cancelled: the workflow was cancelled (UI or CLI)';
  state.status = 'abandoned';
  await d.record();
}
