// alertctl for the tests, two ways with the same result: runAlertctl runs the CLI in-process (src/alertctl/cli.ts,
// the code of dist/src/alertctl.js: the environment is handed to it, stdout and stderr are captured), so a call costs
// no Node start-up; spawnAlertctl runs the built CLI (dist/src/alertctl.js, `npm run build`) as a child process, as
// an operator would, for the tests about the process itself (exit codes through a real process, the package bin).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { runAlertctl as runInProcess } from '../../src/alertctl/cli';
import { ROOT, TEMPORAL_ENV } from './stack';

export interface AlertctlResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed (for --json). */
  json: () => any;
}

/** The clean environment of a call: PATH, HOME, USER=tester, the stack's Temporal, then `env`. */
const cleanEnv = (env: Record<string, string>): Record<string, string> =>
  ({ PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', USER: 'tester', ...TEMPORAL_ENV, ...env });

/**
 * `alertctl <args>` in-process with a clean environment (PATH, HOME, USER=tester, the stack's Temporal) plus `env`;
 * resolves with its exit code and output. Each call opens and closes its own connections: nothing is shared or
 * left open between calls. Rejects only if the CLI itself throws (a bug: the process would crash).
 */
export async function runAlertctl(args: string[], env: Record<string, string> = {}): Promise<AlertctlResult> {
  let stdout = '';
  let stderr = '';
  const code = await runInProcess(args, {
    env: cleanEnv(env),
    out: (text) => { stdout += text; },
    err: (text) => { stderr += text; },
  });
  return { code, stdout, stderr, json: () => JSON.parse(stdout) };
}

/**
 * `alertctl <args>` as a child process (dist/src/alertctl.js) with the same clean environment plus `env`;
 * resolves with its exit code (-1 when killed, e.g. after the 60 s timeout), never rejects.
 */
export function spawnAlertctl(args: string[], env: Record<string, string> = {}): Promise<AlertctlResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(ROOT, 'dist/src/alertctl.js'), ...args], { env: cleanEnv(env), timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr, json: () => JSON.parse(stdout) });
    });
  });
}
