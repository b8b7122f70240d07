// The group activities (storm control): an alert joins its group's workflow (signal-with-start), and the
// group marks its members' documents once a notification carried them. Both idempotent.
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { AlertStore } from '../store';
import { groupNotifications } from '../metrics';
import type { ChannelPlan, ParkPolicy } from '../contracts/channels';
import type { DeliveryState } from '../contracts/delivery';
import type { GroupMember, GroupRef, GroupStart } from '../contracts/group';
import { GROUP_WORKFLOW_TYPE } from '../contracts/ids';
import { joinGroupSignal } from '../contracts/messages';
import { PRIORITY_KEYS } from '../contracts/priority';
import { SA_GROUP, SA_STATUS } from '../contracts/search-attributes';
import { StoreRefusedError } from '../errors';

/** What the group activities need from the worker. */
export interface GroupDeps {
  client: Client;
  /** The worker's task queue: the group workflows run there too. */
  taskQueue: string;
  /** INCIDENT_TIMEOUT: a firing member not resolved within this long leaves its group. */
  memberTimeoutMs: number;
  /** TEMPORAL_UI_URL and the namespace: the group notification's link to the list of its alerts. */
  listUrlFor?: (groupId: string) => string;
}

export interface JoinInput {
  ref: GroupRef;
  channels: ChannelPlan[];
  member: GroupMember;
}

export interface RecordMembersInput {
  route: string;
  deliveryIds: string[];
  state: DeliveryState;
}

export function createGroupActivities(store: AlertStore, park: ParkPolicy, groups: GroupDeps | undefined) {
  return {
    /**
     * Signal-with-start: the group's workflow is started if it does not run (its `group_wait` starts then) and
     * the alert joins it. Durable once the server answers: no worker has to run the group first, so a storm
     * of joins never waits on workflow-task slots. (Update-with-start would, and the server caps updates in
     * flight per workflow: measured here, joins failed with RESOURCE_EXHAUSTED under a storm.) A join repeated
     * for the same delivery counts once (the group knows its members by delivery ID).
     */
    async joinGroup({ ref, channels, member }: JoinInput): Promise<{ groupId: string }> {
      if (!groups) throw ApplicationFailure.create({ type: 'ConfigError', nonRetryable: true, message: 'this worker has no Temporal client for groups' });
      const listUrl = groups.listUrlFor?.(ref.workflowId);
      const start: GroupStart = { ref, channels, park, memberTimeoutMs: groups.memberTimeoutMs, ...(listUrl ? { listUrl } : {}) };
      await groups.client.workflow.signalWithStart(GROUP_WORKFLOW_TYPE, {
        workflowId: ref.workflowId,
        taskQueue: groups.taskQueue,
        args: [start],
        signal: joinGroupSignal,
        signalArgs: [member],
        // the priority of the member that starts the group (a group of one alertname mostly shares a severity)
        priority: { priorityKey: PRIORITY_KEYS[member.severity] },
        typedSearchAttributes: [{ key: SA_GROUP, value: ref.workflowId }, { key: SA_STATUS, value: 'pending' }],
        staticSummary: `group ${ref.route} ${Object.entries(ref.labels).map(([k, v]) => `${k}=${v}`).join(' ')}`.slice(0, 200),
      });
      return { groupId: ref.workflowId };
    },

    /** The members' documents: `delivered` (or `failed`, `abandoned`) under the notification that carried them. */
    async recordGroupMembers({ route, deliveryIds, state }: RecordMembersInput): Promise<number> {
      const log = Context.current().log;
      let missing = 0;
      await Promise.all(deliveryIds.map(async (id) => {
        try {
          await store.record(id, state);
        } catch (e) {
          // A member whose document is gone (deleted by retention) must not hold up the group's record of the others.
          if (!(e instanceof StoreRefusedError)) throw e;
          missing++;
          log.warn('group member document not recorded', { deliveryId: id, group: state.group?.id, error: e.message });
        }
      }));
      groupNotifications.inc({ route, outcome: state.status === 'delivered' ? 'delivered' : state.status });
      return deliveryIds.length - missing;
    },
  };
}
