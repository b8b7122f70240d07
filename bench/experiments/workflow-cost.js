#!/usr/bin/env node
// Experiment: what one workflow costs the Temporal dev server on this machine, independent of the
// service's code. Starts its own in-memory dev server on 127.0.0.1:17233 (headless; the stack's server
// is not touched unless --address is given), then for each workflow shape starts N workflows (32 starts
// in flight) with a worker in this process and reports completions per second and the CPU seconds the
// dev server used per workflow. Stops the server at the end.
//
//   node bench/experiments/workflow-cost.js [--n 400] [--address 127.0.0.1:7233] [--shapes a,b] [--eager]
//                                           [--server-arg '--dynamic-config-value K=V' ...]
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { Worker, NativeConnection, Runtime, DefaultLogger } = require('@temporalio/worker');
const { Client, Connection } = require('@temporalio/client');

const ROOT = path.join(__dirname, '..', '..');
const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};

function cpuTicks(pid) {
  const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

async function main() {
  const n = Number(arg('n', 400));
  let address = arg('address');
  let server;
  if (!address) {
    address = '127.0.0.1:17233';
    const bin = execFileSync(path.join(ROOT, 'scripts', 'stack'), ['path', 'temporal']).toString().trim();
    const extra = process.argv.flatMap((a, i) => (process.argv[i - 1] === '--server-arg' ? a.split(' ') : []));
    server = spawn(bin, ['server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', '17233', '--log-level', 'error',
      ...['AlertDeliveryStatus', 'AlertState', 'AlertFailedChannels'].flatMap((k) => ['--search-attribute', `${k}=KeywordList`]), ...extra], { stdio: 'ignore' });
    process.on('exit', () => server.kill('SIGKILL'));
  }
  Runtime.install({ logger: new DefaultLogger('WARN') });
  let conn;
  for (let i = 0; ; i++) {
    try {
      conn = await Connection.connect({ address, connectTimeout: 1000 });
      await conn.workflowService.getSystemInfo({});
      break;
    } catch (e) {
      if (i > 60) throw e;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  const nc = await NativeConnection.connect({ address });
  // --eager: the client shares the worker's NativeConnection and asks for eager start (the first task comes back with the start).
  const eager = process.argv.includes('--eager');
  const client = new Client({ connection: eager ? nc : conn });
  const results = [];
  const shapes = arg('shapes', 'empty,fourActivities,fourLocalActivities,localLocalRemoteLocal').split(',');
  for (const type of shapes) {
    const taskQueue = `workflow-cost-${type}-${Date.now()}`;
    const worker = await Worker.create({
      connection: nc, taskQueue, workflowsPath: path.join(__dirname, 'workflow-cost-workflows.js'),
      activities: { async noop() { return 1; } },
      ...(arg('wft-slots') ? { maxConcurrentWorkflowTaskExecutions: Number(arg('wft-slots')) } : {}),
      ...(arg('isolate-timeout') ? { isolateExecutionTimeout: arg('isolate-timeout') } : {}),
    });
    const running = worker.run();
    const t0 = Date.now();
    const s0 = server ? cpuTicks(server.pid) : 0;
    const w0 = process.cpuUsage(); // this process: client, worker (all its threads), activities
    let next = 0;
    let eagerCount = 0;
    const handles = [];
    await Promise.all(Array.from({ length: 32 }, async () => {
      while (next < n) {
        const i = next++;
        const h = await client.workflow.start(type, { taskQueue, workflowId: `${taskQueue}-${i}`, ...(eager ? { requestEagerStart: true } : {}) });
        if (h.eagerlyStarted) eagerCount++;
        handles.push(h);
      }
    }));
    await Promise.all(handles.map((h) => h.result()));
    const secs = (Date.now() - t0) / 1000;
    const serverCpuMs = server ? ((cpuTicks(server.pid) - s0) * 10) / n : null;
    const w = process.cpuUsage(w0);
    const workerCpuMs = (w.user + w.system) / 1000 / n;
    results.push({ workflow: type, n, completedPerSec: Math.round((n / secs) * 10) / 10, serverCpuMsPerWorkflow: serverCpuMs && Math.round(serverCpuMs * 10) / 10, eagerlyStarted: eagerCount, workerCpuMsPerWorkflow: Math.round(workerCpuMs * 10) / 10 });
    worker.shutdown();
    await running;
  }
  console.table(results);
  await conn.close();
  await nc.close();
  if (server) server.kill('SIGTERM');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
