// Bundles the workflow code once at build time, so a worker starts in about a second instead of running
// webpack at every start: dist/workflow-bundle.js, and dist/workflow-bundle-otel.js with the OpenTelemetry
// workflow interceptors in it (a worker with tracing on runs that one; see src/tracing/temporal.ts).
import fs from 'node:fs';
import path from 'node:path';
import { DefaultLogger, bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOW_INTERCEPTOR_MODULE, tracedBundlePath } from '../src/tracing/temporal';

async function main(): Promise<void> {
  const out = path.join(__dirname, '..', 'workflow-bundle.js');
  for (const [file, workflowInterceptorModules] of [[out, []], [tracedBundlePath(out), [WORKFLOW_INTERCEPTOR_MODULE]]] as const) {
    const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../src/workflows'), workflowInterceptorModules: [...workflowInterceptorModules], logger: new DefaultLogger('WARN') });
    fs.writeFileSync(file, code);
    process.stdout.write(`workflow bundle: ${file} (${Math.round(code.length / 1024)} KiB)\n`);
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
