// The delivery activities, built by a factory over the process's connections.
// Each is idempotent: Temporal may run any of them more than once.
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { ChannelRegistry } from '../channels/registry';
import type { OutgoingAlert } from '../channels/types';
import { ackLink, type AckLinkSettings } from '../ack-links';
import { AlertConflictError, PermanentDeliveryError, StoreRefusedError, TransientDeliveryError } from '../errors';
import { channelAttempts, channelLatency, channelResults, deliveriesRecorded, storeRefused } from '../metrics';
import type { AlertStore } from '../store';
import { onFoundDocument } from '../store/found-document';
import { workflowIdFor, type AlertEvent, type ChannelPlan, type DeliveryRequest, type GroupNotice, type IncidentClaim, type NotifyResult, type ParkPolicy, type PersistResult, type RecordInput, type ResolvesRef, type Suppression } from '../shared';
import { alertSubject } from '../storm/matchers';
import { screen, silenceSuppression, type SilenceLookup } from '../storm/screen';
import { wakeInhibited } from '../storm/wake';
import { createGroupActivities, type GroupDeps } from './groups';

export interface ActivityDeps {
  store: AlertStore;
  channels: ChannelRegistry;
  park: ParkPolicy;
  /** ALERT_LIFECYCLE (default on): off skips the incident claim (see persistAlert). */
  lifecycle?: boolean;
  /** Set: firing notifications of a page carry an ack link (`ackUrl`). */
  ackLinks?: AckLinkSettings;
  /** The active silences (storm control); absent: nothing is silenced. */
  silences?: SilenceLookup;
  /** The group workflows' client and settings (storm control); absent: a grouped route's alert fails to join, visibly. */
  groups?: GroupDeps;
}

/** Why a resolved event is not sent with ALERT_LIFECYCLE=off (its document's incidentNote). */
export const LIFECYCLE_OFF_RESOLVED =
  'the incident lifecycle is off (ALERT_LIFECYCLE=off): no incident record is kept, so a resolved event is recorded, not sent';

/**
 * The ack link of one notification: the delivery's workflow, expiring `ttlMs` after the entry was received.
 * It depends only on the delivery, never on the attempt's time, so every attempt sends the same bytes.
 */
export function ackUrlFor(settings: AckLinkSettings, workflowId: string, receivedAt: string): string | undefined {
  const received = Date.parse(receivedAt);
  if (!Number.isFinite(received)) return undefined;
  return ackLink(settings.base, { workflowId, expiresAt: received + settings.ttlMs }, settings.secret);
}

export interface NotifyInput {
  channel: string;
  /** The idempotency key. */
  deliveryId: string;
  messageId: string;
  workflowId: string;
  /** When the ingest received the entry (an ack link's lifetime counts from it). */
  receivedAt: string;
  event: AlertEvent;
  /** A resolved notification: the firing delivery it resolves (its key is `<firing delivery ID>:resolved`). */
  resolves?: ResolvesRef;
  /** A group notification (storm control): `deliveryId` is its key `<group ID>:<sequence>`, `workflowId` the group's. */
  group?: GroupNotice;
}

/** A request still running after this long starts heartbeating, so a cancellation (abandon, cancel) reaches it. */
const HEARTBEAT_AFTER_MS = 1_000;

/** A store refusal as a non-retryable failure: the workflow ends visibly instead of retrying forever. */
function refused(e: StoreRefusedError | AlertConflictError): ApplicationFailure {
  return ApplicationFailure.create({ type: e.name, message: e.message, nonRetryable: true });
}

export function createActivities({ store, channels, park, lifecycle = true, ackLinks, silences, groups }: ActivityDeps) {
  /**
   * Storm control for a paging alert (docs/storm-control.md): it is recorded as an inhibition source if a rule
   * names it, then screened (silence, inhibition), and its route's group found.
   */
  async function stormControl(req: DeliveryRequest, source: { deliveryId: string; workflowId: string }): Promise<Pick<PersistResult, 'suppressed' | 'group'>> {
    const { event } = req;
    if (store.inhibitions.enabled) await store.inhibitions.sourceFiring(event, source);
    const suppressed = await screen(event, silences, store.inhibitions);
    const group = channels.grouping(event, req.stream);
    return { ...(suppressed ? { suppressed } : {}), ...(group ? { group } : {}) };
  }

  /** What holds the alert back now: a silence in force (from the index), else a firing inhibition source; null: nothing. */
  async function holdNow(event: AlertEvent): Promise<Suppression | null> {
    const silence = await silences?.matchingNow(alertSubject(event));
    if (silence) return silenceSuppression(silence);
    return (store.inhibitions.enabled ? await store.inhibitions.inhibitor(event) : undefined) ?? null;
  }

  /**
   * What this delivery does (the same answer when a retried first task asks again): without the lifecycle every
   * firing event pages; with it, the incident claim decides (only a page notifies the routed channels, see
   * lifecycle/incidents.ts), then escalation, storm control and the route's group.
   */
  async function decide(req: DeliveryRequest, deliveryId: string): Promise<PersistResult> {
    const workflowId = workflowIdFor(req.stream, req.messageId);
    if (!lifecycle) {
      // A resolved event cannot be matched to its firing without the record: recorded as unmatched, not sent.
      if (req.event.status === 'resolved') return { channels: [], park, incident: { role: 'unmatched', reason: LIFECYCLE_OFF_RESOLVED } };
      return { channels: channels.plan(req.event), park, ...(await stormControl(req, { deliveryId, workflowId })) };
    }
    const claimant = { alertId: req.event.alertId, deliveryId, workflowId, firedAt: req.event.firedAt };
    const incident: IncidentClaim = req.event.status === 'resolved' ? await store.incidents.claimResolve(claimant) : await store.incidents.claimFiring(claimant);
    const page = incident.role === 'page';
    const escalation = page ? channels.escalation(req.event) : undefined;
    // A resolve: its alert no longer inhibits; if its route groups, the resolved event goes to the group.
    const endsInhibitions = incident.role === 'resolve' && store.inhibitions.enabled && (await store.inhibitions.sourceResolved(req.event)) > 0;
    const group = incident.role === 'resolve' ? channels.grouping(req.event, req.stream) : undefined;
    const storm = page ? await stormControl(req, claimant) : group ? { group } : {};
    return {
      channels: page || group ? channels.plan(req.event) : [], park, incident,
      ...(escalation ? { escalation } : {}), ...storm, ...(endsInhibitions ? { endsInhibitions } : {}),
    };
  }

  return {
    ...createGroupActivities(store, park, groups),
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
        return await decide(req, deliveryId);
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
      const reached = (firing?.deliveries ?? []).filter((d) => d.status === 'delivered').map((d) => d.channel);
      return channels.planNamed(reached);
    },

    /** Records that the open firing delivery acknowledged its incident (the incident record says who and when). */
    async recordAcknowledged({ alertId, workflowId, by, at }: { alertId: string; workflowId: string; by: string; at: string }): Promise<void> {
      await store.incidents.acknowledge(alertId, workflowId, by, at);
    },

    /**
     * A held-back delivery woke up (its silence ended, its source resolved): what holds it back now? Another silence
     * in force (read from the index, not a cache), else a firing inhibition source (as Alertmanager checks both when
     * it sends); null: notify.
     */
    silenceInForce: holdNow,

    /** The second look right after a hold was recorded (storm/held.ts): the same question, asked again. */
    confirmHold: holdNow,

    /** An inhibited delivery whose source went stale: does its own incident still fire (refreshed within INCIDENT_TIMEOUT)? */
    async incidentStillFiring(alertId: string): Promise<boolean> {
      return store.incidents.isFiring(alertId);
    },

    /**
     * The source `sourceAlertId` resolved: the deliveries it held back look again (storm/wake.ts). Resolves with how
     * many were woken.
     */
    async wakeInhibited({ sourceAlertId }: { sourceAlertId: string }): Promise<number> {
      if (!groups) throw ApplicationFailure.create({ type: 'NoTemporalClient', nonRetryable: true, message: 'wakeInhibited needs the worker\'s Temporal client' });
      try {
        return await wakeInhibited(groups.client, store.held, sourceAlertId);
      } catch (e) {
        if (/is not an alert ID/.test((e as Error).message)) throw ApplicationFailure.create({ type: 'InvalidAlertId', nonRetryable: true, message: (e as Error).message });
        throw e;
      }
    },

    /** One attempt at one channel. Permanent errors are non-retryable; Retry-After sets the next delay. */
    async notifyChannel(input: NotifyInput): Promise<NotifyResult> {
      const ctx = Context.current();
      const { attempt } = ctx.info;
      const channel = channels.get(input.channel);
      if (!channel) {
        throw ApplicationFailure.create({
          type: 'PermanentDeliveryError', nonRetryable: true, details: [{ attempt }],
          message: `channel "${input.channel}" is not configured on this worker`,
        });
      }
      const started = process.hrtime.bigint();
      const observe = (outcome: string) => {
        channelAttempts.inc({ channel: input.channel, outcome });
        channelLatency.observe({ channel: input.channel, outcome }, Number(process.hrtime.bigint() - started) / 1e9);
      };
      const { deliveryId } = input;
      const where = { channel: input.channel, deliveryId, messageId: input.messageId, workflowId: input.workflowId, alertId: input.event.alertId, attempt };
      // Heartbeats only for a slow request (none on the fast path): cancellation reaches the activity through them.
      // (A local first attempt cannot heartbeat: it is cancelled through the workflow task, and bounded by its timeout.)
      let heartbeat: NodeJS.Timeout | undefined;
      const firstBeat = ctx.info.isLocal ? undefined : setTimeout(() => {
        ctx.heartbeat();
        heartbeat = setInterval(() => ctx.heartbeat(), HEARTBEAT_AFTER_MS);
      }, HEARTBEAT_AFTER_MS);
      try {
        const { receivedAt } = input;
        // Only a page's firing notifications are sent (a duplicate sends nothing), so one without `resolves` is a
        // page's (first notification or an escalation level): it gets the link that acknowledges its delivery.
        const firing = !input.resolves && !input.group && input.event.status !== 'resolved';
        const ackUrl = firing && lifecycle && ackLinks ? ackUrlFor(ackLinks, input.workflowId, receivedAt) : undefined;
        const outgoing: OutgoingAlert = {
          channel: input.channel, deliveryId, messageId: input.messageId, workflowId: input.workflowId, receivedAt, event: input.event,
          ...(input.resolves ? { resolves: input.resolves } : {}),
          ...(ackUrl ? { ackUrl } : {}),
          ...(input.group ? { group: input.group } : {}),
        };
        const response = await channel.send(outgoing, ctx.cancellationSignal);
        observe('delivered');
        ctx.log.debug('alert delivered', { ...where, response }); // debug: the document, the metrics and the history record every delivery
        return { attempt, deliveredAt: new Date().toISOString(), response };
      } catch (e) {
        const err = e as Error;
        observe(err instanceof PermanentDeliveryError ? 'permanent' : 'transient');
        ctx.log.warn('delivery attempt failed', { ...where, error: err.message });
        if (err instanceof PermanentDeliveryError) {
          throw ApplicationFailure.create({ type: err.name, message: err.message, nonRetryable: true, details: [{ attempt }] });
        }
        const retryAfterMs = err instanceof TransientDeliveryError ? err.retryAfterMs : undefined;
        throw ApplicationFailure.create({
          type: 'TransientDeliveryError',
          message: err.message,
          // retryAfterMs also in the details: the workflow does not see nextRetryDelay (a local first attempt's regular activity waits it)
          details: [{ attempt, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) }],
          nextRetryDelay: retryAfterMs,
        });
      } finally {
        clearTimeout(firstBeat);
        clearInterval(heartbeat);
      }
    },

    /** Writes per-channel results, `delivered` and `deliveryStatus` to the alert's document. */
    async recordOutcome({ messageId, deliveryId, state }: RecordInput): Promise<void> {
      try {
        // A grouped member's record never replaces the notification its group recorded first (store.recordGrouped).
        if (state.status === 'grouped') await store.recordGrouped(deliveryId, state);
        else await store.record(deliveryId, state);
      } catch (e) {
        if (!(e instanceof StoreRefusedError)) throw e;
        storeRefused.inc({ operation: e.operation });
        Context.current().log.error('outcome refused by the store: the delivery fails visibly', { messageId, deliveryId, status: state.status, error: e.message });
        throw refused(e);
      }
      deliveriesRecorded.inc({ status: state.status });
      for (const c of state.channels) if (c.status !== 'pending') channelResults.inc({ channel: c.channel, status: c.status });
    },
  };
}
