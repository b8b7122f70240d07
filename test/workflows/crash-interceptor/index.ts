// A workflow interceptor for the crash-point tests (test/helpers/crash-points.ts): a local activity that fails with
// `InjectedCrash` (after doing its work) fails the whole workflow task instead, as a kill -9 of the worker inside the
// task would lose it. The task's local activity results are lost with it; its next attempt replays and runs them again.
import { ActivityFailure, ApplicationFailure, type WorkflowInterceptorsFactory } from '@temporalio/workflow';

export const INJECTED_CRASH = 'InjectedCrash';

export const interceptors: WorkflowInterceptorsFactory = () => ({
  outbound: [{
    async scheduleLocalActivity(input, next) {
      try {
        return await next(input);
      } catch (err) {
        const cause = err instanceof ActivityFailure ? err.cause : err;
        // A plain Error (not a Temporal failure) thrown in workflow code fails the workflow task.
        if (cause instanceof ApplicationFailure && cause.type === INJECTED_CRASH) throw new Error(`injected crash after ${input.activityType}: the workflow task is lost`);
        throw err;
      }
    },
  }],
});
