// Runs the built CLI (dist/src/alertctl.js, `npm run build`) as a child process, as an operator would.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { ROOT, TEMPORAL_ENV } from './stack';

export interface AlertctlResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed (for --json). */
  json: () => any;
}

/**
 * `alertctl <args>` with a clean environment (PATH, HOME, USER=tester, the stack's Temporal) plus `env`;
 * resolves with its exit code (-1 when killed, e.g. after the 60 s timeout), never rejects.
 */
export function runAlertctl(args: string[], env: Record<string, string> = {}): Promise<AlertctlResult> {
  const childEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', USER: 'tester', ...TEMPORAL_ENV, ...env };
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(ROOT, 'dist/src/alertctl.js'), ...args], { env: childEnv, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr, json: () => JSON.parse(stdout) });
    });
  });
}
