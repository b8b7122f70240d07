// Runs the real service processes (node dist/src/*.js) for end-to-end and crash tests.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './stack';

/** A service process's environment and its channels file: tools/processes.ts (shared with bench/ and scripts/). */
export { serviceEnv, writeChannelsFile } from '../../tools/processes';

export interface ServiceProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  waitForLine: (re: RegExp, timeoutMs?: number) => Promise<void>;
  kill: (signal?: NodeJS.Signals) => Promise<number | null>;
}

export function startProcess(name: 'worker' | 'ingest' | 'intake' | 'combined', env: Record<string, string>): ServiceProcess {
  const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'src', `${name}.js`)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d.toString();
    if (out.length > 2_000_000) out = out.slice(-1_000_000);
    for (const l of listeners) l();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  return {
    child,
    output: () => out,
    exited,
    waitForLine: (re, timeoutMs = 30_000) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (re.test(out)) {
            cleanupListener();
            resolve();
          }
        };
        const timer = setTimeout(() => {
          cleanupListener();
          reject(new Error(`${name}: no line matching ${re} within ${timeoutMs} ms. Output:\n${out.slice(-3000)}`));
        }, timeoutMs);
        const onExit = () => {
          cleanupListener();
          reject(new Error(`${name} exited before printing ${re}. Output:\n${out.slice(-3000)}`));
        };
        const cleanupListener = () => {
          clearTimeout(timer);
          listeners.delete(check);
          child.off('exit', onExit);
        };
        listeners.add(check);
        child.once('exit', onExit);
        check();
      }),
    kill: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
