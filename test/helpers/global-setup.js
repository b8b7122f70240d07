// Runs once before all suites: the integration tests need the built service and the local stack; the service's
// workflow code is bundled here once for the whole run (test/helpers/bundle.ts), not once per test file.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const net = require('node:net');

function reachable(host, port) {
  return new Promise((resolve) => {
    const s = net.connect({ host, port, timeout: 1000 }, () => { s.destroy(); resolve(true); });
    s.on('error', () => resolve(false));
    s.on('timeout', () => { s.destroy(); resolve(false); });
  });
}

module.exports = async () => {
  const root = path.join(__dirname, '..', '..');
  if (!fs.existsSync(path.join(root, 'dist', 'src', 'worker.js'))) {
    throw new Error('dist/ is missing: run `npm run build` (scripts/test does it for you).');
  }
  const need = [
    ['Temporal', process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233'],
    ['Redis', (process.env.REDIS_URL ?? 'redis://127.0.0.1:6379').replace(/^rediss?:\/\//, '')],
    ['OpenSearch', (process.env.OPENSEARCH_URL ?? 'http://127.0.0.1:9200').replace(/^https?:\/\//, '')],
  ];
  for (const [name, hostPort] of need) {
    const [host, port] = hostPort.split(':');
    if (!(await reachable(host, Number(port)))) {
      throw new Error(`${name} is not reachable at ${hostPort}: start the stack with \`scripts/stack up\` (scripts/test does it for you).`);
    }
  }
  const { DefaultLogger, bundleWorkflowCode } = require('@temporalio/worker');
  const { code } = await bundleWorkflowCode({ workflowsPath: path.join(root, 'src', 'workflows'), logger: new DefaultLogger('ERROR') });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alert-delivery-jest-'));
  // read by the workers jest starts after this (they inherit the environment); removed by global-teardown.js
  process.env.TEST_WORKFLOW_BUNDLE = path.join(dir, 'workflow-bundle.js');
  fs.writeFileSync(process.env.TEST_WORKFLOW_BUNDLE, code);
};
