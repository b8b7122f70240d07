// A group of alerts (storm control, docs/storm-control.md): its workflow's start, members, notifications and state.
import type { AlertStatus, Severity } from './alert';
import type { ChannelPlan, ChannelResult, DeliveryStatus, ParkPolicy } from './channels';

/** `group_wait`, `group_interval`, `repeat_interval` of a route, in ms (Alertmanager's semantics). */
export interface GroupTiming {
  waitMs: number;
  intervalMs: number;
  repeatMs: number;
}

/** The group an alert belongs to: decided by the persist step from the route's `group_by`. */
export interface GroupRef {
  /** The group workflow's ID: `<stream>:group:<route>:<hash of the group_by values>`. */
  workflowId: string;
  /** The route's name (`name:`, or `route-<index>`). */
  route: string;
  /** The `group_by` labels and their values for this group (empty with `group_by: ['...']`: one group per alert). */
  labels: Record<string, string>;
  timing: GroupTiming;
}

/** What a group keeps of each alert: enough to list it in a notification and to find its delivery. */
export interface GroupMember {
  alertId: string;
  deliveryId: string;
  workflowId: string;
  status: AlertStatus;
  severity: Severity;
  title: string;
  ruleName: string;
  firedAt: string;
  labels?: Record<string, string>;
  /** When its stream entry reached the stream (ms, from the message ID), and when its delivery started (ms): the
   *  difference is how far behind the stream intake was (the group paces its notifications by it). */
  enqueuedAt?: number;
  startedAt?: number;
  /** Set by the group: workflow time the member joined (a firing member leaves after INCIDENT_TIMEOUT). */
  joinedAt?: number;
}


/** Everything the group workflow starts from (and carries into its next run when it continues as new). */
export interface GroupStart {
  ref: GroupRef;
  channels: ChannelPlan[];
  park: ParkPolicy;
  /** A firing member not resolved within this long after it joined leaves the group (INCIDENT_TIMEOUT). */
  memberTimeoutMs: number;
  /** The Web UI's list of the group's alerts, for the notifications (when the worker knows TEMPORAL_UI_URL). */
  listUrl?: string;
  carried?: GroupCarry;
}

/** A group notification being sent, or retried after its required channels failed (same key, same content). */
export interface GroupNotification {
  sequence: number;
  members: GroupMember[];
  notice: GroupNotice;
  /** Workflow time of its first attempt: a failing notification's give-up deadline counts from here. */
  firstTriedAt: number;
}

/** A group's state between runs (continue-as-new). */
export interface GroupCarry {
  firing: GroupMember[];
  pending: GroupMember[];
  sequence: number;
  nextCheckAt: number;
  lastNotifiedAt: number | null;
  /** Firing members beyond GROUP_MEMBER_LIMIT: counted, not listed. */
  overflow: number;
  failing?: GroupNotification;
  /** The member latest in the stream that joined, and the one the last notification covered (GroupMembers.holdForIntake). */
  streamTime?: StreamTime;
  /** Delivery IDs of the latest members a notification took (a join repeated after continue-as-new counts once). */
  recent?: string[];
}

/** Where intake was in the stream: a member's `enqueuedAt` (`at`) and its delivery's `startedAt` (`startedAt`). */
export interface StreamMark {
  at: number;
  startedAt: number;
}
export interface StreamTime {
  latest?: StreamMark;
  covered?: StreamMark;
  /** The latest `startedAt` of any member. */
  lastStartedAt?: number;
}

/** A group lists at most this many firing alerts in its state; more are counted (a notification lists GROUP_LIST_LIMIT). */
export const GROUP_MEMBER_LIMIT = 5_000;
/** Alerts a group notification lists by name (the rest: a count and the UI link). */
export const GROUP_LIST_LIMIT = 10;

/** What a channel is told about a group notification (rendered by each channel type). */
export interface GroupNotice {
  /** The group workflow's ID. */
  id: string;
  route: string;
  labels: Record<string, string>;
  /** `resolved` once every alert of the group is resolved (the group's last notification). */
  status: 'firing' | 'resolved';
  /** 1 for the group's first notification, then 2, 3, … */
  sequence: number;
  /** Alerts firing now, alerts that joined since the last notification, alerts resolved since then. */
  counts: { firing: number; new: number; resolved: number };
  /** The highest severity among the firing alerts (of the resolved ones once all are resolved). */
  severity: Severity;
  /** The first GROUP_LIST_LIMIT alerts: new ones first, then the rest that fire, then the resolved. */
  alerts: GroupMember[];
  /** The Web UI's list of the group's alerts (visibility query `AlertGroup="<id>"`), when the worker knows the UI's URL. */
  listUrl?: string;
}

export interface GroupStatus {
  status: DeliveryStatus;
  firing: number;
  pending: number;
  sequence: number;
  lastNotifiedAt: string | null;
  channels: ChannelResult[];
}
