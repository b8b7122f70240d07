// The persist step and what the incident lifecycle asks of the store: durable state before any side effect, the
// delivery's role in its incident and its storm control decided; the resolved plan; the acknowledgement.
import { Context } from '@temporalio/activity';
import { AlertConflictError, StoreRefusedError } from '../errors';
import { storeRefused } from '../metrics';
import { onFoundDocument } from '../store/found-document';
import type { ChannelPlan } from '../contracts/channels';
import type { DeliveryRequest, IncidentClaim, PersistResult } from '../contracts/delivery';
import { workflowIdFor } from '../contracts/ids';
import { screen } from '../storm/screen';
import { refused, type ActivityDeps } from './deps';

/** Why a resolved event is not sent with ALERT_LIFECYCLE=off (its document's incidentNote). */
export const LIFECYCLE_OFF_RESOLVED =
  'the incident lifecycle is off (ALERT_LIFECYCLE=off): no incident record is kept, so a resolved event is recorded, not sent';

export function createPersistActivities(deps: ActivityDeps) {
  const { store, channels, park } = deps;
  return {
    /**
     * Durable state before any side effect: create-if-absent, so a retry never overwrites a later state. A document
     * found there is judged by store/found-document.ts: this run's own progress (a retried first task) resumes, another
     * run's end ends this one (`finishedAs`). A value the index refuses, or an ID that holds another alert, fails
     * non-retryably; a refused alert leaves a `rejected` record.
     * @param run the workflow run persisting (the document remembers which run created it)
     */
    async persistAlert(req: DeliveryRequest, run: { runId: string }): Promise<PersistResult> {
      const { deliveryId } = req;
      const { runId } = run;
      try {
        const found = await store.createIfAbsent(req, deliveryId, runId);
        const verdict = onFoundDocument(found.created ? undefined : { status: found.existingStatus ?? 'pending', runId: found.existingRunId }, runId);
        if (verdict.action === 'end') return { finishedAs: verdict.as, channels: channels.plan(req.event), park };
        // Another run's document that never got past persist: this run takes it over (so its own retry finds it as its own).
        if (!found.created && verdict.action === 'deliver') await store.update(deliveryId, { runId });
        const decided = await decide(deps, req, deliveryId);
        // A lost first task of this run: the channels it notified and recorded are found, not notified again.
        const reached = verdict.action === 'resume' ? (found.existingDeliveries ?? []).filter((c) => c.status === 'delivered') : [];
        return reached.length ? { ...decided, alreadyReached: reached } : decided;
      } catch (e) {
        if (!(e instanceof StoreRefusedError || e instanceof AlertConflictError)) throw e;
        const log = Context.current().log;
        const where = { messageId: req.messageId, deliveryId, workflowId: workflowIdFor(req.stream, req.messageId), alertId: req.event.alertId };
        storeRefused.inc({ operation: e instanceof AlertConflictError ? 'conflict' : e.operation });
        log.error('alert refused by the store: delivery ends as rejected', { ...where, error: e.message });
        if (e instanceof StoreRefusedError) {
          // The values the index refused stay out of the record; the raw event is kept (not indexed) for the operator.
          await store.reject(deliveryId, req.messageId, e.message, ['event', JSON.stringify(req.event)], { workflowId: where.workflowId, runId, alertId: req.event.alertId })
            .catch((err: Error) => {
              log.error('the rejection could not be recorded either', { ...where, error: err.message });
            });
        }
        throw refused(e);
      }
    },

    /**
     * The resolved notifications of a finished firing delivery: one per channel it reached (its document's
     * delivered channels), each under the key that receiver already knows.
     */
    async planResolved(firingDeliveryId: string): Promise<ChannelPlan[]> {
      const firing = await store.get(firingDeliveryId);
      const delivered = (firing?.deliveries ?? []).filter((d) => d.status === 'delivered').map((d) => d.channel);
      // Channels: a repeat at a later level (`pager:level-2`) is a result under a derived name (channel names have no
      // colon), not a channel to tell again. People: each paged person through the first contact that reached them.
      return [...channels.planNamed(delivered.filter((name) => !name.includes(':'))), ...peopleReached(delivered, deps)];
    },

    /** Records that the open firing delivery acknowledged its incident (the incident record says who and when). */
    async recordAcknowledged({ alertId, workflowId, by, at }: { alertId: string; workflowId: string; by: string; at: string }): Promise<void> {
      await store.incidents.acknowledge(alertId, workflowId, by, at);
    },
  };
}

/** A person's contact result is `<person>:<contact>:<n>` (workflows/page-people.ts). */
const CONTACT_RESULT = /^([^:]+):([^:]+):\d+$/;

/** The plans that tell each paged person of the resolve: their first contact that was reached, if still in the on-call file. */
function peopleReached(delivered: string[], { oncall, channels }: ActivityDeps): ChannelPlan[] {
  const first = new Map<string, string>();
  for (const [, person, contact] of delivered.map((name) => CONTACT_RESULT.exec(name) ?? [])) if (person && !first.has(person)) first.set(person, contact);
  return [...first].flatMap(([person, contact]) => {
    const via = oncall?.contactOf(person, contact)?.via;
    return via ? [{ ...channels.planNamed([via])[0], name: `${person}:${contact}`, required: false, reaches: { person, contact, via } }] : [];
  });
}

/**
 * Storm control for a paging alert (docs/storm-control.md): it is recorded as an inhibition source if a rule
 * names it, then screened (silence, inhibition), and its route's group found.
 */
async function stormControl({ store, channels, silences }: ActivityDeps, req: DeliveryRequest, source: { deliveryId: string; workflowId: string }): Promise<Pick<PersistResult, 'suppressed' | 'group'>> {
  const { event } = req;
  if (store.inhibitions.enabled) await store.inhibitions.sourceFiring(event, source);
  const suppressed = await screen(event, silences, store.inhibitions);
  const group = channels.grouping(event, req.stream);
  return { ...(suppressed ? { suppressed } : {}), ...(group ? { group } : {}) };
}

/**
 * What this delivery does (the same answer when a retried first task asks again): without the lifecycle every
 * firing event pages; with it, the incident claim decides (only a page notifies the routed channels, see
 * lifecycle/incidents.ts), then escalation, storm control and the route's group.
 */
async function decide(deps: ActivityDeps, req: DeliveryRequest, deliveryId: string): Promise<PersistResult> {
  const { store, channels, park, lifecycle = true } = deps;
  const workflowId = workflowIdFor(req.stream, req.messageId);
  if (!lifecycle) {
    // A resolved event cannot be matched to its firing without the record: recorded as unmatched, not sent.
    if (req.event.status === 'resolved') return { channels: [], park, incident: { role: 'unmatched', reason: LIFECYCLE_OFF_RESOLVED } };
    return { channels: channels.plan(req.event), park, ...(await stormControl(deps, req, { deliveryId, workflowId })) };
  }
  const claimant = { alertId: req.event.alertId, deliveryId, workflowId, firedAt: req.event.firedAt };
  const incident: IncidentClaim = req.event.status === 'resolved' ? await store.incidents.claimResolve(claimant) : await store.incidents.claimFiring(claimant);
  const page = incident.role === 'page';
  const escalation = page ? channels.escalation(req.event) : undefined;
  // A resolve: its alert no longer inhibits; if its route groups, the resolved event goes to the group.
  const endsInhibitions = incident.role === 'resolve' && store.inhibitions.enabled && (await store.inhibitions.sourceResolved(req.event)) > 0;
  const group = incident.role === 'resolve' ? channels.grouping(req.event, req.stream) : undefined;
  const storm = page ? await stormControl(deps, req, claimant) : group ? { group } : {};
  return {
    channels: page || group ? channels.plan(req.event) : [], park, incident,
    ...(escalation ? { escalation } : {}), ...storm, ...(endsInhibitions ? { endsInhibitions } : {}),
  };
}
