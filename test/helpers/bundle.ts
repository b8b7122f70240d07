import { DefaultLogger, bundleWorkflowCode, type WorkflowBundleOption } from '@temporalio/worker';

/** Set by test/helpers/global-setup.js: the service's workflow code, bundled once per jest run. */
export const WORKFLOW_BUNDLE_ENV = 'TEST_WORKFLOW_BUNDLE';

let cached: Promise<WorkflowBundleOption> | undefined;
/**
 * The service's workflow code (src/workflows): the bundle jest's global setup wrote for this run, or, when jest
 * runs without it, bundled here once per test file.
 */
export function serviceWorkflowBundle(): Promise<WorkflowBundleOption> {
  const codePath = process.env[WORKFLOW_BUNDLE_ENV];
  cached ??= codePath
    ? Promise.resolve({ codePath })
    : bundleWorkflowCode({ workflowsPath: require.resolve('../../src/workflows'), logger: new DefaultLogger('ERROR') });
  return cached;
}
