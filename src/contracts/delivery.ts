// A delivery's workflow: its input, what its persist step decides, its state, and what a parked run carries on with.
import type { AlertEvent } from './alert';
import type { ChannelPlan, ChannelResult, DeliveryStatus, ParkPolicy } from './channels';
import type { GroupRef } from './group';
import type { PageResolution, PageTarget } from './oncall';

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


/** A delivery's role in its incident (`alertId`), decided atomically by the persist step (src/lifecycle/incidents.ts). */
export type IncidentClaim =
  | { role: 'page' }
  | { role: 'duplicate'; of: string; reason: string }
  | { role: 'resolve'; of: string; firingDeliveryId: string; reason: string }
  | { role: 'unmatched'; reason: string };

export interface PersistResult {
  /**
   * Another run of this workflow ID ended this delivery with this status (a stream replayed after it closed), or this
   * run's own persist step refused it (`rejected`): the delivery ends so, notifying nothing (store/found-document.ts).
   */
  finishedAs?: string;
  /**
   * This run's own first task was lost after it had notified and recorded these channels (store/found-document.ts):
   * they are not notified again (their receivers have the alert under its key already).
   */
  alreadyReached?: ChannelResult[];
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

/**
 * Escalation: `initial` channels are notified at once; each level `afterMs` after that first notification,
 * unless the incident was acknowledged or resolved by then. `repeat` runs the levels again that many times
 * (each cycle's waits measured from the cycle's start: the last level's `afterMs`).
 */
export interface EscalationPlan {
  policy: string;
  initial: string[];
  /** `notify`: the people a level pages (docs/oncall.md), resolved when the level fires. */
  levels: { afterMs: number; channels: string[]; notify?: PageTarget[] }[];
  repeat: number;
}

/** One level's paging as the document shows it: who, how they came to be paged, when; what found nobody, and the fallback. */
export interface PagingRecord extends Omit<PageResolution, 'paged'> {
  level: number;
  at: string;
  paged: { person: string; via: PageResolution['paged'][number]['via']; contacts: string[] }[];
}

/** The firing delivery a resolved notification refers to (each channel reuses the key its receiver knows). */
export interface ResolvesRef {
  deliveryId: string;
  workflowId: string;
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
  /** The people paged, level by level, and the targets that found nobody (docs/oncall.md); absent: nobody paged. */
  paging?: PagingRecord[];
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
