// The workflow threads' watchdog (src/workflow-runtime/watchdog.ts) with the SDK's real Worker on the stack's Temporal:
// workflows run with their calls bounded by the watchdog's shared slot instead of Node's per-call timeout (the preload
// counted them), and a workflow that never yields has its thread terminated past isolateExecutionTimeout, which stops
// the Worker (the worker process then exits and is started again by its supervisor).
import { Worker } from '@temporalio/worker';
import pino from 'pino';
import type { Logger } from '../src/logger';
import { installWorkflowWatchdog, type Watchdog } from '../src/workflow-runtime/watchdog';
import { devServerEnv, uid } from './helpers/stack';

jest.setTimeout(60_000);
const workflowsPath = require.resolve('./workflows/watchdog');
const lines: string[] = [];
const log: Logger = pino({ level: 'info' }, { write: (l: string) => lines.push(l) });
let watchdog: Watchdog;
beforeEach(() => {
  watchdog = installWorkflowWatchdog(log);
});
afterEach(() => watchdog.uninstall());

it('workflows run in watched threads: their calls into workflow code are bounded by the watchdog, not by Node', async () => {
  const env = await devServerEnv();
  const taskQueue = uid('watchdog');
  try {
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath, workflowThreadPoolSize: 2 });
    const results = await worker.runUntil(Promise.all([1, 2, 3].map((i) => env.client.workflow.execute('greet', { taskQueue, workflowId: uid('wf'), args: [`n${i}`] }))));
    expect(results).toEqual(['hello n1', 'hello n2', 'hello n3']);
    expect(watchdog.threads()).toBe(0); // the Worker's threads have ended with it
  } finally {
    await env.teardown();
  }
  expect(lines.join('')).not.toContain('ran past');
});

it('counts the calls of live threads', async () => {
  const env = await devServerEnv();
  const taskQueue = uid('watchdog');
  try {
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath, workflowThreadPoolSize: 1 });
    await worker.runUntil(async () => {
      expect(watchdog.threads()).toBe(1);
      await env.client.workflow.execute('greet', { taskQueue, workflowId: uid('wf'), args: ['x'] });
      expect(watchdog.calls()).toBeGreaterThan(0); // the preload ran in the thread and bounded its calls
    });
  } finally {
    await env.teardown();
  }
});

it('a workflow that never yields: its thread is terminated past isolateExecutionTimeout (5 s), and the Worker stops with an error', async () => {
  const env = await devServerEnv();
  const taskQueue = uid('watchdog');
  try {
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath, workflowThreadPoolSize: 1 });
    const handle = await env.client.workflow.start('spin', { taskQueue, workflowId: uid('wf'), workflowTaskTimeout: '30s' });
    const t0 = Date.now();
    const stopped = await worker.run().then(() => undefined, (e: Error) => e);
    expect(stopped).toBeInstanceOf(Error);
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(lines.join('')).toContain('workflow code ran past isolateExecutionTimeout without yielding');
    await handle.terminate('test over');
  } finally {
    await env.teardown();
  }
});

it.each([[true, 'the stack of the waiting workflow'], [false, 'no stacks']])('WORKFLOW_STACK_TRACES %p: the __stack_trace query answers with %s', async (stackTraces) => {
  watchdog.uninstall();
  watchdog = installWorkflowWatchdog(log, { stackTraces });
  const env = await devServerEnv();
  const taskQueue = uid('watchdog');
  try {
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath, workflowThreadPoolSize: 1 });
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('nap', { taskQueue, workflowId: uid('wf') });
      const trace = await handle.query<string>('__stack_trace');
      if (stackTraces) expect(trace).toMatch(/at nap \(/);
      else expect(trace).toBe('');
      await handle.terminate('test over');
    });
  } finally {
    await env.teardown();
  }
});
