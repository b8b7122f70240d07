// The OpenTelemetry workflow interceptors add no command: every recorded history (test/histories/**, recorded
// without them) replays against the workflow code bundled WITH them, as a traced worker runs it
// (dist/workflow-bundle-otel.js; see src/tracing/temporal.ts). So turning tracing on or off is safe for
// running and parked deliveries alike. (A history recorded with tracing on replays against both bundles:
// test/tracing-e2e.test.ts.)
import fs from 'node:fs';
import path from 'node:path';
import { DefaultLogger, Worker, bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { WORKFLOW_INTERCEPTOR_MODULE } from '../src/tracing/temporal';

jest.setTimeout(120_000);

const root = path.join(__dirname, 'histories');
const histories = ['.', 'before-one-task', 'before-local-bookkeeping']
  .flatMap((dir) => fs.readdirSync(path.join(root, dir)).filter((f) => f.endsWith('.json')).map((f) => path.join(dir, f)));

describe('replay with the OpenTelemetry workflow interceptors', () => {
  let workflowBundle: WorkflowBundle;
  const exported: unknown[] = [];
  const sinks = { exporter: { export: { fn: (_info: unknown, spans: unknown[]) => void exported.push(...spans) } } };

  beforeAll(async () => {
    workflowBundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('../src/workflows'), workflowInterceptorModules: [WORKFLOW_INTERCEPTOR_MODULE], logger: new DefaultLogger('ERROR'),
    });
  });

  it('covers the recorded histories', () => {
    expect(histories.length).toBeGreaterThanOrEqual(40);
  });

  it.each(histories)('%s replays against the traced bundle', async (file) => {
    const history = JSON.parse(fs.readFileSync(path.join(root, file), 'utf8'));
    await Worker.runReplayHistory({ workflowBundle, sinks }, history, file);
  });

  it('a replay exports no span (the sink is not called during replay)', () => {
    expect(exported).toEqual([]);
  });
});
