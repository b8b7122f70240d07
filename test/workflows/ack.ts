// Tiny workflows for the ack-link tests (test/intake.test.ts): they stand in for the delivery workflow's
// `acknowledge` update, so the intake's Temporal call is tested without depending on the real workflow.
import { ApplicationFailure, condition, defineQuery, setHandler } from '@temporalio/workflow';
import type { DeliveryState } from '../../src/contracts/delivery';
import { acknowledgeUpdate, type AckInput } from '../../src/contracts/messages';

export const ackedQuery = defineQuery<AckInput | null>('acked');

const state = (status: DeliveryState['status']): DeliveryState => ({ status, channels: [], rounds: 1, parkedAt: null, abandonReason: null });

/**
 * Handles `acknowledge` once (a second one is rejected by the validator, as the lifecycle rejects an
 * acknowledgement of a resolved incident) and stays open until terminated; the `acked` query says by whom.
 */
export async function ackable(): Promise<void> {
  let acked: AckInput | undefined;
  setHandler(
    acknowledgeUpdate,
    (input) => {
      acked = input;
      return Promise.resolve(state('delivered'));
    },
    {
      validator: (input) => {
        if (acked) throw ApplicationFailure.nonRetryable(`already acknowledged by ${acked.by}`);
        if (!input.by) throw ApplicationFailure.nonRetryable('by is required');
      },
    },
  );
  setHandler(ackedQuery, () => acked ?? null);
  await condition(() => false);
}

/** Has no `acknowledge` handler: what the delivery workflow looks like until the lifecycle lands. */
export async function notAckable(): Promise<string> {
  await condition(() => false, '1 hour');
  return 'done';
}
