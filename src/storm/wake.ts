// Waking the deliveries a silence or an inhibition source holds back, once it is over:
//   - a silence expired early (`alertctl silence expire`, the intake's DELETE): each delivery sleeps on a durable
//     timer until the silence's old end, so it is told with `silenceEnded`;
//   - an inhibition source resolved (its resolve delivery runs the wakeInhibited activity): `inhibitionEnded`.
// Either way the delivery then asks the index what holds it now (see waitOutHolds in src/workflows/storm-steps.ts).
// A silence that ends on its own, or a source that goes stale, needs none of this: the timers fire.
//
// They are found through visibility (`AlertSuppressedBy="silence:<id>"` / `"inhibit:<alertId>"`), which lags about
// a second behind the workflows: a delivery held back just before the end (its persist step may also have used a
// silence cache up to a second old) may not be listed yet. So the list is read once and, when the hold ended less
// than 5 s ago, once more 2 s later. A delivery missed by both still wakes at its timer (the silence's original
// end; the source's staleness).
import { WorkflowNotFoundError } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import { SA_SUPPRESSED_BY, inhibitionEndedSignal, silenceEndedSignal, suppressedByValue } from '../shared';

/** Under this age a second listing is worth it (visibility and the silence cache lag by about a second each). */
export const RECENT_END_MS = 5_000;
export const SECOND_LIST_AFTER_MS = 2_000;
/** Signals in flight at once. */
const PARALLEL = 20;

export interface WakeOptions {
  /** When the hold ended (default now, i.e. just expired or resolved). */
  endedAt?: string | number;
  secondListAfterMs?: number;
}

/** Signals every running delivery whose AlertSuppressedBy is `held`; resolves with how many were signalled (each once). */
async function wakeHeldBack(client: Client, held: string, signal: (id: string) => Promise<void>, opts: WakeOptions): Promise<number> {
  const query = `${SA_SUPPRESSED_BY.name}="${held}" AND ExecutionStatus="Running"`;
  const signalled = new Set<string>();
  const round = async () => {
    const ids: string[] = [];
    for await (const wf of client.workflow.list({ query })) if (!signalled.has(wf.workflowId)) ids.push(wf.workflowId);
    for (let i = 0; i < ids.length; i += PARALLEL) {
      await Promise.all(ids.slice(i, i + PARALLEL).map(async (id) => {
        try {
          await signal(id);
          signalled.add(id);
        } catch (e) {
          if (!(e instanceof WorkflowNotFoundError)) throw e; // closed since it was listed: nothing to wake
        }
      }));
    }
  };
  await round();
  const endedAt = opts.endedAt === undefined ? Date.now() : typeof opts.endedAt === 'number' ? opts.endedAt : Date.parse(opts.endedAt);
  if (Date.now() - endedAt < RECENT_END_MS) {
    await new Promise((resolve) => setTimeout(resolve, opts.secondListAfterMs ?? SECOND_LIST_AFTER_MS));
    await round();
  }
  return signalled.size;
}

/** A quotable ID: no `"` or `\` (it goes into a visibility query). */
function checkId(what: string, id: string, kind: string): void {
  if (!id || /["\\]/.test(id)) throw new Error(`${what}: ${JSON.stringify(id)} is not ${kind}`);
}

/**
 * Signals `silenceEnded` to every running delivery held back by silence `silenceId`; resolves with how many
 * were signalled. (The workflow ID alone: the run that holds it now, should it have continued as new.)
 */
export async function wakeSilenced(client: Client, silenceId: string, opts: WakeOptions = {}): Promise<number> {
  checkId('wakeSilenced', silenceId, 'a silence ID');
  const held = suppressedByValue({ kind: 'silence', silenceId, endsAt: '', comment: '', createdBy: '' });
  return wakeHeldBack(client, held, (id) => client.workflow.getHandle(id).signal(silenceEndedSignal, { silenceId }), opts);
}

/** Signals `inhibitionEnded` to every running delivery held back by the source alert `sourceAlertId`. */
export async function wakeInhibited(client: Client, sourceAlertId: string, opts: WakeOptions = {}): Promise<number> {
  checkId('wakeInhibited', sourceAlertId, 'an alert ID');
  const held = suppressedByValue({ kind: 'inhibit', rule: 0, by: { alertId: sourceAlertId, deliveryId: '', workflowId: '' } });
  return wakeHeldBack(client, held, (id) => client.workflow.getHandle(id).signal(inhibitionEndedSignal, { sourceAlertId }), opts);
}
