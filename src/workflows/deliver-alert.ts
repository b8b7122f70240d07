// deliverAlert: one stream entry → one human notification, effectively once.
// Reads like the pipeline it implements: (parse happened at the ingest) persist → notify → record, then, if a
// required channel failed, stay open in a visible `failed` state until retried or abandoned.
// Since the `one-task-delivery` patch a delivered alert takes one workflow task: persist, the notifications'
// first attempts and record are local activities, and the ingest alone acks the stream entry.
import {
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  makeContinueAsNewFunc,
  isCancellation,
  patched,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import {
  PARKED_HISTORY_LIMIT,
  SA_ACKED_BY,
  SA_ESCALATION_LEVEL,
  SA_FAILED_CHANNELS,
  SA_STATE,
  SA_RULE_ID,
  SA_SEVERITY,
  SA_STATUS,
  abandonUpdate,
  acknowledgeUpdate,
  incidentResolvedSignal,
  retryUpdate,
  statusQuery,
  workflowIdFor,
  type ChannelPlan,
  type ChannelResult,
  type DeliveryRequest,
  type ParkPolicy,
  type ParkedDelivery,
  type PersistResult,
  type DeliveryState,
  type AckInput,
  type DeliveryStatus,
  type EscalationPlan,
  type IncidentClaim,
  type ResolvesRef,
} from '../shared';
import { localBookkeeping, remoteBookkeeping, storeRefusal } from './bookkeeping';
import { describeFailure, isChannelFailure } from './describe-failure';
import { handOverToFiring } from './hand-over';
import { INHIBITED_WAITS, WAKE_INHIBITED, stormSteps } from './storm-steps';
import { firstAttemptMayRunLocally, localFirstAttemptFor, notifierFor, remainderOf, retryAfterFirstAttempt } from './notifiers';

/** A parked run's history grows with each re-drive: past this, it continues as new (see the parked loop). */
function historyTooLong(): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength >= PARKED_HISTORY_LIMIT;
}

/**
 * @param req the alert, as the ingest parsed it
 * @param parked set only when a parked run continued as new: resume waiting where it stood
 */
export async function deliverAlert(req: DeliveryRequest, parked?: ParkedDelivery): Promise<DeliveryState> {
  const state: DeliveryState = parked?.state ?? { status: 'pending', channels: [], rounds: 0, parkedAt: null, abandonReason: null };
  let retriesRequested = 0;
  let retriesDone = 0;
  let notifyScope: CancellationScope | undefined;
  /** Set when a resolved event's delivery reports this (firing) delivery's incident resolved. */
  let resolvedBy: string | undefined;

  setHandler(statusQuery, () => state);
  setHandler(incidentResolvedSignal, ({ by }) => {
    resolvedBy ??= by;
  });
  setHandler(
    retryUpdate,
    async () => {
      const ticket = ++retriesRequested;
      await condition(() => retriesDone >= ticket || state.status === 'abandoned' || state.status === 'delivered');
      return state;
    },
    {
      // A retry while a round of a parked alert is already running joins it (two operators, one round).
      validator: () => {
        const roundOfParkedAlert = state.status === 'pending' && state.parkedAt !== null;
        if (state.status !== 'failed' && !roundOfParkedAlert) throw new Error(`cannot retry: delivery is ${state.status}, not failed`);
      },
    },
  );
  setHandler(
    abandonUpdate,
    async (reason: string) => {
      state.abandonReason = reason || 'abandoned by operator';
      notifyScope?.cancel();
      // A round already in flight may still deliver everything: then there is nothing left to abandon.
      await condition(() => state.status === 'abandoned' || state.status === 'delivered');
      return state;
    },
    {
      validator: (reason: string) => {
        if (typeof reason !== 'string') throw new Error('abandon needs a reason (string)');
        if (state.status === 'delivered' || state.status === 'abandoned' || state.status === 'rejected') throw new Error(`cannot abandon: delivery is ${state.status}`);
      },
    },
  );

  /**
   * A new delivery since the `one-task-delivery` patch: first attempts inside the workflow task, one search
   * attribute update per recorded state, no second ack (the ingest acks once the start succeeded). It implies
   * local bookkeeping, so a new delivery records one patch marker, not two (each also upserts TemporalChangeVersion).
   */
  const oneTask = !parked && patched('one-task-delivery');
  /** Runs under an older patch's code: a one-task delivery is newer than all of them, so it records no marker for them. */
  const hasPatch = (patchId: string): boolean => oneTask || patched(patchId);
  const { persistAlert, ackMessage, recordOutcome, planResolved, recordAcknowledged } = hasPatch('local-bookkeeping') ? localBookkeeping : remoteBookkeeping;
  /** Attributes waiting to go out with the next status update (incident state, group, suppression: one upsert, not two). */
  let pendingAttributes: SearchAttributeUpdatePair[] = [];

  let channels: ChannelPlan[] = parked?.channels ?? [];
  let park: ParkPolicy | undefined = parked?.park;
  let parkedAtMs = parked?.parkedAtMs ?? 0;
  // The document ID and idempotency key; requests from an ingest before delivery IDs carry none (legacy: the message ID).
  const deliveryId = req.deliveryId ?? req.messageId;
  /** Set for a resolved event's own notifications: the firing delivery they resolve. */
  let resolves: ResolvesRef | undefined;

  // ---- steps (defined before use; the flow below reads top-down) ----
  /** Before the one-task delivery the workflow acked the entry too (XACK is idempotent). */
  async function ackLikeBefore(): Promise<void> {
    if (!oneTask) await ackMessage({ stream: req.stream, group: req.group, messageId: req.messageId });
  }

  /** The incident's state for operators' filters (AlertState): with the next status update, or at once before one-task delivery. */
  function showIncidentState(value: 'firing' | 'acknowledged' | 'resolved'): void {
    if (oneTask && value === 'firing') pendingAttributes.push({ key: SA_STATE, value });
    else upsertSearchAttributes([{ key: SA_STATE, value }]);
  }

  /** Keeps the search attributes an operator filters on (`AlertDeliveryStatus`, `AlertFailedChannels`) current. */
  function setStatus(status: DeliveryStatus, failedChannels: string[] = []): void {
    upsertSearchAttributes([
      { key: SA_STATUS, value: status },
      { key: SA_FAILED_CHANNELS, value: failedChannels },
      ...pendingAttributes,
    ]);
    pendingAttributes = [];
  }

  /** @param firstAttemptsHere the round's first attempts run locally, in this workflow task (one-task delivery) */
  async function notifyRound(names: string[], firstAttemptsHere = false): Promise<void> {
    state.status = 'pending';
    state.rounds++;
    const plans = channels.filter((c) => names.includes(c.name));
    notifyScope = new CancellationScope();
    await notifyScope.run(() => Promise.all(plans.map((plan) => notifyOne(plan, resolves, undefined, undefined, firstAttemptsHere))));
    notifyScope = undefined;
    const failedRequired = state.channels.some((c) => c.required && c.status !== 'delivered');
    state.status = failedRequired ? 'failed' : 'delivered';
    if (state.status === 'failed' && state.parkedAt === null) state.parkedAt = new Date().toISOString();
  }

  /**
   * One channel, one notification. Keys: the delivery ID; `<firing delivery ID>:resolved` for a resolved
   * notification (whoever sends it); `<delivery ID>:level-<n>` for a channel notified again at escalation level n.
   */
  async function notifyOne(
    plan: ChannelPlan, resolving?: ResolvesRef, result = state.channels.find((c) => c.channel === plan.name)!, key?: string, firstAttemptHere = false,
  ): Promise<void> {
    result.status = 'pending';
    const input = {
      channel: plan.name,
      ...(resolving ? { deliveryId: `${resolving.deliveryId}:resolved`, receivedAt: req.receivedAt, resolves: resolving } : {}),
      ...(!resolving && key ? { deliveryId: key, receivedAt: req.receivedAt } : {}),
      ...(!resolving && !key && deliveryId !== req.messageId ? { deliveryId, receivedAt: req.receivedAt } : {}),
      messageId: req.messageId,
      workflowId: workflowIdFor(req.stream, req.messageId),
      event: req.event,
    };
    /** Attempts a local first attempt made before the regular activity took over, and the time they took. */
    let after: { attempts: number; elapsedMs: number } | undefined;
    try {
      if (firstAttemptHere && firstAttemptMayRunLocally(plan)) {
        const began = Date.now();
        try {
          const ok = await localFirstAttemptFor(plan)(input);
          Object.assign(result, { status: 'delivered', attempts: result.attempts + ok.attempt, deliveredAt: ok.deliveredAt, lastError: null, lastErrorType: null });
          return;
        } catch (err) {
          // Permanent, cancelled, or a policy of one attempt: the round ends for this channel (below).
          const retry = isChannelFailure(err) && !isCancellation(err) ? retryAfterFirstAttempt(err, plan) : null;
          if (!retry) throw err;
          // Otherwise the regular activity takes over, after the policy's first interval (or Retry-After).
          Object.assign(result, { ...describeFailure(err, plan, result.attempts), attempts: result.attempts + 1 });
          await sleep(retry.delayMs);
          after = { attempts: 1, elapsedMs: Date.now() - began };
        }
      }
      const ok = await notifierFor(plan, after)(input);
      Object.assign(result, {
        status: 'delivered', attempts: result.attempts + ok.attempt, deliveredAt: ok.deliveredAt, lastError: null, lastErrorType: null,
      });
    } catch (err) {
      // Only a failed or cancelled activity is a channel failure; anything else is a bug in this code and
      // fails the workflow task (retried by Temporal, visible in the UI) instead of being recorded as data.
      if (!isChannelFailure(err)) throw err;
      Object.assign(result, { status: 'failed', ...describeFailure(err, after ? remainderOf(plan, after.attempts) : plan, result.attempts) });
    }
  }

  function failedRequired(): string[] {
    return state.channels.filter((c) => c.status === 'failed' && c.required).map((c) => c.channel);
  }

  async function record(): Promise<void> {
    setStatus(state.abandonReason !== null && state.status !== 'delivered' ? 'abandoned' : state.status, failedRequired());
    // Recording must happen even if the notify scope (or the workflow) was cancelled.
    try {
      await CancellationScope.nonCancellable(() => recordOutcome({ messageId: req.messageId, ...(deliveryId !== req.messageId ? { deliveryId } : {}), state }));
    } catch (err) {
      // The store refused the outcome for good (e.g. the document is gone): fail the run visibly, with the reason.
      const refusal = storeRefusal(err);
      if (!refusal) throw err;
      throw ApplicationFailure.create({ type: 'OutcomeNotRecorded', nonRetryable: true, message: `delivery ${state.status}, but the outcome could not be recorded: ${refusal.message}` });
    }
  }

  /** `abandon` arrived while the alert was being persisted (e.g. with update-with-start). Behind a patch: older runs notified. */
  function abandonedBeforeNotify(): boolean {
    return state.abandonReason !== null && hasPatch('abandon-before-notify');
  }

  /** The wake of the deliveries this resolve's source held back, running beside the rest (see storm-steps.ts). */
  let waking: Promise<unknown> | undefined;

  /** Before the run ends: its handlers have finished, and the wake it started. */
  async function settle(): Promise<void> {
    await waking;
    await condition(allHandlersFinished);
  }

  async function end(status: DeliveryStatus): Promise<DeliveryState> {
    state.status = status;
    setStatus(status);
    await settle();
    return state;
  }

  /** A delivery with nothing to send (duplicate, unmatched, forwarded, grouped, silenced, inhibited): its document says why, then it ends. */
  async function endWithoutSending(status: DeliveryStatus, incident?: IncidentClaim): Promise<DeliveryState> {
    state.status = status;
    if (incident) state.incident = incident;
    await record(); // sets AlertDeliveryStatus too
    await settle();
    return state;
  }

  /** This firing delivery's incident was resolved while it was open: tell every channel it reached. */
  async function sendResolved(by: string): Promise<void> {
    state.resolvedBy = by;
    state.incidentState = 'resolved';
    showIncidentState('resolved');
    const reached = state.channels.filter((c) => c.status === 'delivered' && channels.some((p) => p.name === c.channel));
    const self = { deliveryId, workflowId: workflowInfo().workflowId };
    await Promise.all(reached.map(async (c) => {
      const plan = channels.find((p) => p.name === c.channel)!;
      const result: ChannelResult = { channel: `${c.channel}:resolved`, status: 'pending', required: false, attempts: 0, lastError: null, lastErrorType: null, deliveredAt: null };
      state.channels.push(result);
      await notifyOne(plan, self, result);
    }));
    await record();
  }

  // Storm control (docs/storm-control.md): silences, inhibition, groups.
  const storm = stormSteps({
    req, deliveryId, state, record, addAttribute: (pair) => pendingAttributes.push(pair), resolvedBy: () => resolvedBy,
  });

  /** A human took the incident, or it resolved: escalation stops. */
  const escalationStopped = () => state.ack !== undefined || resolvedBy !== undefined;

  /** One escalation level: its channels (again, under a level key, if an earlier level reached them). */
  async function notifyLevel(level: number, names: string[]): Promise<void> {
    state.escalationLevel = level;
    upsertSearchAttributes([{ key: SA_ESCALATION_LEVEL, value: level }]);
    await Promise.all(names.map(async (name) => {
      const plan = channels.find((p) => p.name === name)!;
      const first = !state.channels.some((c) => c.channel === name);
      // A repeat to a channel already reached is best effort (its failure does not park the alert).
      const result: ChannelResult = { channel: first ? name : `${name}:level-${level}`, status: 'pending', required: first && plan.required, attempts: 0, lastError: null, lastErrorType: null, deliveredAt: null };
      state.channels.push(result);
      await notifyOne(plan, undefined, result, first ? undefined : `${deliveryId}:level-${level}`);
    }));
    state.status = state.channels.some((c) => c.required && c.status !== 'delivered') ? 'failed' : 'delivered';
    await record();
  }

  /**
   * The escalation policy: each level when it is due, unless acknowledged or resolved by then. The waits are
   * durable timers: a worker killed or a server restarted meanwhile changes nothing.
   */
  async function escalate(plan: EscalationPlan, startedAtMs: number): Promise<void> {
    const cycleMs = plan.levels[plan.levels.length - 1].afterMs;
    let level = 0;
    for (let cycle = 0; cycle <= plan.repeat; cycle++) {
      for (const step of plan.levels) {
        const dueAt = startedAtMs + cycle * cycleMs + step.afterMs;
        if (await condition(escalationStopped, Math.max(dueAt - Date.now(), 1))) return;
        await notifyLevel(++level, step.channels);
      }
    }
  }

  // A human takes the incident (alertctl ack, the ack link, the API): escalation stops.
  setHandler(
    acknowledgeUpdate,
    async ({ by, via, note }) => {
      if (state.ack) return state; // the first acknowledgement counts; a second one changes nothing
      state.ack = { by: by.trim(), at: new Date().toISOString(), via: via ?? 'api', ...(note ? { note } : {}) };
      state.incidentState = 'acknowledged';
      upsertSearchAttributes([{ key: SA_STATE, value: 'acknowledged' }, { key: SA_ACKED_BY, value: state.ack.by }]);
      await recordAcknowledged({ alertId: req.event.alertId, workflowId: workflowInfo().workflowId, by: state.ack.by, at: state.ack.at });
      await record();
      return state;
    },
    {
      validator: (input: AckInput | undefined) => {
        if (typeof input?.by !== 'string' || !input.by.trim()) throw new Error('acknowledge needs `by`: who takes the incident');
        if (state.incidentState === undefined) throw new Error(`cannot acknowledge: this delivery is not an incident's page (${state.incident?.role ?? state.status})`);
        if (state.incidentState === 'resolved' || resolvedBy !== undefined) throw new Error('cannot acknowledge: the incident is resolved');
      },
    },
  );

  try {
    if (!parked) {
      // 1. persist: durable state (delivered: false) before any side effect; tells us the channel plan.
      let persisted: PersistResult;
      try {
        persisted = await persistAlert(req, { runId: workflowInfo().runId });
      } catch (err) {
        const refusal = storeRefusal(err);
        if (!refusal) throw err;
        state.rejectReason = refusal.message;
        await ackLikeBefore();
        return await end('rejected');
      }
      ({ channels, park } = persisted);
      // (ack: the ingest acks once the start succeeded; before the one-task delivery, the workflow acked here too.)
      await ackLikeBefore();
      // Another run ended this delivery (the stream was replayed after it closed): never notify it again. (A retried
      // first task of this run finds its own progress instead, and carries on: store/found-document.ts.)
      const finishedAs = persisted.finishedAs ?? (persisted.alreadyDelivered ? 'delivered' : undefined);
      if (finishedAs) return await end(finishedAs as DeliveryStatus);

      // The incident's lifecycle (one page per incident; resolved events): see lifecycle/incidents.ts.
      const incident = persisted.incident && hasPatch('incident-lifecycle') ? persisted.incident : undefined;
      if (incident) state.incident = incident;
      if (incident?.role === 'duplicate' || incident?.role === 'unmatched') return await endWithoutSending(incident.role, incident);
      if (incident?.role === 'resolve') {
        if (persisted.endsInhibitions && patched(WAKE_INHIBITED)) waking = storm.wakeHeldBack();
        if (await handOverToFiring(incident.of)) return await endWithoutSending('forwarded', incident);
        if (persisted.group) {
          await storm.handToGroup(persisted.group, 'resolved', channels);
          return await endWithoutSending('grouped', incident);
        }
        resolves = { deliveryId: incident.firingDeliveryId, workflowId: incident.of };
        channels = await planResolved(incident.firingDeliveryId);
      }
      const escalation = incident?.role === 'page' ? persisted.escalation : undefined;
      if (incident?.role === 'page') {
        state.incidentState = 'firing';
        showIncidentState('firing');
      }
      // Storm control: held-back alerts wait for their silence to end or their inhibition source to resolve
      // (before INHIBITED_WAITS an inhibited one ended here); grouped ones join their group.
      if (persisted.suppressed?.kind === 'inhibit' && !patched(INHIBITED_WAITS)) {
        storm.holdBack(persisted.suppressed);
        return await endWithoutSending('inhibited', incident);
      }
      const afterHold = persisted.suppressed ? await storm.waitOutHolds(persisted.suppressed) : 'notify';
      if (afterHold === 'resolved') return await endWithoutSending(state.status === 'inhibited' ? 'inhibited' : 'silenced', incident);
      if (afterHold === 'abandoned') return await endWithoutSending('abandoned', incident);
      if (afterHold === 'inhibited') return await endWithoutSending('inhibited', incident);
      if (persisted.group) {
        await storm.handToGroup(persisted.group, 'firing', channels);
        return await endWithoutSending('grouped', incident);
      }

      // 2. notify every routed channel in parallel; 3. record once all of them have settled (ack-join).
      if (abandonedBeforeNotify()) {
        state.status = 'abandoned'; // nothing is sent (no channel results); recorded once, below
      } else {
        state.channels = channels.filter((c) => !escalation || escalation.initial.includes(c.name)).map((c) => ({
          channel: c.name, status: 'pending', required: c.required, attempts: 0, lastError: null, lastErrorType: null, deliveredAt: null,
        }));
        await notifyRound(escalation ? escalation.initial : channels.map((c) => c.name), oneTask);
        await record();
        parkedAtMs = Date.now();
        if (escalation) await escalate(escalation, parkedAtMs);
      }
    }

    // Parked: failed but open, until an operator retries or abandons, a re-drive succeeds, or we give up.
    while (state.status === 'failed') {
      // Re-drives add events for as long as the alert stays parked: carry on in a fresh run, same workflow ID.
      // (Behind a patch: a run that was already past the limit under older code replays as it ran.)
      if (historyTooLong() && retriesRequested === retriesDone && state.abandonReason === null && hasPatch('continue-parked-as-new')) {
        await condition(allHandlersFinished);
        const nextRun = makeContinueAsNewFunc<typeof deliverAlert>({
          typedSearchAttributes: [
            { key: SA_STATUS, value: 'failed' },
            { key: SA_FAILED_CHANNELS, value: failedRequired() },
            { key: SA_SEVERITY, value: req.event.severity },
            { key: SA_RULE_ID, value: req.event.ruleId },
          ],
        });
        await nextRun(req, { state, channels, park: park!, parkedAtMs });
      }
      const giveUpAfterMs = park!.giveUpAfterMs;
      const giveUpIn = giveUpAfterMs > 0 ? parkedAtMs + giveUpAfterMs - Date.now() : Infinity;
      const wait = Math.min(park!.redriveIntervalMs > 0 ? park!.redriveIntervalMs : Infinity, giveUpIn);
      const wakeUp = () => retriesRequested > retriesDone || state.abandonReason !== null || resolvedBy !== undefined;
      const woken = Number.isFinite(wait) ? await condition(wakeUp, Math.max(wait, 1)) : (await condition(wakeUp), true);
      if (state.abandonReason === null && !woken && Date.now() - parkedAtMs >= giveUpAfterMs && giveUpAfterMs > 0) {
        state.abandonReason = `gave up: still failing ${Math.round(giveUpAfterMs / 1000)}s after it was parked`;
      }
      if (resolvedBy !== undefined) state.abandonReason ??= `incident resolved (by ${resolvedBy}) while failed channels were parked`;
      if (state.abandonReason !== null) break;
      const target = retriesRequested;
      await notifyRound(state.channels.filter((c) => c.status === 'failed').map((c) => c.channel));
      await record();
      retriesDone = target;
    }

    if (state.abandonReason !== null && state.status !== 'delivered') {
      state.status = 'abandoned';
      await record();
    }
    // Resolved while this firing delivery was open: the channels it reached get the resolved notification.
    if (resolvedBy !== undefined) await sendResolved(resolvedBy);
  } catch (err) {
    // Cancelled from the UI or CLI: the document gets a final state before the run ends as cancelled.
    if (!isCancellation(err) || !hasPatch('record-cancellation')) throw err;
    if (state.status !== 'delivered' && state.status !== 'abandoned') {
      state.abandonReason ??= 'cancelled: the workflow was cancelled (UI or CLI)';
      state.status = 'abandoned';
      await record();
    }
    throw err;
  }
  await settle();
  return state;
}
