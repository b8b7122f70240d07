// One delivery's run: the state its steps share, its bookkeeping (the alert document and the search attributes an
// operator filters on), and its one way out. Workflow code: deterministic, no I/O (the activities do it).
import { ApplicationFailure, CancellationScope, allHandlersFinished, condition, upsertSearchAttributes } from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { ChannelPlan, ChannelResult, DeliveryStatus, ParkPolicy } from '../contracts/channels';
import type { DeliveryRequest, DeliveryState, ParkedDelivery, ResolvesRef } from '../contracts/delivery';
import type { Urgency } from '../contracts/oncall';
import { SA_FAILED_CHANNELS, SA_STATE, SA_STATUS } from '../contracts/search-attributes';
import { localBookkeeping, storeRefusal } from './bookkeeping';

/** The workflow's signature (deliver-alert.ts): a new delivery, or a parked one carried into a fresh run. */
export type DeliverAlert = (req: DeliveryRequest, parked?: ParkedDelivery) => Promise<DeliveryState>;

/**
 * How a run ends: its status, and what is still to be written: `record` (the document and the status attribute),
 * `status` (the attribute only: the document already says it), or `nothing` (the last step recorded it).
 */
export interface Exit {
  status: DeliveryStatus;
  write: 'record' | 'status' | 'nothing';
}

/** A channel's result before its first attempt. */
export function newResult(channel: string, required: boolean): ChannelResult {
  return { channel, status: 'pending', required, attempts: 0, lastError: null, lastErrorType: null, deliveredAt: null };
}

export class Delivery {
  readonly state: DeliveryState;
  /** The channel plan (the route's channels; a resolve's: the channels its firing delivery reached). */
  channels: ChannelPlan[];
  park: ParkPolicy;
  /** Workflow time at which the first notification went out: escalation and the give-up deadline count from here. */
  parkedAtMs: number;
  /** Set for a resolved event's own notifications: the firing delivery they resolve. */
  resolves?: ResolvesRef;
  /** Set when a resolved event's delivery reports this (firing) delivery's incident resolved. */
  resolvedBy?: string;
  /** Retries asked for (the retry update) and done: a parked run wakes while one is outstanding. */
  retriesRequested = 0;
  retriesDone = 0;
  /** The notification round in flight (abandon cancels it). */
  notifyScope?: CancellationScope;
  /** Holds lifted early by a signal: silences expired (`silence expire`), inhibition sources resolved. */
  readonly silencesEnded = new Set<string>();
  readonly inhibitionsEnded = new Set<string>();
  /** The wake of the deliveries this resolve's source held back, running beside the rest (storm-steps.ts). */
  waking?: Promise<unknown>;
  /** Which personal notification rules apply when a level pages people: high for critical and high severity. */
  readonly urgency: Urgency;
  /** The paged people's notification rules, running beside the escalation (page-people.ts). */
  readonly personalRules: Promise<void>[] = [];
  /** Contacts sent per person so far: the `<n>` of each contact's key `<delivery ID>:<person>:<n>`. */
  readonly contactsSent = new Map<string, number>();
  /** Attributes waiting to go out with the next status update (incident state, group, suppression: one upsert, not two). */
  private pendingAttributes: SearchAttributeUpdatePair[] = [];

  /** @param parked set only when a parked run continued as new: it resumes waiting where it stood */
  constructor(readonly req: DeliveryRequest, parked?: ParkedDelivery) {
    this.state = parked?.state ?? { status: 'pending', channels: [], rounds: 0, parkedAt: null, abandonReason: null };
    this.channels = parked?.channels ?? [];
    this.park = parked?.park ?? { redriveIntervalMs: 0, giveUpAfterMs: 0 };
    this.parkedAtMs = parked?.parkedAtMs ?? 0;
    this.urgency = req.event.severity === 'critical' || req.event.severity === 'high' ? 'high' : 'low';
  }

  /** A human acknowledged, or the incident resolved: escalation and personal rules stop. */
  answered(): boolean {
    return this.state.ack !== undefined || this.resolvedBy !== undefined;
  }

  /** The delivery ID: the workflow ID, the document `_id` and every channel's idempotency key. */
  get deliveryId(): string {
    return this.req.deliveryId;
  }

  /** Sends a search attribute with the next status update. */
  addAttribute(pair: SearchAttributeUpdatePair): void {
    this.pendingAttributes.push(pair);
  }

  /** The incident's state (AlertState): `firing` goes out with the next status update, a change at once. */
  showIncidentState(value: 'firing' | 'acknowledged' | 'resolved'): void {
    if (value === 'firing') this.addAttribute({ key: SA_STATE, value });
    else upsertSearchAttributes([{ key: SA_STATE, value }]);
  }

  /** Keeps `AlertDeliveryStatus` and `AlertFailedChannels` current (with the attributes waiting to go out). */
  setStatus(status: DeliveryStatus, failedChannels: string[] = []): void {
    upsertSearchAttributes([{ key: SA_STATUS, value: status }, { key: SA_FAILED_CHANNELS, value: failedChannels }, ...this.pendingAttributes]);
    this.pendingAttributes = [];
  }

  /** The required channels that failed (what parks the alert). */
  failedRequired(): string[] {
    return this.state.channels.filter((c) => c.status === 'failed' && c.required).map((c) => c.channel);
  }

  /** Records the state: the status attribute, then the document (even while the run is being cancelled). */
  async record(): Promise<void> {
    const { state } = this;
    this.setStatus(state.abandonReason !== null && state.status !== 'delivered' ? 'abandoned' : state.status, this.failedRequired());
    try {
      await CancellationScope.nonCancellable(() => localBookkeeping.recordOutcome({ messageId: this.req.messageId, deliveryId: this.deliveryId, state }));
    } catch (err) {
      // The store refused the outcome for good (e.g. the document is gone): fail the run visibly, with the reason.
      const refusal = storeRefusal(err);
      if (!refusal) throw err;
      throw ApplicationFailure.create({ type: 'OutcomeNotRecorded', nonRetryable: true, message: `delivery ${state.status}, but the outcome could not be recorded: ${refusal.message}` });
    }
  }

  /** The one way out: writes what is left, waits for the handlers in flight and the wake this run started, returns the state. */
  async exit({ status, write }: Exit): Promise<DeliveryState> {
    this.state.status = status;
    if (write === 'record') await this.record();
    if (write === 'status') this.setStatus(status);
    await this.waking;
    await condition(allHandlersFinished);
    return this.state;
  }
}
