// Crash points for the first-task tests: the service's real activities, wrapped so that the n-th local activity a
// workflow runs does its work and then loses its workflow task (test/workflows/crash-interceptor turns the
// `InjectedCrash` failure into a failed task). The fault lives here, on the test side; production code has no hook.
import { ApplicationFailure, Context } from '@temporalio/activity';

type Activity = (...args: never[]) => Promise<unknown>;

export class CrashPoints {
  /** workflow ID → the local activity call (1-based, in completion order) after which its task is lost, once */
  private readonly plan = new Map<string, number>();
  /** workflow ID → the local activities it ran, in order (a lost task's are run again, so they appear twice) */
  readonly calls = new Map<string, string[]>();
  /** workflow ID → the activity after which its task was lost */
  readonly crashed = new Map<string, string>();

  /** workflow ID → a gate its first call of an activity waits at, before doing its work */
  private readonly gates = new Map<string, { activity: string; open: Promise<void>; reached: () => void }>();

  crashAfter(workflowId: string, call: number): void {
    this.plan.set(workflowId, call);
  }

  /**
   * The workflow's first call of `activity` waits until `open` settles before it does its work (another delivery can
   * run meanwhile). Resolves once the call is waiting there.
   */
  pauseBefore(workflowId: string, activity: string, open: Promise<void>): Promise<void> {
    return new Promise((reached) => this.gates.set(workflowId, { activity, open, reached }));
  }

  wrap<T extends Record<string, Activity>>(activities: T): T {
    const wrapped = Object.entries(activities).map(([name, fn]) => [name, async (...args: never[]) => {
      const gate = this.gates.get(Context.current().info.workflowExecution?.workflowId ?? '');
      if (gate?.activity === name) {
        this.gates.delete(Context.current().info.workflowExecution!.workflowId);
        gate.reached();
        await gate.open;
      }
      let outcome: { ok: true; value: unknown } | { ok: false; error: unknown };
      try {
        outcome = { ok: true, value: await fn(...args) };
      } catch (error) {
        outcome = { ok: false, error };
      }
      const { isLocal, workflowExecution } = Context.current().info;
      if (isLocal && workflowExecution) {
        const id = workflowExecution.workflowId;
        const seen = [...(this.calls.get(id) ?? []), name];
        this.calls.set(id, seen);
        if (this.plan.get(id) === seen.length && !this.crashed.has(id)) {
          this.crashed.set(id, name);
          throw ApplicationFailure.create({ type: 'InjectedCrash', nonRetryable: true, message: `crash after ${name} (its work is done)` });
        }
      }
      if (!outcome.ok) throw outcome.error;
      return outcome.value;
    }]);
    return Object.fromEntries(wrapped) as T;
  }
}
