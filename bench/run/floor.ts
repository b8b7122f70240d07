// The engine's floor on the server under test: empty workflows, eagerly started by the client of a worker in the
// same process (dist/bench/floor/main.js, a process of its own so its CPU is counted apart), a bounded number in
// flight; completions/s and the server's CPU per workflow (temporal + its PostgreSQL tree), measured with the same
// /proc sampler as the alert points.
import path from 'node:path';
import { Proc, Sampler, TEMPORAL_ENV, say, sleep, stamp, terminateOpen } from '../harness';
import type { FloorRunResult } from '../floor/main';
import { cpuFigures, type RunContext } from './context';
import type { FloorResult } from './types';

/** Idle seconds sampled before the run: the server's background CPU (its own system workflows, PostgreSQL). */
const IDLE_SECONDS = 3;

export async function runFloor(ctx: RunContext, roundNo = 1): Promise<FloorResult> {
  const f = ctx.o.floor!;
  const taskQueue = `bench-${ctx.rid}-floor-${roundNo}`;
  ctx.created.queues.push(taskQueue);
  const logFile = ctx.o.logs ? path.join(ctx.o.outDir, 'logs', `bench-${stamp(ctx.started)}`, `${taskQueue}.log`) : undefined;
  say('bench', `floor: ${f.workflows} empty workflows (+${f.warmup} warm-up), ${f.concurrency} in flight, ${f.eager ? 'eager start' : 'plain start'}`);
  const proc = new Proc({
    name: 'floor',
    script: 'dist/bench/floor/main.js',
    env: {
      PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...TEMPORAL_ENV,
      FLOOR_TASK_QUEUE: taskQueue, FLOOR_WORKFLOWS: String(f.workflows), FLOOR_CONCURRENCY: String(f.concurrency),
      FLOOR_WARMUP: String(f.warmup), FLOOR_EAGER: f.eager ? '1' : '0', ...(f.slots ? { FLOOR_SLOTS: String(f.slots) } : {}),
    },
    stdin: true,
    logFile,
  });
  try {
    await proc.waitForLine(/^floor ready$/m, 180_000);
    const idle = new Sampler(() => ({ temporal: ctx.stackTargets().temporal, postgres: ctx.stackTargets().postgres })).start();
    await sleep(IDLE_SECONDS * 1000);
    const idleUsage = cpuFigures(idle.stop(), 1);
    const sampler = new Sampler(() => ({ ...ctx.stackTargets(), floor: proc.pid })).start();
    proc.child.stdin!.write('go\n');
    await proc.waitForLine(/^floor result \{.*\}$/m, Math.max(120_000, f.workflows * 200));
    const usage = sampler.stop();
    const m = /^floor result (\{.*\})$/m.exec(proc.output());
    const r = JSON.parse(m![1]) as FloorRunResult;
    const cpu = cpuFigures(usage, r.workflows);
    const result: FloorResult = {
      round: roundNo, workflows: r.workflows, concurrency: r.concurrency, slots: r.slots, eager: r.eager, eagerlyStarted: r.eagerlyStarted,
      seconds: r.seconds, perSec: r.perSec, cpuMsPerWorkflow: cpu.cpuMs, cpuPct: cpu.cpuPct,
      serverIdleCpuPct: idleUsage.cpuPct.server ?? 0, machineCpuPct: usage.machineCpuPct, resultPolls: r.resultPolls,
    };
    await proc.exited;
    say('bench', `floor: ${result.perSec} empty workflows/s, ${result.eagerlyStarted} of ${result.workflows} eagerly started; server CPU ${result.cpuMsPerWorkflow.server} ms per workflow (idle ${result.serverIdleCpuPct} % of a core); floor process ${result.cpuMsPerWorkflow.floor} ms`);
    if (f.eager && result.eagerlyStarted === 0) ctx.note('floor: no start was eager (the server refused eager start: system.enableEagerWorkflowStart?)');
    return result;
  } finally {
    await proc.kill('SIGKILL');
    await terminateOpen(ctx.temporal.client, taskQueue).catch(() => 0);
  }
}
