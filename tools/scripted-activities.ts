// Scripted activities for the workflow unit tests and the recorded replay histories (scripts/record-histories.ts):
// the only place activities are mocked.
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { NotifyInput } from '../src/activities';
import type { JoinInput, RecordMembersInput } from '../src/activities/groups';
import type { ChannelPlan, NotifyResult, ParkPolicy } from '../src/contracts/channels';
import type { DeliveryRequest, DeliveryState, EscalationPlan, IncidentClaim, PersistResult, RecordInput, Suppression } from '../src/contracts/delivery';
import type { GroupRef } from '../src/contracts/group';
import type { PageResolution, ResolvePageInput } from '../src/contracts/oncall';

export type Outcome = 'ok' | 'transient' | 'permanent';
/** Decides one notify attempt: `attempt` is the activity attempt, `call` counts all calls to this channel. */
export type Script = (channel: string, attempt: number, call: number) => Outcome;

export function plan(name: string, over: Partial<ChannelPlan> = {}): ChannelPlan {
  return {
    name,
    type: 'webhook',
    required: true,
    timeoutMs: 10_000,
    deadlineMs: 3_600_000,
    retry: { initialInterval: 1000, backoffCoefficient: 2, maximumInterval: 10_000, maximumAttempts: 3, nonRetryableErrorTypes: ['PermanentDeliveryError'] },
    ...over,
  };
}

/** Scripted store answers and notify timing, for the paths the store and the clock decide. */
export interface MockOptions {
  /** persist: the store refuses the alert (non-retryable StoreRefusedError / AlertConflictError). */
  persistRefused?: 'StoreRefusedError' | 'AlertConflictError';
  /** persist: the document already ended in this status. */
  finishedAs?: string;
  /** record: the store refuses the outcome of this status for good. */
  recordRefusedFor?: string;
  /** notify: each call takes this long (ms, workflow time is real inside activities), cancellable by heartbeat. */
  notifyDelayMs?: number;
  /** notify: a transient failure asks for this next-retry delay (the receiver's Retry-After). */
  retryAfterMs?: number;
  /** persist: the delivery's role in its incident (the lifecycle), and the route's escalation policy. */
  incident?: IncidentClaim;
  escalation?: EscalationPlan;
  /** persist: storm control's answer (a silence or inhibition holds the alert back; its route groups it). */
  suppressed?: Suppression;
  group?: GroupRef;
  /** silenceInForce: what a silenced delivery finds when it wakes up (default: no silence any more). */
  silenceAfterWake?: () => Suppression | null;
  /** confirmHold: what the second look right after recording a hold finds (default: the hold just recorded). */
  confirmHold?: () => Suppression | null;
  /** incidentStillFiring: the held-back alert's own incident, when its inhibition source went stale (default true). */
  stillFiring?: boolean;
  /** persist: this resolve ended an inhibition source (the deliveries it held back are woken). */
  endsInhibitions?: boolean;
  /** planResolved: what it plans (default: the channels given). */
  resolvedPlans?: () => ChannelPlan[];
  /** resolvePage: who a level pages (default: nobody, no fallback). */
  page?: (input: ResolvePageInput) => PageResolution;
}

export function mockActivities(channels: ChannelPlan[], script: Script, park: ParkPolicy = { redriveIntervalMs: 0, giveUpAfterMs: 0 }, alreadyDelivered = false, opts: MockOptions = {}) {
  const events: string[] = [];
  const records: DeliveryState[] = [];
  const calls = new Map<string, number>();
  const notifyInputs: NotifyInput[] = [];
  const persistArgs: DeliveryRequest[] = [];
  const recordInputs: RecordInput[] = [];
  const joins: JoinInput[] = [];
  const memberRecords: RecordMembersInput[] = [];
  const pageInputs: ResolvePageInput[] = [];
  const activities = {
    persistAlert(req: DeliveryRequest): Promise<PersistResult> {
      events.push('persist');
      persistArgs.push(req);
      if (opts.persistRefused) {
        throw ApplicationFailure.create({ type: opts.persistRefused, message: 'OpenSearch refused the create (400 mapper_parsing_exception): failed to parse field [firedAt]', nonRetryable: true });
      }
      const finishedAs = opts.finishedAs ?? (alreadyDelivered ? 'delivered' : undefined);
      return Promise.resolve({
        ...(finishedAs ? { finishedAs } : {}), channels, park,
        ...(opts.incident ? { incident: opts.incident } : {}), ...(opts.escalation ? { escalation: opts.escalation } : {}),
        ...(opts.suppressed ? { suppressed: opts.suppressed } : {}), ...(opts.group ? { group: opts.group } : {}),
        ...(opts.endsInhibitions ? { endsInhibitions: true } : {}),
      });
    },
    joinGroup(input: JoinInput): Promise<{ groupId: string }> {
      events.push(`join:${input.member.status}`);
      joins.push(input);
      return Promise.resolve({ groupId: input.ref.workflowId });
    },
    recordGroupMembers(input: RecordMembersInput): Promise<number> {
      events.push(`recordMembers:${input.state.status}:${input.state.group?.notificationKey}`);
      memberRecords.push(structuredClone(input));
      return Promise.resolve(input.deliveryIds.length);
    },
    silenceInForce(): Promise<Suppression | null> {
      events.push('silenceInForce');
      return Promise.resolve(opts.silenceAfterWake?.() ?? null);
    },
    confirmHold(): Promise<Suppression | null> {
      events.push('confirmHold');
      return Promise.resolve(opts.confirmHold ? opts.confirmHold() : records.at(-1)?.suppressedBy ?? null);
    },
    incidentStillFiring(): Promise<boolean> {
      events.push('incidentStillFiring');
      return Promise.resolve(opts.stillFiring ?? true);
    },
    wakeInhibited({ sourceAlertId }: { sourceAlertId: string }): Promise<number> {
      events.push(`wakeInhibited:${sourceAlertId}`);
      return Promise.resolve(1);
    },
    planResolved(): Promise<ChannelPlan[]> {
      events.push('planResolved');
      return Promise.resolve(opts.resolvedPlans?.() ?? channels);
    },
    resolvePage(input: ResolvePageInput): Promise<PageResolution> {
      events.push(`resolvePage:${input.level}`);
      pageInputs.push(input);
      return Promise.resolve(opts.page?.(input) ?? { paged: [], nobody: input.targets.map((target) => ({ target, reason: 'nobody', fallback: [] })), fallbackChannels: [] });
    },
    recordAcknowledged({ by }: { by: string }): Promise<void> {
      events.push(`acknowledged:${by}`);
      return Promise.resolve();
    },
    async notifyChannel(input: NotifyInput): Promise<NotifyResult> {
      const ctx = Context.current();
      const { attempt } = ctx.info;
      notifyInputs.push(input);
      if (opts.notifyDelayMs) {
        events.push(`notify:${input.channel}:started`);
        const beat = setInterval(() => ctx.heartbeat(), 100);
        try {
          await Promise.race([ctx.sleep(opts.notifyDelayMs), ctx.cancelled]);
        } finally {
          clearInterval(beat);
        }
      }
      const call = (calls.get(input.channel) ?? 0) + 1;
      calls.set(input.channel, call);
      const outcome = script(input.channel, attempt, call);
      events.push(`notify:${input.channel}:${outcome}`);
      if (outcome === 'ok') return { attempt, deliveredAt: new Date().toISOString(), response: 'HTTP 200' };
      if (outcome === 'permanent') {
        throw ApplicationFailure.create({ type: 'PermanentDeliveryError', message: `${input.channel}: HTTP 404`, nonRetryable: true, details: [{ attempt }] });
      }
      throw ApplicationFailure.create({ type: 'TransientDeliveryError', message: `${input.channel}: HTTP 503`, details: [{ attempt, ...(opts.retryAfterMs ? { retryAfterMs: opts.retryAfterMs } : {}) }], nextRetryDelay: opts.retryAfterMs });
    },
    recordOutcome(input: RecordInput): Promise<void> {
      const { state } = input;
      events.push(`record:${state.status}`);
      recordInputs.push(structuredClone(input));
      if (opts.recordRefusedFor === state.status) {
        throw ApplicationFailure.create({ type: 'StoreRefusedError', message: 'OpenSearch refused the update (404 document_missing_exception): [1-0]: document missing', nonRetryable: true });
      }
      records.push(structuredClone(state));
      return Promise.resolve();
    },
  };
  return { activities, events, records, calls, notifyInputs, persistArgs, recordInputs, joins, memberRecords, pageInputs };
}

/** A delivery request as the ingest makes it. */
export function request(messageId = '1-0'): DeliveryRequest {
  return {
    stream: 'alerts',
    group: 'alert-processor',
    messageId,
    deliveryId: `alerts:${messageId}`,
    receivedAt: '2026-11-23T00:00:00.000Z',
    event: {
      alertId: 'a-1', ruleId: 'rule-cpu', ruleName: 'CPU high', severity: 'critical', title: 'CPU at 99%',
      view: 'prod', scope: 'host-1', firedAt: '2026-11-23T00:00:00.000Z',
    },
  };
}
