// The OpenTelemetry workflow interceptors add no command: every recorded history (test/histories/**, recorded
// without them) replays against the workflow code bundled WITH them, as a traced worker runs it
// (dist/workflow-bundle-otel.js; see src/tracing/temporal.ts). So turning tracing on or off is safe for
// running and parked deliveries alike. (A history recorded with tracing on replays against both bundles:
// test/tracing-e2e.test.ts.)
import { DefaultLogger, bundleWorkflowCode } from '@temporalio/worker';
import { payloadDataConverter } from '../src/codec';
import { WORKFLOW_INTERCEPTOR_MODULE } from '../src/tracing/temporal';
import { REPLAY_TEST_KEYS } from '../tools/replay-keys';
import { recordedHistories, replayAll } from './helpers/history-story';

jest.setTimeout(120_000);

it('every recorded history replays against the traced bundle, and the replay exports no span', async () => {
  const exported: unknown[] = [];
  const sinks = { exporter: { export: { fn: (_info: unknown, spans: unknown[]) => void exported.push(...spans) } } };
  const workflowBundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../src/workflows'), workflowInterceptorModules: [WORKFLOW_INTERCEPTOR_MODULE], logger: new DefaultLogger('ERROR'),
  });
  const { plain, encrypted } = recordedHistories();
  expect(plain).toContain('1.0/delivered.json'); // not vacuous: the baseline is there
  expect(await replayAll({ workflowBundle, sinks, dataConverter: payloadDataConverter(REPLAY_TEST_KEYS) }, [...plain, ...encrypted])).toEqual({});
  expect(exported).toEqual([]);
});
