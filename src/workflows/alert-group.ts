// alertGroup: one workflow per route + group key (storm control, docs/storm-control.md). Alerts join it with
// signal-with-start; it sends one notification per group per interval with Alertmanager's timing:
//   group_wait      after the group is created, before its first notification (more alerts may join)
//   group_interval  between notifications while alerts join or resolve
//   repeat_interval a group still firing, with nothing new, is notified again this often
// Its waits are durable timers: a worker kill -9 or a server restart mid-wait loses nothing. When every
// alert of the group is resolved (or has not been refreshed for INCIDENT_TIMEOUT), it sends the resolved
// notification and ends; a later alert of the same key starts a new run under the same workflow ID.
import {
  CancellationScope, allHandlersFinished, condition, makeContinueAsNewFunc, setHandler, upsertSearchAttributes, workflowInfo,
} from '@temporalio/workflow';
import {
  GROUP_LIST_LIMIT, GROUP_MEMBER_LIMIT, SA_FAILED_CHANNELS, SA_GROUP, SA_STATUS, SEVERITIES, groupStatusQuery, joinGroupSignal, statusQuery,
  type AlertEvent, type ChannelPlan, type ChannelResult, type DeliveryState, type DeliveryStatus, type GroupMember, type GroupNotice, type GroupNotification as Notification, type GroupStart,
} from '../shared';
import type { NotifyInput } from '../activities';
import { groupBookkeeping } from './bookkeeping';
import { describeFailure, isChannelFailure } from './describe-failure';
import { notifierFor } from './notifiers';

/**
 * A group's history grows with every join (one signal event each): past this many events it continues as new,
 * well before the server's caps on a run's history and on its signals (10,000 signals by default).
 */
export const GROUP_HISTORY_LIMIT = 5_000;

/** Members already carried by a notification, remembered so that a retried join is not listed twice. */
const RECENT_LIMIT = 20_000;

export async function alertGroup(start: GroupStart): Promise<DeliveryState> {
  const { ref, park, carried } = start;
  const groupId = workflowInfo().workflowId;
  /** Firing alerts by alertId (at most GROUP_MEMBER_LIMIT listed; more are counted in `overflow`). */
  const firing = new Map<string, GroupMember>((carried?.firing ?? []).map((m) => [m.alertId, m]));
  /** Joined since the last notification: they go out with the next one. */
  let pending: GroupMember[] = carried?.pending ?? [];
  let sequence = carried?.sequence ?? 0;
  let overflow = carried?.overflow ?? 0;
  let nextCheckAt = carried?.nextCheckAt ?? Date.now() + ref.timing.waitMs;
  let lastNotifiedAt = carried?.lastNotifiedAt ?? null;
  /** A notification whose required channels failed: retried (same key, same content) at each check. */
  let failing: Notification | undefined = carried?.failing;
  /** Delivery ID → the notification that carried it, for recent members (a repeated join is recognised). */
  const carriedBy = new Map<string, number>();
  const state: DeliveryState = { status: 'pending', channels: [], rounds: 0, parkedAt: null, abandonReason: null };

  // ---- steps (defined before use; the loop below reads top-down) ----
  function setStatus(status: DeliveryStatus, failedChannels: string[] = []): void {
    state.status = status;
    upsertSearchAttributes([{ key: SA_STATUS, value: status }, { key: SA_FAILED_CHANNELS, value: failedChannels }, { key: SA_GROUP, value: groupId }]);
  }

  /** Counts a firing member in, replacing an older firing of the same alert. */
  function addFiring(member: GroupMember): void {
    if (firing.has(member.alertId) || firing.size < GROUP_MEMBER_LIMIT) firing.set(member.alertId, member);
    else overflow++;
  }

  /** Firing members not refreshed within INCIDENT_TIMEOUT leave the group (their incident went stale too). */
  function dropStale(): void {
    for (const [alertId, m] of firing) if (Date.now() - (m.joinedAt ?? Date.parse(m.firedAt)) > start.memberTimeoutMs) firing.delete(alertId);
  }

  const historyTooLong = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= GROUP_HISTORY_LIMIT;

  function severityOf(members: GroupMember[]): GroupNotice['severity'] {
    return SEVERITIES.find((s) => members.some((m) => m.severity === s)) ?? 'info';
  }

  /** What the channels are told: counts, and the first alerts (new ones first, then the others still firing, then the resolved). */
  function noticeFor(seq: number, batch: GroupMember[]): GroupNotice {
    const joined = batch.filter((m) => m.status === 'firing');
    const resolved = batch.filter((m) => m.status === 'resolved');
    const older = [...firing.values()].filter((m) => !joined.some((j) => j.deliveryId === m.deliveryId));
    const listed = [...joined, ...older, ...resolved].slice(0, GROUP_LIST_LIMIT);
    const allResolved = firing.size === 0 && overflow === 0;
    return {
      id: groupId, route: ref.route, labels: ref.labels, status: allResolved ? 'resolved' : 'firing', sequence: seq,
      counts: { firing: firing.size + overflow, new: joined.length, resolved: resolved.length },
      severity: severityOf(allResolved ? resolved : [...firing.values()]),
      alerts: listed,
      ...(start.listUrl ? { listUrl: start.listUrl } : {}),
    };
  }

  /** One notification to every channel of the route, in parallel, each with its own retry policy and deadline. */
  async function send(n: Notification): Promise<boolean> {
    state.rounds++;
    const input = { messageId: `${groupId}:${n.sequence}`, deliveryId: `${groupId}:${n.sequence}`, workflowId: groupId, receivedAt: new Date(n.firstTriedAt).toISOString(), event: eventFor(n.notice), group: n.notice };
    state.channels = await Promise.all(start.channels.map((plan) => sendTo(plan, input)));
    return !state.channels.some((c) => c.required && c.status !== 'delivered');
  }

  async function sendTo(plan: ChannelPlan, input: Omit<NotifyInput, 'channel'>): Promise<ChannelResult> {
    const previous = state.channels.find((c) => c.channel === plan.name);
    const attemptsBefore = previous?.status === 'failed' ? previous.attempts : 0;
    const result: ChannelResult = { channel: plan.name, status: 'pending', required: plan.required, attempts: attemptsBefore, lastError: null, lastErrorType: null, deliveredAt: null };
    try {
      const ok = await notifierFor(plan)({ ...input, channel: plan.name });
      return { ...result, status: 'delivered', attempts: attemptsBefore + ok.attempt, deliveredAt: ok.deliveredAt };
    } catch (err) {
      if (!isChannelFailure(err)) throw err;
      return { ...result, status: 'failed', ...describeFailure(err, plan, attemptsBefore) };
    }
  }

  /** The members' documents say what happened to the notification that carried them. */
  async function recordMembers(n: Notification, status: DeliveryStatus, abandonReason: string | null = null): Promise<void> {
    const memberState: DeliveryState = {
      status, channels: state.channels, rounds: state.rounds, parkedAt: null, abandonReason,
      group: { id: groupId, notificationKey: `${groupId}:${n.sequence}` },
    };
    await CancellationScope.nonCancellable(() => groupBookkeeping.recordGroupMembers({ route: ref.route, deliveryIds: n.members.map((m) => m.deliveryId), state: memberState }));
  }

  /** Sends (or retries) a notification; a failing one is retried at each check until the park policy gives up. */
  async function deliver(n: Notification): Promise<void> {
    if (await send(n)) {
      failing = undefined;
      for (const m of n.members) carriedBy.set(m.deliveryId, n.sequence);
      while (carriedBy.size > RECENT_LIMIT) carriedBy.delete(carriedBy.keys().next().value!);
      lastNotifiedAt = Date.now();
      setStatus('delivered');
      await recordMembers(n, 'delivered');
      return;
    }
    const failed = state.channels.filter((c) => c.required && c.status === 'failed').map((c) => c.channel);
    const gaveUp = park.giveUpAfterMs > 0 && Date.now() - n.firstTriedAt >= park.giveUpAfterMs;
    if (gaveUp) {
      failing = undefined;
      setStatus('abandoned', failed);
      await recordMembers(n, 'abandoned', `gave up: the group notification still failed ${Math.round(park.giveUpAfterMs / 1000)}s after its first attempt`);
      return;
    }
    failing = n;
    state.parkedAt ??= new Date().toISOString();
    setStatus('failed', failed);
    await recordMembers(n, 'failed');
  }

  /** Whether this check sends: new or resolved members, or a still-firing group whose repeat_interval passed. */
  function dueNotification(): GroupMember[] | undefined {
    const repeatDue = lastNotifiedAt !== null && firing.size + overflow > 0 && Date.now() - lastNotifiedAt >= ref.timing.repeatMs;
    if (pending.length === 0 && !repeatDue) return undefined;
    const batch = pending;
    pending = [];
    return batch;
  }

  // ---- messages ----
  /** Whether this delivery already joined (a join repeated after a worker crash must not be listed twice). */
  function known(deliveryId: string): boolean {
    return failing?.members.some((m) => m.deliveryId === deliveryId) === true || pending.some((m) => m.deliveryId === deliveryId) || carriedBy.has(deliveryId);
  }
  setHandler(joinGroupSignal, (member) => {
    if (known(member.deliveryId)) return;
    if (member.status === 'firing') {
      addFiring({ ...member, joinedAt: Date.now() });
    } else if (!firing.delete(member.alertId)) {
      // Resolved, but this group never listed it (silenced, inhibited, or it left as stale): nothing to tell.
      if (overflow === 0) return;
      overflow--;
    }
    pending.push(member);
  });
  setHandler(statusQuery, () => state); // `alertctl status <group ID>` as for a delivery: its latest notification
  setHandler(groupStatusQuery, () => ({
    status: state.status, firing: firing.size + overflow, pending: pending.length, sequence, lastNotifiedAt: lastNotifiedAt === null ? null : new Date(lastNotifiedAt).toISOString(), channels: state.channels,
  }));

  // ---- the group's life: wait, notify, wait again, until every alert is resolved ----
  for (;;) {
    if (await condition(historyTooLong, Math.max(nextCheckAt - Date.now(), 1))) {
      await condition(allHandlersFinished);
      const nextRun = makeContinueAsNewFunc<typeof alertGroup>({ typedSearchAttributes: [{ key: SA_GROUP, value: groupId }, { key: SA_STATUS, value: state.status }] });
      await nextRun({ ...start, carried: { firing: [...firing.values()], pending, sequence, nextCheckAt, lastNotifiedAt, overflow, ...(failing ? { failing } : {}) } });
    }
    dropStale();
    if (failing) {
      await deliver(failing);
    } else {
      const batch = dueNotification();
      if (batch) {
        sequence++;
        await deliver({ sequence, members: batch, notice: noticeFor(sequence, batch), firstTriedAt: Date.now() });
      }
    }
    nextCheckAt = Date.now() + ref.timing.intervalMs;
    const over = firing.size + overflow === 0 && pending.length === 0 && !failing;
    if (over) {
      await condition(allHandlersFinished);
      if (pending.length === 0) break; // a join in the same task: it goes out at the next check
    }
  }
  return state;
}

/** The alert fields a channel template may name, for a group: the group's summary (channels render `group` itself). */
function eventFor(notice: GroupNotice): AlertEvent {
  const first = notice.alerts[0];
  const labels = Object.entries(notice.labels).map(([k, v]) => `${k}=${v}`).join(' ');
  return {
    alertId: notice.id, ruleId: notice.route, ruleName: first?.ruleName ?? notice.route, severity: notice.severity,
    title: `[${notice.status === 'resolved' ? 'RESOLVED' : `FIRING:${notice.counts.firing}`}] ${notice.route}${labels ? ` ${labels}` : ''}`.slice(0, 1024),
    view: 'group', scope: notice.route, labels: notice.labels, firedAt: first?.firedAt ?? new Date().toISOString(),
    ...(notice.status === 'resolved' ? { status: 'resolved' as const } : {}),
  };
}
