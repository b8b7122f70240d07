// Waking the deliveries a silence holds back when it is expired early (`alertctl silence expire`, the intake's
// DELETE): each sleeps on a durable timer until the silence's old end, so it is told with `silenceEnded`, then
// asks the index whether another silence holds it (see waitOutSilences in src/workflows/deliver-alert.ts).
// A silence that ends on its own needs none of this: the timers fire.
//
// They are found through visibility (`AlertSuppressedBy="silence:<id>"`), which lags about a second behind the
// workflows: a delivery silenced just before the expiry (its persist step may also have used a cache up to a
// second old) may not be listed yet. So the list is read once and, when the silence ended less than 5 s ago,
// once more 2 s later. A delivery missed by both still wakes at the silence's original end.
import { WorkflowNotFoundError } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import { SA_SUPPRESSED_BY, silenceEndedSignal, suppressedByValue } from '../shared';

/** Under this age a second listing is worth it (visibility and the silence cache lag by about a second each). */
export const RECENT_END_MS = 5_000;
export const SECOND_LIST_AFTER_MS = 2_000;
/** Signals in flight at once. */
const PARALLEL = 20;

/**
 * Signals `silenceEnded` to every running delivery held back by silence `silenceId`; resolves with how many
 * were signalled (each once). `endedAt`: when the silence ended (default now, i.e. just expired).
 */
export async function wakeSilenced(client: Client, silenceId: string, opts: { endedAt?: string | number; secondListAfterMs?: number } = {}): Promise<number> {
  if (!silenceId || /["\\]/.test(silenceId)) throw new Error(`wakeSilenced: ${JSON.stringify(silenceId)} is not a silence ID`);
  const value = suppressedByValue({ kind: 'silence', silenceId, endsAt: '', comment: '', createdBy: '' });
  const query = `${SA_SUPPRESSED_BY.name}="${value}" AND ExecutionStatus="Running"`;
  const signalled = new Set<string>();
  const round = async () => {
    const ids: string[] = [];
    for await (const wf of client.workflow.list({ query })) if (!signalled.has(wf.workflowId)) ids.push(wf.workflowId);
    for (let i = 0; i < ids.length; i += PARALLEL) {
      await Promise.all(ids.slice(i, i + PARALLEL).map(async (id) => {
        try {
          // The workflow ID alone: the run that holds it now (a parked delivery may have continued as new).
          await client.workflow.getHandle(id).signal(silenceEndedSignal, { silenceId });
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
