// The workflows' queries, signals and updates: what operators, the intake and other workflows send them.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { DeliveryState } from './delivery';
import type { GroupMember, GroupStatus } from './group';

// ---- a delivery ----
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
/** A silence was expired early (alertctl, the intake): the deliveries it held back look again now. */
export const silenceEndedSignal = defineSignal<[{ silenceId: string }]>('silenceEnded');
/** An inhibition source resolved: the deliveries it held back look again now (the source's resolve sends it). */
export const inhibitionEndedSignal = defineSignal<[{ sourceAlertId: string }]>('inhibitionEnded');

// ---- a group ----
/**
 * An alert joins its group (signal-with-start on the group workflow: durable once the server answers, with no
 * worker in the way and no cap on joins in flight). A join repeated for the same delivery counts once.
 */
export const joinGroupSignal = defineSignal<[GroupMember]>('join');
/** A group's state: its firing alerts, those waiting for the next notification, and its notifications so far. */
export const groupStatusQuery = defineQuery<GroupStatus>('groupStatus');
