// The workflow tests' one harness: a worker on a fresh task queue over the service's workflow bundle and the given
// (scripted, tools/scripted-activities.ts) activities, running one workflow from its start to its close.
import type { WorkflowExecutionDescription, WorkflowHandleWithFirstExecutionRunId, WorkflowResultType, WorkflowStartOptions } from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleOption } from '@temporalio/worker';
import { uid } from './stack';

/** Where the workflow runs: the suite's time-skipping server (timeSkippingSuite) or the dev server, and the bundle. */
export interface WorkflowServer {
  env: TestWorkflowEnvironment;
  workflowBundle: WorkflowBundleOption;
}

/** Runs `fn` with a worker polling a fresh task queue (given to `fn`) until `fn` settles. */
export async function withWorker<T>(server: WorkflowServer, activities: object, fn: (taskQueue: string) => Promise<T>): Promise<T> {
  const taskQueue = uid('wf');
  const worker = await Worker.create({ connection: server.env.nativeConnection, taskQueue, workflowBundle: server.workflowBundle, activities });
  return worker.runUntil(fn(taskQueue));
}

export interface RunOptions<W extends Workflow> {
  args: Parameters<W>;
  activities: object;
  /** Default: `alerts:<uuid>`. */
  workflowId?: string;
  /** What the test does while the workflow runs (signals, updates, skipped time, queries). */
  body?: (handle: WorkflowHandleWithFirstExecutionRunId<W>) => Promise<void>;
  /** A workflow that stays open by design (a group): terminated after `body` instead of awaited (no result then). */
  terminate?: boolean;
}

export interface WorkflowRun<W extends Workflow> {
  handle: WorkflowHandleWithFirstExecutionRunId<W>;
  /** Its result; undefined when it failed or was terminated. */
  result: WorkflowResultType<W> | undefined;
  /** What `handle.result()` threw (a failed or cancelled run), else undefined. */
  error: unknown;
  /** The closed run's description (status, search attributes), read after it closed. */
  closed: WorkflowExecutionDescription;
}

/**
 * Starts `workflowType`, runs `body`, then waits for the run to close (its result, or the failure it ended with)
 * or terminates it; the worker runs until then. Nothing an activity does can happen after this returns.
 */
export async function runWorkflow<W extends Workflow>(server: WorkflowServer, workflowType: string, o: RunOptions<W>): Promise<WorkflowRun<W>> {
  return withWorker(server, o.activities, async (taskQueue) => {
    const options = { taskQueue, workflowId: o.workflowId ?? uid('alerts'), args: o.args } as unknown as WorkflowStartOptions<W>; // args: Parameters<W>, which tsc cannot match to its conditional type
    const handle = await server.env.client.workflow.start<W>(workflowType, options);
    if (o.body) await o.body(handle);
    if (o.terminate) await handle.terminate('test over');
    const outcome = o.terminate
      ? { result: undefined, error: undefined }
      : await handle.result().then((result) => ({ result, error: undefined }), (error: unknown) => ({ result: undefined, error }));
    return { handle, ...outcome, closed: await handle.describe() };
  });
}

/** Waits (real time, polling every 20 ms) until `pred` holds, e.g. a scripted activity recorded that it started. */
export async function until(pred: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms: ${pred.toString()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** runWorkflow for a run that must complete: the failure it ended with fails the test. */
export async function runToCompletion<W extends Workflow>(server: WorkflowServer, workflowType: string, o: RunOptions<W>): Promise<WorkflowRun<W> & { result: WorkflowResultType<W> }> {
  const run = await runWorkflow<W>(server, workflowType, o);
  if (run.error !== undefined) throw run.error as Error; // a WorkflowFailedError
  return run as WorkflowRun<W> & { result: WorkflowResultType<W> };
}
