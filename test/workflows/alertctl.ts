// A stand-in for the delivery workflow, for test/alertctl.test.ts: the same type name (`deliverAlert`),
// input (a DeliveryRequest) and `status` query, an `acknowledge` update with a validator, and a `finish`
// signal; so alertctl's commands are tested without depending on the real workflow's handlers.
import { ApplicationFailure, condition, defineQuery, defineSignal, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { DeliveryRequest, DeliveryState } from '../../src/contracts/delivery';
import { acknowledgeUpdate, statusQuery, type AckInput } from '../../src/contracts/messages';
import { SA_STATUS } from '../../src/contracts/search-attributes';

export const ackedQuery = defineQuery<AckInput | null>('acked');
export const finishSignal = defineSignal('finish');

export interface FakeDeliveryOptions {
  /** false: no `acknowledge` handler (a workflow that does not know the update). */
  ackable?: boolean;
}

export async function deliverAlert(_req: DeliveryRequest, opts: FakeDeliveryOptions = {}): Promise<DeliveryState> {
  const state: DeliveryState = {
    status: 'pending', rounds: 1, parkedAt: null, abandonReason: null,
    channels: [{ channel: 'hook', status: 'delivered', required: true, attempts: 1, lastError: null, lastErrorType: null, deliveredAt: '2026-01-01T00:00:00.000Z' }],
  };
  let acked: AckInput | undefined;
  let finished = false;
  setHandler(statusQuery, () => state);
  setHandler(ackedQuery, () => acked ?? null);
  setHandler(finishSignal, () => {
    finished = true;
  });
  if (opts.ackable !== false) {
    setHandler(
      acknowledgeUpdate,
      (input) => {
        acked = input;
        return Promise.resolve(state);
      },
      {
        validator: (input) => {
          if (acked) throw ApplicationFailure.nonRetryable(`already acknowledged by ${acked.by}`);
          if (!input?.by) throw ApplicationFailure.nonRetryable('by is required');
        },
      },
    );
  }
  await condition(() => finished);
  state.status = 'delivered';
  upsertSearchAttributes([{ key: SA_STATUS, value: 'delivered' }]);
  return state;
}
