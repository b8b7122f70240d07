// A group's notification (storm control): sent to every channel of its route in parallel, each with its own retry
// policy and deadline; the members' documents say what happened to it. A failing one is retried at each check (same
// key, same content) until the park policy gives up. Workflow code: deterministic, no I/O.
import { CancellationScope, upsertSearchAttributes } from '@temporalio/workflow';
import type { AlertEvent } from '../contracts/alert';
import type { ChannelPlan, ChannelResult, DeliveryStatus } from '../contracts/channels';
import type { DeliveryState } from '../contracts/delivery';
import type { GroupNotice, GroupNotification, GroupStart } from '../contracts/group';
import { SA_FAILED_CHANNELS, SA_GROUP, SA_STATUS } from '../contracts/search-attributes';
import type { NotifyInput } from '../activities';
import { groupBookkeeping } from './bookkeeping';
import { describeFailure, isChannelFailure } from './describe-failure';
import type { GroupMembers } from './group-members';
import { notifierFor } from './notifiers';

/** The group's run as its notifications see it. */
export interface GroupRun {
  groupId: string;
  start: GroupStart;
  state: DeliveryState;
  members: GroupMembers;
  /** Workflow time of the last notification that went out. */
  lastNotifiedAt: number | null;
}

export function setGroupStatus(g: GroupRun, status: DeliveryStatus, failedChannels: string[] = []): void {
  g.state.status = status;
  upsertSearchAttributes([{ key: SA_STATUS, value: status }, { key: SA_FAILED_CHANNELS, value: failedChannels }, { key: SA_GROUP, value: g.groupId }]);
}

/** Sends (or retries) a notification and records its members: delivered, failing (retried at the next check), or given up. */
export async function deliverNotification(g: GroupRun, n: GroupNotification): Promise<void> {
  const { park } = g.start;
  if (await send(g, n)) {
    g.members.failing = undefined;
    g.members.carried(n);
    g.lastNotifiedAt = Date.now();
    setGroupStatus(g, 'delivered');
    await recordMembers(g, n, 'delivered');
    return;
  }
  const failed = g.state.channels.filter((c) => c.required && c.status === 'failed').map((c) => c.channel);
  if (park.giveUpAfterMs > 0 && Date.now() - n.firstTriedAt >= park.giveUpAfterMs) {
    g.members.failing = undefined;
    setGroupStatus(g, 'abandoned', failed);
    await recordMembers(g, n, 'abandoned', `gave up: the group notification still failed ${Math.round(park.giveUpAfterMs / 1000)}s after its first attempt`);
    return;
  }
  g.members.failing = n;
  g.state.parkedAt ??= new Date().toISOString();
  setGroupStatus(g, 'failed', failed);
  await recordMembers(g, n, 'failed');
}

/** One notification to every channel of the route; true when every required channel delivered it. */
async function send(g: GroupRun, n: GroupNotification): Promise<boolean> {
  const { groupId, state } = g;
  state.rounds++;
  const input = { messageId: `${groupId}:${n.sequence}`, deliveryId: `${groupId}:${n.sequence}`, workflowId: groupId, receivedAt: new Date(n.firstTriedAt).toISOString(), event: eventFor(n.notice), group: n.notice };
  state.channels = await Promise.all(g.start.channels.map((plan) => sendTo(state, plan, input)));
  return !state.channels.some((c) => c.required && c.status !== 'delivered');
}

async function sendTo(state: DeliveryState, plan: ChannelPlan, input: Omit<NotifyInput, 'channel'>): Promise<ChannelResult> {
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
async function recordMembers(g: GroupRun, n: GroupNotification, status: DeliveryStatus, abandonReason: string | null = null): Promise<void> {
  const { groupId, state } = g;
  const memberState: DeliveryState = {
    status, channels: state.channels, rounds: state.rounds, parkedAt: null, abandonReason,
    group: { id: groupId, notificationKey: `${groupId}:${n.sequence}` },
  };
  await CancellationScope.nonCancellable(() => groupBookkeeping.recordGroupMembers({ route: g.start.ref.route, deliveryIds: n.members.map((m) => m.deliveryId), state: memberState }));
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
