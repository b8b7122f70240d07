// One watchdog for the SDK's workflow threads, instead of one thread per call into workflow code.
//
// The SDK bounds every synchronous call into a workflow sandbox with isolateExecutionTimeout (5 s), which Node
// implements by starting a watchdog thread for each call (nodejs/node#47739): measured 130 µs a call against 2.6 µs
// without, about a hundred calls per alert, the largest single cost of a delivered alert's CPU (docs/benchmarks.md).
// Installed before the SDK's Worker is created, this watchdog makes the threads the SDK starts for workflows preload
// ./thread-preload, which runs those calls without Node's timeout and writes each call's deadline into a slot of
// shared memory; the watchdog reads every thread's slot each TICK_MS.
//
// A call past its deadline is workflow code that does not yield (a bug in our workflows). Node's timeout would throw
// inside it and fail that workflow task, and the thread would carry on. No other thread can interrupt JavaScript
// except by terminating its thread: the watchdog logs the stuck thread and terminates it, the SDK fails the Worker,
// and the worker process exits (its supervisor starts it again; the workflow tasks it held time out and run
// elsewhere). That is the trade: a non-yielding workflow costs a worker restart instead of a failed task.
// WORKFLOW_WATCHDOG=node keeps Node's per-call timeout.
import fs from 'node:fs';
import path from 'node:path';
import workerThreads, { type Worker as ThreadWorker, type WorkerOptions } from 'node:worker_threads';
import { PACKAGE_ROOT } from '../config/schema';
import type { Logger } from '../logger';

/** What a workflow thread's preload gets (workerData.alertWatchdog). */
export interface WatchdogThreadData {
  /** Int32 [0]: the running call's deadline (0: none); [1]: bounded calls so far. */
  slot: SharedArrayBuffer;
  /** Epoch ms the slot's values count from. */
  base: number;
  resolutionMs: number;
  /** false: no promise hook in the thread (the SDK's stack trace query answers empty). */
  stackTraces: boolean;
}

/** The preload, compiled (run from TypeScript, as jest does, the build's copy: a thread cannot --require TypeScript). */
const PRELOAD = fs.existsSync(path.join(__dirname, 'thread-preload.js')) ? path.join(__dirname, 'thread-preload.js') : path.join(PACKAGE_ROOT, 'dist', 'src', 'workflow-runtime', 'thread-preload.js');
/** How often the watchdog reads the slots, and the slots' unit. */
const TICK_MS = 250;
const RESOLUTION_MS = 50;
/** The SDK's workflow thread, by its file name. */
const WORKFLOW_THREAD = `${path.sep}workflow-worker-thread.js`;

export interface Watchdog {
  /** Workflow threads watched now. */
  threads(): number;
  /** Bounded calls into workflow code so far, over the threads watched now. */
  calls(): number;
  /** Stops watching and gives the SDK Node's Worker back (for tests). */
  uninstall(): void;
}

/**
 * Installs the watchdog: the workflow threads the SDK starts from now on are watched. Call before Worker.create.
 * @param options.stackTraces WORKFLOW_STACK_TRACES (default false): false leaves out the SDK's promise hook, which
 *   captures a stack trace for every promise workflow code creates, for the `__stack_trace` query (the Web UI's
 *   "Stack Trace" tab, then empty).
 */
export function installWorkflowWatchdog(log: Logger, { stackTraces = false }: { stackTraces?: boolean } = {}): Watchdog {
  const watched = new Set<{ thread: ThreadWorker; slot: Int32Array }>();
  const base = Date.now();
  const NodeWorker = workerThreads.Worker;
  class WatchedWorker extends NodeWorker {
    constructor(filename: string | URL, options: WorkerOptions = {}) {
      if (!String(filename).endsWith(WORKFLOW_THREAD)) {
        super(filename, options);
        return;
      }
      const data: WatchdogThreadData = { slot: new SharedArrayBuffer(8), base, resolutionMs: RESOLUTION_MS, stackTraces };
      super(filename, { ...options, execArgv: [...(options.execArgv ?? process.execArgv), '--require', PRELOAD], workerData: { alertWatchdog: data } });
      const entry = { thread: this as ThreadWorker, slot: new Int32Array(data.slot) };
      watched.add(entry);
      this.once('exit', () => watched.delete(entry));
    }
  }
  // The SDK reads the module's Worker when it starts its threads (threaded-vm.js).
  (workerThreads as { Worker: typeof NodeWorker }).Worker = WatchedWorker;
  const timer = setInterval(() => {
    const now = (Date.now() - base) / RESOLUTION_MS;
    for (const entry of watched) {
      const deadline = Atomics.load(entry.slot, 0);
      if (deadline === 0 || now <= deadline) continue;
      watched.delete(entry);
      log.error({ threadId: entry.thread.threadId, overMs: Math.round((now - deadline) * RESOLUTION_MS) }, 'workflow code ran past isolateExecutionTimeout without yielding: its thread is terminated and the worker stops');
      void entry.thread.terminate();
    }
  }, TICK_MS);
  timer.unref();
  return {
    threads: () => watched.size,
    calls: () => [...watched].reduce((n, e) => n + Atomics.load(e.slot, 1), 0),
    uninstall() {
      clearInterval(timer);
      (workerThreads as { Worker: typeof NodeWorker }).Worker = NodeWorker;
    },
  };
}
