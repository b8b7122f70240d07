// Runs once before all suites: the integration tests need the built service and the local stack.
const fs = require('node:fs');
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
};
