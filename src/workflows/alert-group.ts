// alertGroup: one workflow per route + group key (storm control, docs/storm-control.md). Alerts join it with
// signal-with-start; it sends one notification per group per interval with Alertmanager's timing:
//   group_wait      after the group is created, before its first notification (more alerts may join)
//   group_interval  between notifications while alerts join or resolve
//   repeat_interval a group still firing, with nothing new, is notified again this often
// Its waits are durable timers: a worker kill -9 or a server restart mid-wait loses nothing. When every
// alert of the group is resolved (or has not been refreshed for INCIDENT_TIMEOUT), it sends the resolved
// notification and ends; a later alert of the same key starts a new run under the same workflow ID.
import { allHandlersFinished, condition, makeContinueAsNewFunc, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import type { DeliveryState } from '../contracts/delivery';
import type { GroupStart } from '../contracts/group';
import { groupStatusQuery, joinGroupSignal, statusQuery } from '../contracts/messages';
import { SA_GROUP, SA_STATUS } from '../contracts/search-attributes';
import { GroupMembers } from './group-members';
import { deliverNotification, type GroupRun } from './group-notify';

/**
 * A group's history grows with every join (one signal event each): past this many events it continues as new,
 * well before the server's caps on a run's history and on its signals (10,000 signals by default).
 */
export const GROUP_HISTORY_LIMIT = 5_000;
/** 1.2.0: a group paces its notifications by stream time while intake is behind (GroupMembers.holdForIntake). */
export const PACE_BY_STREAM_TIME = 'group-paced-by-stream-time';
/** 1.2.0: a join repeated while its notification is being sent is recognised (GroupMembers.takeBatch). */
export const JOIN_ONCE_WHILE_SENDING = 'group-join-once-while-sending';

export async function alertGroup(start: GroupStart): Promise<DeliveryState> {
  const { ref, carried } = start;
  const g: GroupRun = {
    groupId: workflowInfo().workflowId, start, members: new GroupMembers(carried), lastNotifiedAt: carried?.lastNotifiedAt ?? null,
    state: { status: 'pending', channels: [], rounds: 0, parkedAt: null, abandonReason: null },
  };
  const { members, state } = g;
  let sequence = carried?.sequence ?? 0;
  let nextCheckAt = carried?.nextCheckAt ?? Date.now() + ref.timing.waitMs;
  const pacedByStreamTime = patched(PACE_BY_STREAM_TIME);
  members.rememberWhenTaken = patched(JOIN_ONCE_WHILE_SENDING);
  registerGroupHandlers(g, () => sequence);

  // wait, notify, wait again, until every alert is resolved
  for (;;) {
    if (await condition(historyTooLong, Math.max(nextCheckAt - Date.now(), 1))) {
      await condition(allHandlersFinished);
      const nextRun = makeContinueAsNewFunc<typeof alertGroup>({ typedSearchAttributes: [{ key: SA_GROUP, value: g.groupId }, { key: SA_STATUS, value: state.status }] });
      await nextRun({ ...start, carried: members.carry({ sequence, nextCheckAt, lastNotifiedAt: g.lastNotifiedAt }) });
    }
    members.dropStale(Date.now(), start.memberTimeoutMs);
    if (members.failing) {
      await deliverNotification(g, members.failing);
    } else {
      const repeatDue = g.lastNotifiedAt !== null && members.firingCount > 0 && Date.now() - g.lastNotifiedAt >= ref.timing.repeatMs;
      const held = pacedByStreamTime && !repeatDue && members.holdForIntake(Date.now(), ref.timing.intervalMs, g.lastNotifiedAt);
      const batch = held ? undefined : members.takeBatch(repeatDue);
      if (batch) {
        sequence++;
        await deliverNotification(g, { sequence, members: batch, notice: members.notice(ref, g.groupId, sequence, batch, start.listUrl), firstTriedAt: Date.now() });
      }
    }
    nextCheckAt = Date.now() + ref.timing.intervalMs;
    const over = members.firingCount === 0 && members.pending.length === 0 && !members.failing;
    if (over) {
      await condition(allHandlersFinished);
      if (members.pending.length === 0) break; // a join in the same task: it goes out at the next check
    }
  }
  return state;
}

const historyTooLong = (): boolean => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= GROUP_HISTORY_LIMIT;

/** The join signal, and the queries: `alertctl status <group ID>` as for a delivery (its latest notification), the group's own. */
function registerGroupHandlers(g: GroupRun, sequence: () => number): void {
  const { members, state } = g;
  setHandler(joinGroupSignal, (member) => members.join(member, Date.now()));
  setHandler(statusQuery, () => state);
  setHandler(groupStatusQuery, () => ({
    status: state.status, firing: members.firingCount, pending: members.pending.length, sequence: sequence(),
    lastNotifiedAt: g.lastNotifiedAt === null ? null : new Date(g.lastNotifiedAt).toISOString(), channels: state.channels,
  }));
}
