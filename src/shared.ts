// Everything the ingest, the worker, the workflow and the operator tools agree on:
// names, IDs, search attributes, message definitions and the types that cross process boundaries.
// This file is imported by workflow code, so it must stay free of Node built-ins and I/O.
import { defineSearchAttributeKey } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { RetryPolicy } from '@temporalio/common';

export const DEFAULT_TASK_QUEUE = 'alert-delivery';
export const WORKFLOW_TYPE = 'deliverAlert';

/**
 * Workflow ID = `<stream>:<message ID>`: a redelivered stream entry can never start a second delivery.
 * It is also the delivery ID: the document `_id` and every channel's idempotency key, unique across
 * streams (message IDs are timestamps, so two streams' IDs collide as a matter of course).
 */
export function workflowIdFor(stream: string, messageId: string): string {
  return `${stream}:${messageId}`;
}

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];
/** An event either fires an incident (`alertId`) or resolves it. */
export const ALERT_STATUSES = ['firing', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/** The AlertEvent carried as JSON in the stream entry's `event` field. */
export interface AlertEvent {
  alertId: string;
  ruleId: string;
  ruleName: string;
  severity: Severity;
  title: string;
  description?: string;
  view: string;
  scope: string;
  labels?: Record<string, string>;
  firedAt: string;
  channels?: string[];
  /** Absent = `firing`. A `resolved` event is its own stream message and workflow; it resolves `alertId`. */
  status?: AlertStatus;
}

/** The workflow's input: one stream entry, already parsed and validated by the ingest. */
export interface DeliveryRequest {
  stream: string;
  group: string;
  messageId: string;
  /** The delivery ID `<stream>:<message ID>` (= the workflow ID): document `_id` and every channel's idempotency key. */
  deliveryId: string;
  receivedAt: string;
  event: AlertEvent;
}

/**
 * `rejected`: the store refused the alert (a value the index cannot hold, or its ID holds another alert):
 * nothing was sent, the reason is in `rejectReason`. The document may also say `terminated` (the
 * workflow was terminated or timed out; written by the reconciler, never by the workflow).
 */
export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'abandoned' | 'rejected' | LifecycleStatus | StormStatus;
/**
 * Lifecycle outcomes, nothing sent by this delivery: `duplicate` (its incident is already paged or resolved:
 * see `incident.of`), `unmatched` (a resolved event for no known firing incident), `forwarded` (a resolved
 * event handed to the still-open firing delivery, which sends the resolved notifications).
 */
export type LifecycleStatus = 'duplicate' | 'unmatched' | 'forwarded';
/**
 * Storm control (docs/storm-control.md), nothing sent by this delivery itself: `grouped` (handed to its group's
 * workflow, whose next notification carries it; the group marks the document `delivered` with that notification's key),
 * `silenced` (a silence matched and was still in force when the delivery ended: see `suppressedBy`),
 * `inhibited` (a firing source alert of an inhibit rule holds it back: see `suppressedBy`; open until the source
 * resolves, then notified unless its own incident resolved; it ends `inhibited` when both went stale).
 */
export type StormStatus = 'grouped' | 'silenced' | 'inhibited';

/** A delivery's role in its incident (`alertId`), decided atomically by the persist step (src/lifecycle/incidents.ts). */
export type IncidentClaim =
  | { role: 'page' }
  | { role: 'duplicate'; of: string; reason: string }
  | { role: 'resolve'; of: string; firingDeliveryId: string; reason: string }
  | { role: 'unmatched'; reason: string };
export type ChannelStatus = 'pending' | 'delivered' | 'failed';

/** How one channel is tried: decided by the worker's channel config, recorded in history by `persistAlert`. */
export interface ChannelPlan {
  name: string;
  type: string;
  /** A required channel counts toward `delivered`; a best-effort one is recorded but never parks the alert. */
  required: boolean;
  /** Per-attempt timeout (ms). */
  timeoutMs: number;
  /** How long one round may keep retrying this channel (ms): then it counts as failed and the alert parks. */
  deadlineMs: number;
  retry: RetryPolicy;
  /** Set for a rate-limited channel: its notifications wait in this task queue (delayed, never dropped). */
  taskQueue?: string;
}

/** What the workflow does when a required channel fails (from the worker's config; 0 = off). */
export interface ParkPolicy {
  /** Re-run failed channels automatically every this many ms while parked. */
  redriveIntervalMs: number;
  /** Give up (status `abandoned`) this many ms after the alert was first parked. */
  giveUpAfterMs: number;
}

export interface PersistResult {
  /**
   * Another run of this workflow ID ended this delivery with this status (a stream replayed after it closed), or this
   * run's own persist step refused it (`rejected`): the delivery ends so, notifying nothing (store/found-document.ts).
   */
  finishedAs?: string;
  channels: ChannelPlan[];
  park: ParkPolicy;
  /** The delivery's role in its incident; absent with the lifecycle off (ALERT_LIFECYCLE=off). */
  incident?: IncidentClaim;
  /** The route's escalation policy, if it has one (a page only). */
  escalation?: EscalationPlan;
  /** A silence or an inhibit rule holds this alert back (a page only); absent: notify. */
  suppressed?: Suppression;
  /** The route groups its alerts: this alert goes to that group's workflow, not to `channels` itself. */
  group?: GroupRef;
  /** A resolve of an alert that was an inhibition source: the deliveries it held back are woken (wakeInhibited). */
  endsInhibitions?: boolean;
}

/** Why an alert is held back: the silence in force, or the firing alert that inhibits it. */
export type Suppression =
  | { kind: 'silence'; silenceId: string; endsAt: string; comment: string; createdBy: string }
  | {
      kind: 'inhibit'; rule: number; by: { alertId: string; deliveryId: string; workflowId: string };
      /** When the source goes stale unless an event refreshes it (its page + INCIDENT_TIMEOUT): the wait's deadline. */
      until: string;
    };

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

/**
 * Escalation: `initial` channels are notified at once; each level `afterMs` after that first notification,
 * unless the incident was acknowledged or resolved by then. `repeat` runs the levels again that many times
 * (each cycle's waits measured from the cycle's start: the last level's `afterMs`).
 */
export interface EscalationPlan {
  policy: string;
  initial: string[];
  levels: { afterMs: number; channels: string[] }[];
  repeat: number;
}

/** The firing delivery a resolved notification refers to (each channel reuses the key its receiver knows). */
export interface ResolvesRef {
  deliveryId: string;
  workflowId: string;
}

export interface ChannelResult {
  channel: string;
  status: ChannelStatus;
  required: boolean;
  /** Attempts made so far, over all rounds. */
  attempts: number;
  lastError: string | null;
  /** Error class of the last failure (`PermanentDeliveryError`, `TransientDeliveryError`, timeout …). */
  lastErrorType: string | null;
  deliveredAt: string | null;
}

/** Returned by `notifyChannel` when the receiver accepted the alert. */
export interface NotifyResult {
  attempt: number;
  deliveredAt: string;
  /** HTTP status or protocol answer, for the record. */
  response: string;
}

export interface DeliveryState {
  status: DeliveryStatus;
  channels: ChannelResult[];
  /** Notification rounds run (1 = the first; each retry or re-drive adds one). */
  rounds: number;
  parkedAt: string | null;
  abandonReason: string | null;
  /** Why the store refused the alert (status `rejected`). */
  rejectReason?: string;
  /** The incident role and what it refers to (duplicate of, resolves, …); absent with the lifecycle off. */
  incident?: IncidentClaim;
  /** The incident was resolved while this firing delivery was open; resolved notifications went to `channels`. */
  resolvedBy?: string;
  /** A paging delivery's incident: firing, acknowledged or resolved (while it was open). */
  incidentState?: 'firing' | 'acknowledged' | 'resolved';
  /** Who acknowledged, when and how (the first acknowledgement counts). */
  ack?: { by: string; at: string; via: string; note?: string };
  /** Escalation levels notified so far (0: only the first notification). */
  escalationLevel?: number;
  /** Grouped: the group and the notification that carries (or carried) this alert. */
  group?: { id: string; notificationKey?: string };
  /** Silenced or inhibited: by what (the latest silence, if several held it back one after another). */
  suppressedBy?: Suppression;
}

/**
 * What a parked delivery carries into its next run when it continues as new (its history grew long
 * while it waited): the workflow ID stays, the state and plan move on, nothing is persisted or sent again.
 */
export interface ParkedDelivery {
  state: DeliveryState;
  channels: ChannelPlan[];
  park: ParkPolicy;
  /** Workflow time (ms) at which it was first parked: the give-up deadline counts from here. */
  parkedAtMs: number;
}

/** A parked run continues as new once its history has this many events (or the server suggests it sooner). */
export const PARKED_HISTORY_LIMIT = 2000;

export interface RecordInput {
  messageId: string;
  /** The document to update. */
  deliveryId: string;
  state: DeliveryState;
}

// ---- search attributes (registered by scripts/stack and docker-compose; checked at start-up) ----
/** pending | delivered | failed | abandoned | rejected */
export const SA_STATUS = defineSearchAttributeKey('AlertDeliveryStatus', 'KEYWORD');
export const SA_SEVERITY = defineSearchAttributeKey('AlertSeverity', 'KEYWORD');
export const SA_RULE_ID = defineSearchAttributeKey('AlertRuleId', 'KEYWORD');
export const SA_FAILED_CHANNELS = defineSearchAttributeKey('AlertFailedChannels', 'KEYWORD_LIST');
/** The incident a paging delivery carries: firing | acknowledged | resolved. */
export const SA_STATE = defineSearchAttributeKey('AlertState', 'KEYWORD');
export const SA_ACKED_BY = defineSearchAttributeKey('AlertAckedBy', 'KEYWORD');
/** 0 = the first notification; n = the n-th escalation level notified. */
export const SA_ESCALATION_LEVEL = defineSearchAttributeKey('AlertEscalationLevel', 'INT');
/** The group workflow an alert went to (also set on the group's own workflow): `AlertGroup="<id>"` lists a group. */
export const SA_GROUP = defineSearchAttributeKey('AlertGroup', 'KEYWORD');
/** What holds an alert back: `silence:<silence ID>` or `inhibit:<alertId of the source>`. */
export const SA_SUPPRESSED_BY = defineSearchAttributeKey('AlertSuppressedBy', 'KEYWORD');
export const SEARCH_ATTRIBUTES = [SA_STATUS, SA_SEVERITY, SA_RULE_ID, SA_FAILED_CHANNELS, SA_STATE, SA_ACKED_BY, SA_ESCALATION_LEVEL, SA_GROUP, SA_SUPPRESSED_BY];

/** The value of AlertSuppressedBy for a suppression. */
export function suppressedByValue(s: Suppression): string {
  return s.kind === 'silence' ? `silence:${s.silenceId}` : `inhibit:${s.by.alertId}`;
}

// ---- messages ----
/** The workflow's current state (status, per-channel results). */
export const statusQuery = defineQuery<DeliveryState>('status');
/** Re-run the failed channels now; resolves with the state after that round. Rejected unless `failed`. */
export const retryUpdate = defineUpdate<DeliveryState>('retry');
/** Stop trying: status `abandoned` with the reason; resolves with the final state. Rejected once finished. */
export const abandonUpdate = defineUpdate<DeliveryState, [string]>('abandon');

/** A resolved event's delivery tells the open firing delivery that its incident is resolved. */
export const incidentResolvedSignal = defineSignal<[{ by: string }]>('incidentResolved');

/** Who acknowledged an incident, and how (alertctl, the ack link, the intake's API). */
export interface AckInput {
  by: string;
  /** `alertctl` | `link` | `api` … for the record. */
  via?: string;
  note?: string;
}
/** A human took the incident: escalation stops. Resolves with the state; rejected once resolved or finished. */
export const acknowledgeUpdate = defineUpdate<DeliveryState, [AckInput]>('acknowledge');

// ---- storm control ----
export const GROUP_WORKFLOW_TYPE = 'alertGroup';
/**
 * An alert joins its group (signal-with-start on the group workflow: durable once the server answers, with no
 * worker in the way and no cap on joins in flight). A join repeated for the same delivery counts once.
 */
export const joinGroupSignal = defineSignal<[GroupMember]>('join');
/** A group's state: its firing alerts, those waiting for the next notification, and its notifications so far. */
export const groupStatusQuery = defineQuery<GroupStatus>('groupStatus');
/** A silence was expired early (alertctl, the intake): the deliveries it held back look again now. */
export const silenceEndedSignal = defineSignal<[{ silenceId: string }]>('silenceEnded');
/** An inhibition source resolved: the deliveries it held back look again now (the source's resolve sends it). */
export const inhibitionEndedSignal = defineSignal<[{ sourceAlertId: string }]>('inhibitionEnded');

export interface GroupStatus {
  status: DeliveryStatus;
  firing: number;
  pending: number;
  sequence: number;
  lastNotifiedAt: string | null;
  channels: ChannelResult[];
}
