// Scripted activities for workflow unit tests (the only place activities are mocked).
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { NotifyInput } from '../../src/activities';
import type { ChannelPlan, DeliveryRequest, DeliveryState, NotifyResult, ParkPolicy, PersistResult, RecordInput } from '../../src/shared';

export type Outcome = 'ok' | 'transient' | 'permanent';
/** Decides one notify attempt: `attempt` is the activity attempt, `call` counts all calls to this channel. */
export type Script = (channel: string, attempt: number, call: number) => Outcome;

export function plan(name: string, over: Partial<ChannelPlan> = {}): ChannelPlan {
  return {
    name,
    type: 'webhook',
    required: true,
    timeoutMs: 10_000,
    retry: { initialInterval: 1000, backoffCoefficient: 2, maximumInterval: 10_000, maximumAttempts: 3, nonRetryableErrorTypes: ['PermanentDeliveryError'] },
    ...over,
  };
}

export function mockActivities(channels: ChannelPlan[], script: Script, park: ParkPolicy = { redriveIntervalMs: 0, giveUpAfterMs: 0 }, alreadyDelivered = false) {
  const events: string[] = [];
  const records: DeliveryState[] = [];
  const calls = new Map<string, number>();
  const activities = {
    persistAlert(_req: DeliveryRequest): Promise<PersistResult> {
      events.push('persist');
      return Promise.resolve({ alreadyDelivered, channels, park });
    },
    ackMessage(): Promise<number> {
      events.push('ack');
      return Promise.resolve(1);
    },
    notifyChannel(input: NotifyInput): Promise<NotifyResult> {
      const { attempt } = Context.current().info;
      const call = (calls.get(input.channel) ?? 0) + 1;
      calls.set(input.channel, call);
      const outcome = script(input.channel, attempt, call);
      events.push(`notify:${input.channel}:${outcome}`);
      if (outcome === 'ok') return Promise.resolve({ attempt, deliveredAt: new Date().toISOString(), response: 'HTTP 200' });
      if (outcome === 'permanent') {
        throw ApplicationFailure.create({ type: 'PermanentDeliveryError', message: `${input.channel}: HTTP 404`, nonRetryable: true, details: [{ attempt }] });
      }
      throw ApplicationFailure.create({ type: 'TransientDeliveryError', message: `${input.channel}: HTTP 503`, details: [{ attempt }] });
    },
    recordOutcome({ state }: RecordInput): Promise<void> {
      events.push(`record:${state.status}`);
      records.push(structuredClone(state));
      return Promise.resolve();
    },
  };
  return { activities, events, records, calls };
}

export function request(messageId = '1-0'): DeliveryRequest {
  return {
    stream: 'alerts',
    group: 'alert-processor',
    messageId,
    receivedAt: '2026-11-23T00:00:00.000Z',
    event: {
      alertId: 'a-1', ruleId: 'rule-cpu', ruleName: 'CPU high', severity: 'critical', title: 'CPU at 99%',
      view: 'prod', scope: 'host-1', firedAt: '2026-11-23T00:00:00.000Z',
    },
  };
}
