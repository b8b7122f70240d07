// The steps that notify: a round over the routed channels, one channel, an escalation level, the resolved
// notifications. Keys: the delivery ID; `<firing delivery ID>:resolved` for a resolved notification (whoever sends
// it); `<delivery ID>:level-<n>` for a channel notified again at escalation level n; `<delivery ID>:<person>:<n>` for
// a person's n-th contact (page-people.ts).
import { CancellationScope, isCancellation, sleep, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { ChannelPlan, ChannelResult } from '../contracts/channels';
import type { ResolvesRef } from '../contracts/delivery';
import type { ContactRef } from '../contracts/oncall';
import { workflowIdFor } from '../contracts/ids';
import { SA_ESCALATION_LEVEL } from '../contracts/search-attributes';
import { localBookkeeping } from './bookkeeping';
import { describeFailure, isChannelFailure } from './describe-failure';
import { newResult, type Delivery } from './delivery';
import { firstAttemptMayRunLocally, localFirstAttemptFor, notifierFor, remainderOf, retryAfterFirstAttempt } from './notifiers';

/** How one channel is notified: as a resolved notification of `resolving`, under `key`, its first attempt here. */
interface NotifyHow {
  resolving?: ResolvesRef;
  key?: string;
  /** The first attempt runs locally, in this workflow task (a delivered alert takes one task). */
  firstAttemptHere?: boolean;
  /** A person's contact: the channel reaches this person at the address the on-call file gives (looked up by the activity). */
  contact?: ContactRef;
}

/**
 * One notification round: the named channels in parallel, each to its end (delivered, or failed after its
 * retries); then the delivery is `delivered`, or `failed` (parked) when a required channel failed.
 */
export async function notifyRound(d: Delivery, names: string[], firstAttemptsHere = false): Promise<void> {
  const { state } = d;
  state.status = 'pending';
  state.rounds++;
  const plans = d.channels.filter((c) => names.includes(c.name));
  d.notifyScope = new CancellationScope();
  await d.notifyScope.run(() => Promise.all(plans.map((plan) => notifyOne(d, plan, state.channels.find((c) => c.channel === plan.name)!, { resolving: d.resolves, firstAttemptHere: firstAttemptsHere }))));
  d.notifyScope = undefined;
  state.status = state.channels.some((c) => c.required && c.status !== 'delivered') ? 'failed' : 'delivered';
  if (state.status === 'failed' && state.parkedAt === null) state.parkedAt = new Date().toISOString();
}

/** A resolved notification's key: `<firing delivery ID>:resolved`, or `<firing delivery ID>:<person>:resolved` for a person. */
function resolvedKey(resolving: ResolvesRef, plan: ChannelPlan): string {
  return plan.reaches ? `${resolving.deliveryId}:${plan.reaches.person}:resolved` : `${resolving.deliveryId}:resolved`;
}

/** One channel, one notification, into `result`: a local first attempt if asked for, then the channel's regular activity. */
async function notifyOne(d: Delivery, plan: ChannelPlan, result: ChannelResult, { resolving, key, firstAttemptHere, contact }: NotifyHow): Promise<void> {
  const { req } = d;
  result.status = 'pending';
  const input = {
    channel: plan.reaches?.via ?? plan.name,
    deliveryId: key ?? (resolving ? resolvedKey(resolving, plan) : d.deliveryId),
    ...(resolving ? { resolves: resolving } : {}),
    ...(contact ?? plan.reaches ? { contact: contact ?? { person: plan.reaches!.person, contact: plan.reaches!.contact } } : {}),
    receivedAt: req.receivedAt,
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
    Object.assign(result, { status: 'delivered', attempts: result.attempts + ok.attempt, deliveredAt: ok.deliveredAt, lastError: null, lastErrorType: null });
  } catch (err) {
    // Only a failed or cancelled activity is a channel failure; anything else is a bug in this code and
    // fails the workflow task (retried by Temporal, visible in the UI) instead of being recorded as data.
    if (!isChannelFailure(err)) throw err;
    Object.assign(result, { status: 'failed', ...describeFailure(err, after ? remainderOf(plan, after.attempts) : plan, result.attempts) });
  }
}

/** A person's contact, under its own key, first attempt in this task; into `result`, never throwing for a channel failure. */
export async function notifyContact(d: Delivery, plan: ChannelPlan, result: ChannelResult, contact: ContactRef, key: string): Promise<void> {
  await notifyOne(d, plan, result, { contact, key, firstAttemptHere: true });
}

/** One escalation level: its channels (again, under a level key, if an earlier level reached them), then record. */
export async function notifyLevel(d: Delivery, level: number, names: string[]): Promise<void> {
  const { state } = d;
  state.escalationLevel = level;
  upsertSearchAttributes([{ key: SA_ESCALATION_LEVEL, value: level }]);
  await Promise.all(names.map(async (name) => {
    const plan = d.channels.find((p) => p.name === name)!;
    const first = !state.channels.some((c) => c.channel === name);
    // A repeat to a channel already reached is best effort (its failure does not park the alert).
    const result = newResult(first ? name : `${name}:level-${level}`, first && plan.required);
    state.channels.push(result);
    await notifyOne(d, plan, result, first ? {} : { key: `${d.deliveryId}:level-${level}` });
  }));
  state.status = state.channels.some((c) => c.required && c.status !== 'delivered') ? 'failed' : 'delivered';
  await d.record();
}

/** This firing delivery's incident was resolved while it was open: tell every channel it reached, then record. */
export async function sendResolved(d: Delivery, by: string): Promise<void> {
  const { state } = d;
  state.resolvedBy = by;
  state.incidentState = 'resolved';
  d.showIncidentState('resolved');
  const reached = state.channels.filter((c) => c.status === 'delivered' && d.channels.some((p) => p.name === c.channel));
  // The people it paged (on call, new in 1.1: asked only then, so a 1.0 history replays as it was): each through the
  // first contact that reached them, as planResolved plans it for a delivery that already closed.
  const people = state.paging ? (await localBookkeeping.planResolved(d.deliveryId)).filter((p) => p.reaches) : [];
  const plans = [...reached.map((c) => d.channels.find((p) => p.name === c.channel)!), ...people];
  const self = { deliveryId: d.deliveryId, workflowId: workflowInfo().workflowId };
  await Promise.all(plans.map(async (plan) => {
    const result = newResult(`${plan.name}:resolved`, false);
    state.channels.push(result);
    await notifyOne(d, plan, result, { resolving: self });
  }));
  await d.record();
}
