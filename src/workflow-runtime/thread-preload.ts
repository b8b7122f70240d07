// Preloaded into each of the SDK's workflow threads by the watchdog (./watchdog.ts, which passes `--require` and the
// thread's shared slot in workerData): every call into the workflow sandbox that the SDK bounds with a `timeout`
// (isolateExecutionTimeout) runs without it, and writes its deadline (in RESOLUTION_MS steps since the watchdog's
// base) into the slot while it runs; 0 when the thread is out of workflow code. Node would start a watchdog thread for
// each such call (nodejs/node#47739: 130 µs a call, about a hundred calls an alert); the slot costs two atomic stores.
// With WORKFLOW_STACK_TRACES=off it also leaves out the SDK's promise hook. Without the watchdog's workerData (a thread
// it did not start) this module changes nothing.
import v8 from 'node:v8';
import vm from 'node:vm';
import { workerData } from 'node:worker_threads';
import type { WatchdogThreadData } from './watchdog';

const data = (workerData as { alertWatchdog?: WatchdogThreadData } | undefined)?.alertWatchdog;

if (data && !data.stackTraces) {
  // The SDK installs its promise hook (a stack trace captured for every promise of workflow code) through this call:
  // a hook that does nothing leaves its stack store empty, and its `__stack_trace` query answers with no stacks.
  v8.promiseHooks.createHook = () => () => undefined;
}

if (data) {
  const slot = new Int32Array(data.slot);
  let depth = 0;
  /** Runs `run` as a bounded call: the outermost one sets the deadline, and clears it however it ends. */
  const bounded = <T>(timeoutMs: number, run: () => T): T => {
    if (depth++ === 0) {
      Atomics.store(slot, 0, Math.ceil((Date.now() + timeoutMs - data.base) / data.resolutionMs));
      Atomics.add(slot, 1, 1);
    }
    try {
      return run();
    } finally {
      if (--depth === 0) Atomics.store(slot, 0, 0);
    }
  };
  const timeoutOf = (o: unknown): number | undefined => (o && typeof o === 'object' && typeof (o as { timeout?: unknown }).timeout === 'number' ? (o as { timeout: number }).timeout : undefined);
  const untimed = (o: vm.RunningScriptOptions): vm.RunningScriptOptions => ({ ...o, timeout: undefined });

  // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with the script as `this`
  const runScript = vm.Script.prototype.runInContext;
  vm.Script.prototype.runInContext = function runInContext(this: vm.Script, context: vm.Context, options?: vm.RunningScriptOptions): unknown {
    const timeoutMs = timeoutOf(options);
    if (timeoutMs === undefined) return runScript.call(this, context, options) as unknown;
    return bounded(timeoutMs, () => runScript.call(this, context, untimed(options!)) as unknown);
  };
  const runCode = vm.runInContext;
  vm.runInContext = (code: string, context: vm.Context, options?: vm.RunningScriptOptions | string): unknown => {
    const timeoutMs = timeoutOf(options);
    if (timeoutMs === undefined) return runCode(code, context, options) as unknown;
    return bounded(timeoutMs, () => runCode(code, context, untimed(options as vm.RunningScriptOptions)) as unknown);
  };
}
