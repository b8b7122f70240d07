// Waking the deliveries a silence or an inhibition source holds back, once it is over:
//   - a silence expired early (`alertctl silence expire`, the intake's DELETE): each delivery sleeps on a durable
//     timer until the silence's old end, so it is told with `silenceEnded`;
//   - an inhibition source resolved (its resolve delivery runs the wakeInhibited activity): `inhibitionEnded`.
// Either way the delivery then asks the index what holds it now (see waitOutHolds in src/workflows/storm-steps.ts).
// A silence that ends on its own, or a source that goes stale, needs none of this: the timers fire.
//
// Who is held back is read from the alert documents right after a refresh (storm/held.ts), after the hold was marked
// over in its own index; with each held delivery's second look after recording its hold, none is missed.
import { WorkflowNotFoundError } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import { inhibitionEndedSignal, silenceEndedSignal } from '../contracts/messages';
import { suppressedByValue } from '../contracts/search-attributes';
import type { HeldDeliveries } from './held';

/** Signals in flight at once. */
const PARALLEL = 20;

/** Signals every delivery whose document says it is held back by `held`; resolves with how many were signalled. */
async function wakeHeldBack(held: string, lister: HeldDeliveries, signal: (id: string) => Promise<void>): Promise<number> {
  const ids = await lister.list(held);
  let signalled = 0;
  for (let i = 0; i < ids.length; i += PARALLEL) {
    await Promise.all(ids.slice(i, i + PARALLEL).map(async (id) => {
      try {
        await signal(id);
        signalled++;
      } catch (e) {
        if (!(e instanceof WorkflowNotFoundError)) throw e; // closed since its document was written: nothing to wake
      }
    }));
  }
  return signalled;
}

/** A non-empty ID. */
function checkId(what: string, id: string, kind: string): void {
  if (!id) throw new Error(`${what}: ${JSON.stringify(id)} is not ${kind}`);
}

/**
 * Signals `silenceEnded` to every running delivery held back by silence `silenceId`; resolves with how many
 * were signalled. (The workflow ID alone: the run that holds it now, should it have continued as new.)
 */
export async function wakeSilenced(client: Client, lister: HeldDeliveries, silenceId: string): Promise<number> {
  checkId('wakeSilenced', silenceId, 'a silence ID');
  const held = suppressedByValue({ kind: 'silence', silenceId, endsAt: '', comment: '', createdBy: '' });
  return wakeHeldBack(held, lister, (id) => client.workflow.getHandle(id).signal(silenceEndedSignal, { silenceId }));
}

/** Signals `inhibitionEnded` to every running delivery held back by the source alert `sourceAlertId`. */
export async function wakeInhibited(client: Client, lister: HeldDeliveries, sourceAlertId: string): Promise<number> {
  checkId('wakeInhibited', sourceAlertId, 'an alert ID');
  const held = suppressedByValue({ kind: 'inhibit', rule: 0, by: { alertId: sourceAlertId, deliveryId: '', workflowId: '' }, until: '' });
  return wakeHeldBack(held, lister, (id) => client.workflow.getHandle(id).signal(inhibitionEndedSignal, { sourceAlertId }));
}
