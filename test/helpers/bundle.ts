import { DefaultLogger, bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';

let cached: Promise<WorkflowBundle> | undefined;
/** The service's workflow code, bundled once per jest worker (instead of once per Worker.create). */
export function serviceWorkflowBundle(): Promise<WorkflowBundle> {
  cached ??= bundleWorkflowCode({ workflowsPath: require.resolve('../../src/workflows'), logger: new DefaultLogger('ERROR') });
  return cached;
}
