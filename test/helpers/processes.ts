// Runs the real service processes (node dist/src/*.js) for end-to-end and crash tests.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OPENSEARCH_URL, REDIS_URL, ROOT, TEMPORAL_ENV } from './stack';

export interface ServiceProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  waitForLine: (re: RegExp, timeoutMs?: number) => Promise<void>;
  kill: (signal?: NodeJS.Signals) => Promise<number | null>;
}

export interface TestServiceEnv {
  stream: string;
  group: string;
  index: string;
  taskQueue: string;
  channelsFile: string;
  extra?: Record<string, string>;
}

export function serviceEnv(e: TestServiceEnv): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    REDIS_URL,
    ...TEMPORAL_ENV,
    OPENSEARCH_URL,
    ALERT_STREAM: e.stream,
    ALERT_CONSUMER_GROUP: e.group,
    ALERT_INDEX: e.index,
    TEMPORAL_TASK_QUEUE: e.taskQueue,
    CHANNELS_FILE: e.channelsFile,
    METRICS_PORT: '0',
    STARTUP_TIMEOUT: '10s',
    INGEST_BLOCK: '200ms',
    ...e.extra,
  };
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

/** Writes a channels file with one webhook channel per entry into a temp dir. */
export function writeChannelsFile(channels: Record<string, { url: string; retry?: Record<string, unknown>; timeout?: string; required?: boolean; secret?: string }>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alert-channels-'));
  const file = path.join(dir, 'channels.yaml');
  const lines = ['channels:'];
  for (const [name, c] of Object.entries(channels)) {
    lines.push(`  ${name}:`, '    type: webhook', `    url: ${c.url}`);
    if (c.timeout) lines.push(`    timeout: ${c.timeout}`);
    if (c.required !== undefined) lines.push(`    required: ${c.required}`);
    if (c.secret) lines.push(`    secret: ${c.secret}`);
    if (c.retry) lines.push('    retry:', ...Object.entries(c.retry).map(([k, v]) => `      ${k}: ${String(v)}`));
  }
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}
