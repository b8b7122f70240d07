// A server a test starts for itself (nginx, tinyproxy, a redis-server of its own): spawned in the foreground,
// ready once its output matches or its ports answer, stopped with SIGTERM, its scratch directory removed.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';

export interface ServerProcess {
  output(): string;
  exited(): boolean;
  stop(): Promise<void>;
}

export interface ReadyWhen {
  /** Ready once the output matches this. */
  line?: RegExp;
  /** Ready once every one of these ports on 127.0.0.1 accepts a connection. */
  ports?: number[];
  /** Extra text for the error when it never gets ready (e.g. its log file). */
  diagnose?: () => string;
}

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => { s.destroy(); resolve(true); });
    s.on('error', () => resolve(false));
  });

/** Starts `cmd args`, waits (≤ 15 s) until it is ready; `dir`, if given, is removed by stop(). */
export async function startServer(name: string, cmd: string, args: string[], ready: ReadyWhen, dir?: string): Promise<ServerProcess> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const isReady = async () => (!ready.line || ready.line.test(out)) && (await Promise.all((ready.ports ?? []).map(portOpen))).every(Boolean);
  const deadline = Date.now() + 15_000;
  while (!(await isReady())) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} did not start: ${out.slice(-2000)}${ready.diagnose ? `\n${ready.diagnose()}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    output: () => out,
    exited: () => child.exitCode !== null || child.signalCode !== null,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
