// The engine's floor, a process of its own (node dist/bench/floor/main.js, started by bench/run/floor.ts so that
// its CPU is measured apart from the bench's): N empty workflows (bench/floor/workflows.ts) started with eager
// start by a Client on the same NativeConnection as the Worker of this process, a bounded number in flight.
//
// Environment: the TEMPORAL_* connection variables (as the service reads them), FLOOR_TASK_QUEUE,
// FLOOR_WORKFLOWS (1000), FLOOR_CONCURRENCY (32: workflows in flight), FLOOR_WARMUP (50, not counted),
// FLOOR_EAGER (1; 0 = plain starts, the worker polls for the first task), FLOOR_SLOTS (the worker's workflow task
// slots, default max(100, 4 × FLOOR_CONCURRENCY): a start is eager only while the worker has a free slot, and its
// pollers and the tasks just completed hold some; measured with 32 in flight: 40 slots → 65 % of starts eager,
// 64 → 92 %, 200 → 100 %).
// Protocol: prints `floor ready` after the warm-up, waits for a line `go` on standard input, runs, prints
// `floor result {json}` and exits 0.
import path from 'node:path';
import { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, bundleWorkflowCode, type InjectedSinks } from '@temporalio/worker';
import { loadTemporalTarget } from '../../src/connections/temporal';
import type { FloorSinks } from './workflows';

export interface FloorRunResult {
  workflows: number;
  concurrency: number;
  /** the worker's workflow task slots */
  slots: number;
  eager: boolean;
  /** starts whose response carried the first workflow task (`handle.eagerlyStarted`) */
  eagerlyStarted: number;
  /** first start → last completion */
  seconds: number;
  perSec: number;
  /** lanes that fell back to polling the result (no completion seen from the worker within 30 s) */
  resultPolls: number;
}

const num = (name: string, def: number) => {
  const v = Number(process.env[name] ?? def);
  if (!Number.isInteger(v) || v < 0) throw new Error(`${name}: a whole number >= 0`);
  return v;
};

async function main(): Promise<void> {
  const taskQueue = process.env.FLOOR_TASK_QUEUE;
  if (!taskQueue) throw new Error('FLOOR_TASK_QUEUE is required');
  const workflows = num('FLOOR_WORKFLOWS', 1000);
  const concurrency = Math.max(1, num('FLOOR_CONCURRENCY', 32));
  const warmup = num('FLOOR_WARMUP', 50);
  const eager = process.env.FLOOR_EAGER !== '0';
  const slots = num('FLOOR_SLOTS', Math.max(100, 4 * concurrency));
  const target = loadTemporalTarget(process.env);
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const { code } = await bundleWorkflowCode({ workflowsPath: path.join(__dirname, 'workflows.js'), logger: new DefaultLogger('WARN') });
  const connection = await NativeConnection.connect(target.connection);
  const done = new Map<string, () => void>();
  const sinks: InjectedSinks<FloorSinks> = { floor: { done: { fn: (info) => done.get(info.workflowId)?.(), callDuringReplay: false } } };
  const worker = await Worker.create({
    connection,
    namespace: target.namespace,
    taskQueue,
    workflowBundle: { code },
    sinks,
    maxConcurrentWorkflowTaskExecutions: slots,
  });
  const running = worker.run();
  // The same NativeConnection as the worker's: what eager start needs (the SDK refuses it on any other).
  const client = new Client({ connection, namespace: target.namespace });

  const batch = async (prefix: string, count: number): Promise<FloorRunResult> => {
    let next = 0;
    let eagerlyStarted = 0;
    let resultPolls = 0;
    const t0 = Date.now();
    let last = t0;
    await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(1, count)) }, async () => {
      while (next < count) {
        const workflowId = `${prefix}-${next++}`;
        const completed = new Promise<boolean>((resolve) => done.set(workflowId, () => resolve(true)));
        const handle = await client.workflow.start('emptyWorkflow', { taskQueue, workflowId, ...(eager ? { requestEagerStart: true } : {}) });
        if (handle.eagerlyStarted) eagerlyStarted++;
        let timer: NodeJS.Timeout | undefined;
        const seen = await Promise.race([completed, new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 30_000)))]);
        clearTimeout(timer);
        if (!seen) {
          resultPolls++;
          await handle.result();
        }
        done.delete(workflowId);
        last = Date.now();
      }
    }));
    const seconds = Math.max(0.001, (last - t0) / 1000);
    return { workflows: count, concurrency, slots, eager, eagerlyStarted, seconds: Math.round(seconds * 100) / 100, perSec: Math.round((count / seconds) * 10) / 10, resultPolls };
  };

  if (warmup > 0) await batch(`${taskQueue}-warmup`, warmup);
  process.stdout.write('floor ready\n');
  await new Promise<void>((resolve) => {
    let input = '';
    process.stdin.on('data', (d: Buffer) => {
      input += d.toString();
      if (/^go$/m.test(input)) resolve();
    });
    process.stdin.once('end', resolve);
  });
  const result = await batch(taskQueue, workflows);
  process.stdout.write(`floor result ${JSON.stringify(result)}\n`);
  worker.shutdown();
  await running;
  await connection.close();
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (e: Error) => {
      process.stderr.write(`floor: failed: ${e.stack ?? String(e)}\n`);
      process.exit(1);
    },
  );
}
