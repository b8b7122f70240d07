// The service processes (worker, ingest, combined) the runs start, kill and restart.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { serviceEnv as localServiceEnv, writeChannelsFile, type ServiceNames } from '../../tools/processes';
import { ROOT, sleep } from './base';

// Service processes

export interface ProcOptions {
  name: string;
  /** script relative to the checkout, e.g. dist/src/worker.js */
  script: string;
  env: Record<string, string>;
  /** full output goes here (append) */
  logFile?: string;
  /** extra node flags, e.g. --cpu-prof */
  nodeArgs?: string[];
  /** a pipe to the process's standard input (`child.stdin`) instead of none */
  stdin?: boolean;
}

/** One service process (worker, ingest or baseline): output kept in a tail buffer and, optionally, a log file. */
export class Proc {
  readonly child: ChildProcess;
  readonly startedAt = Date.now();
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** set when we killed it on purpose */
  killedByUs = false;
  private tail = '';
  private listeners = new Set<() => void>();
  private log?: fs.WriteStream;

  constructor(readonly o: ProcOptions) {
    if (o.logFile) {
      fs.mkdirSync(path.dirname(o.logFile), { recursive: true });
      this.log = fs.createWriteStream(o.logFile, { flags: 'a' });
    }
    this.child = spawn(process.execPath, [...(o.nodeArgs ?? []), path.join(ROOT, o.script)], { env: o.env, stdio: [o.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'], cwd: ROOT });
    const onData = (d: Buffer) => {
      this.log?.write(d);
      this.tail += d.toString();
      if (this.tail.length > 256_000) this.tail = this.tail.slice(-128_000);
      for (const l of this.listeners) l();
    };
    this.child.stdout!.on('data', onData);
    this.child.stderr!.on('data', onData);
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => {
        this.log?.end();
        resolve({ code, signal });
      }),
    );
    live.add(this);
    void this.exited.then(() => live.delete(this));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  output(): string {
    return this.tail;
  }

  waitForLine(re: RegExp, timeoutMs = 60_000): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const done = (err?: Error) => {
        clearTimeout(timer);
        this.listeners.delete(check);
        this.child.off('exit', onExit);
        if (err) reject(err);
        else resolve();
      };
      const check = () => {
        if (re.test(this.tail)) done();
      };
      const onExit = () => done(new Error(`${this.o.name} exited before printing ${re}. Output:\n${this.tail.slice(-3000)}`));
      const timer = setTimeout(() => done(new Error(`${this.o.name}: no line matching ${re} within ${timeoutMs} ms. Output:\n${this.tail.slice(-3000)}`)), timeoutMs);
      this.listeners.add(check);
      this.child.once('exit', onExit);
      check();
    });
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL', graceMs = 15_000): Promise<void> {
    this.killedByUs = true;
    if (!this.running) return;
    this.child.kill(signal);
    const t = setTimeout(() => this.running && this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(t);
  }
}

/** Every child still running: killed when this process exits, whatever the reason. */
const live = new Set<Proc>();
process.on('exit', () => {
  for (const p of live) if (p.running) p.child.kill('SIGKILL');
});

export async function killAll(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  await Promise.all([...live].map((p) => p.kill(signal)));
}

export type { ServiceNames };

/** The service's environment for one run: the tests' environment (tools/processes.ts), with a longer start-up wait. */
export function serviceEnv(n: ServiceNames, extra: Record<string, string> = {}): Record<string, string> {
  return localServiceEnv({ ...n, extra: { STARTUP_TIMEOUT: '60s', INGEST_BLOCK: '1s', ...extra } });
}

/** Writes a channels file with one required webhook channel ("hook") and the rest of `config` (routes …) into a temp dir. */
export function writeHookChannelsFile(url: string, timeout: string, retry: Record<string, string | number>, config: Record<string, unknown> = {}): string {
  return writeChannelsFile({ hook: { url, timeout, required: true, retry } }, config);
}

/** A free TCP port on 127.0.0.1 (for the processes' /readyz endpoints). */
export async function freePort(): Promise<number> {
  const srv = http.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/** Polls the process's GET /readyz (METRICS_PORT) until it answers 200. */
export async function waitReady(p: Proc, port: number, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!p.running) throw new Error(`${p.o.name} exited during start-up. Output:\n${p.output().slice(-3000)}`);
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(1_000) }).then((r) => r.ok, () => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${p.o.name}: not ready within ${timeoutMs} ms. Output:\n${p.output().slice(-3000)}`);
    await sleep(100);
  }
}

/**
 * The service's entry points: the worker, the ingest, and the combined process (dist/src/combined.js: worker and
 * ingest in one process on one NativeConnection, starting workflows with eager start).
 */
export type ServiceKind = 'worker' | 'ingest' | 'combined';

/**
 * Starts a service process and waits until /readyz says its main loop runs. `name` names this instance (e.g.
 * `ingest-2` beside `ingest-1`); an ingest's consumer name is INGEST_CONSUMER from `env`, else `ingest-1`.
 */
export async function startService(kind: ServiceKind, env: Record<string, string>, logFile?: string, nodeArgs?: string[], name: string = kind): Promise<Proc> {
  const port = await freePort();
  const extra: Record<string, string> = {
    ...(kind !== 'worker' ? { INGEST_CONSUMER: 'ingest-1' } : {}),
    ...(kind !== 'ingest' ? { TEMPORAL_METRICS_PORT: '0' } : {}),
  };
  const p = new Proc({ name, script: `dist/src/${kind}.js`, env: { ...extra, ...env, METRICS_PORT: String(port) }, logFile, nodeArgs });
  try {
    await waitReady(p, port);
  } catch (e) {
    await p.kill('SIGKILL');
    throw e;
  }
  return p;
}

export const startWorker = (env: Record<string, string>, logFile?: string, nodeArgs?: string[]) => startService('worker', env, logFile, nodeArgs);
export const startIngest = (env: Record<string, string>, logFile?: string, nodeArgs?: string[]) => startService('ingest', env, logFile, nodeArgs);

/**
 * A service process kept running: restarted when it exits without us asking (as a process manager would),
 * and killed -9 + restarted on demand (the chaos run's fault). Each incarnation logs to its own file.
 */
export class Supervised {
  proc?: Proc;
  incarnations = 0;
  readonly unexpectedExits: { at: number; code: number | null; signal: string | null }[] = [];
  private stopped = false;
  private restarting?: Promise<void>;

  constructor(
    readonly name: string,
    /** starts one incarnation and resolves once it is ready */
    private readonly starter: (logFile?: string) => Promise<Proc>,
    private readonly logDir?: string,
    private readonly note: (msg: string) => void = () => undefined,
  ) {}

  /** A worker, an ingest or a combined process of the service, with this environment; `name` names the instance. */
  static service(kind: ServiceKind, env: Record<string, string>, logDir?: string, note?: (msg: string) => void, nodeArgs?: string[], name: string = kind): Supervised {
    return new Supervised(name, (logFile) => startService(kind, env, logFile, nodeArgs, name), logDir, note);
  }

  get pid(): number | undefined {
    return this.proc?.running ? this.proc.pid : undefined;
  }

  async start(): Promise<void> {
    const n = ++this.incarnations;
    const logFile = this.logDir ? path.join(this.logDir, `${this.name}-${n}.log`) : undefined;
    const p = await this.starter(logFile).catch((e: Error) => {
      throw new Error(`${this.name} #${n} did not start: ${e.message.split('\n')[0]}`);
    });
    if (this.stopped) {
      await p.kill('SIGKILL');
      return;
    }
    this.proc = p;
    void p.exited.then(({ code, signal }) => {
      if (this.stopped || p.killedByUs || this.proc !== p) return;
      this.unexpectedExits.push({ at: Date.now(), code, signal });
      this.note(`${this.name} #${n} exited by itself (code ${code}, signal ${signal}); restarting`);
      void this.restart();
    });
  }

  /** Starts a new incarnation, retrying until one is ready (or we stop). */
  restart(): Promise<void> {
    this.restarting ??= (async () => {
      try {
        while (!this.stopped) {
          try {
            await this.start();
            return;
          } catch (e) {
            this.note(`${(e as Error).message}; retrying in 2 s`);
            await sleep(2_000);
          }
        }
      } finally {
        this.restarting = undefined;
      }
    })();
    return this.restarting;
  }

  get running(): boolean {
    return this.proc?.running === true;
  }

  output(): string {
    return this.proc?.output() ?? '';
  }

  /** kill -9, then start again; resolves when the new incarnation is ready. */
  async kill9(): Promise<void> {
    if (this.restarting) await this.restarting;
    await this.proc?.kill('SIGKILL');
    await this.restart();
  }

  async stop(signal: NodeJS.Signals = 'SIGKILL', graceMs = 15_000): Promise<void> {
    this.stopped = true;
    if (this.restarting) await this.restarting.catch(() => undefined);
    await this.proc?.kill(signal, graceMs);
  }
}
