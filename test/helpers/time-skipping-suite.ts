// The time-skipping server and the service's workflow bundle for a workflow test file, set up once per file.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleOption } from '@temporalio/worker';
import type { DeliveryState } from '../../src/contracts/delivery';
import { statusQuery } from '../../src/contracts/messages';
import { serviceWorkflowBundle } from './bundle';
import { timeSkippingEnv } from './stack';

export interface TimeSkippingSuite {
  env: TestWorkflowEnvironment;
  workflowBundle: WorkflowBundleOption;
  /** Waits (in workflow time, skipped) until the workflow's status query says `status`. */
  until(handle: { query: (q: typeof statusQuery) => Promise<DeliveryState> }, status: string): Promise<DeliveryState>;
}

/** Registers beforeAll/afterAll; the returned object is filled once beforeAll ran. */
export function timeSkippingSuite(): TimeSkippingSuite {
  const suite = {
    async until(handle, status) {
      for (let i = 0; i < 200; i++) {
        const s = await handle.query(statusQuery);
        if (s.status === status) return s;
        await suite.env.sleep('1 second');
      }
      throw new Error(`workflow never reached ${status}`);
    },
  } as TimeSkippingSuite;
  beforeAll(async () => {
    suite.workflowBundle = await serviceWorkflowBundle();
    suite.env = await timeSkippingEnv();
  });
  afterAll(async () => {
    await suite.env?.teardown();
  });
  return suite;
}
