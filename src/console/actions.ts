// What an operator does to an incident from the console, as alertctl does it (src/alertctl/commands.ts): the
// workflow's `acknowledge`, `retry` and `abandon` updates, and a resolve (the firing event, as the workflow's input
// has it, published again with `status: resolved`: src/lifecycle/resolve-event.ts). Each runs as the logged-in
// person: the update's `by` (acknowledge; abandon's reason names them) and one log line per action.
import { abandonUpdate, acknowledgeUpdate, retryUpdate } from '../contracts/messages';
import { ackOutcomeOf } from '../intake/acknowledge';
import { resolvedEventOf, type ResolvedEvent } from '../lifecycle/resolve-event';
import type { ConsoleDeps } from './deps';

export const ACTIONS = ['ack', 'resolve', 'retry', 'abandon'] as const;
export type Action = (typeof ACTIONS)[number];

export type ActionOutcome =
  | { ok: true; message: string }
  | { ok: false; status: 400 | 404 | 409 | 503; message: string };

export interface ActionInput {
  by: string;
  note?: string;
  reason?: string;
}

type Writer = { readonly stream: string; add(entries: string[]): Promise<string[]> };

/** An update's failure as an outcome (the same sorting as the ack links': src/intake/acknowledge.ts). */
function failed(verb: string, e: unknown): ActionOutcome {
  const o = ackOutcomeOf(e);
  switch (o.kind) {
    case 'not-found': return { ok: false, status: 404, message: `${verb}: no such delivery` };
    case 'finished': return { ok: false, status: 409, message: `cannot ${verb}: the delivery has finished` };
    case 'rejected': return { ok: false, status: 409, message: `${verb} refused by the workflow: ${o.reason}` };
    case 'unavailable': return { ok: false, status: 503, message: `${verb}: ${o.reason}; try again` };
    default: return { ok: false, status: 503, message: `${verb} failed` };
  }
}

async function update(deps: ConsoleDeps, verb: string, run: () => Promise<unknown>): Promise<ActionOutcome> {
  try {
    await deps.temporal.withDeadline(Date.now() + deps.actionTimeoutMs, run);
    return { ok: true, message: `${verb}: done` };
  } catch (e) {
    return failed(verb, e);
  }
}

async function resolve(deps: ConsoleDeps, writer: Writer, workflowId: string): Promise<ActionOutcome> {
  let found: ResolvedEvent;
  try {
    found = await resolvedEventOf(deps.temporal, deps.namespace, workflowId);
  } catch (e) {
    return failed('resolve', e);
  }
  if (!found.ok) return { ok: false, status: 409, message: found.problem };
  if (found.stream && found.stream !== writer.stream) return { ok: false, status: 409, message: `cannot resolve: the alert came from stream ${found.stream}, this intake writes to ${writer.stream}` };
  try {
    const [id] = await writer.add([JSON.stringify(found.event)]);
    return { ok: true, message: `resolve: published the resolved event (stream message ${id})` };
  } catch (e) {
    return { ok: false, status: 503, message: `resolve: the stream is unavailable (${(e as Error).message}); try again` };
  }
}

/** Runs `action` on delivery `workflowId` as `input.by`. */
export async function runAction(deps: ConsoleDeps, writer: Writer, action: Action, workflowId: string, input: ActionInput): Promise<ActionOutcome> {
  const handle = deps.temporal.workflow.getHandle(workflowId);
  switch (action) {
    case 'ack':
      return update(deps, 'acknowledge', () => handle.executeUpdate(acknowledgeUpdate, { args: [{ by: input.by, via: 'console', ...(input.note ? { note: input.note } : {}) }] }));
    case 'retry':
      return update(deps, 'retry', () => handle.executeUpdate(retryUpdate));
    case 'abandon':
      if (!input.reason) return { ok: false, status: 400, message: 'abandon: a reason is required' };
      return update(deps, 'abandon', () => handle.executeUpdate(abandonUpdate, { args: [`${input.reason} (by ${input.by}, console)`] }));
    case 'resolve':
      return resolve(deps, writer, workflowId);
  }
}
