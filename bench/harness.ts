// Shared machinery of the chaos run (scripts/chaos.ts) and the benchmark (scripts/bench.ts):
// the local receiver, the alert publisher, the service processes, /proc samplers, the stack's pid files
// and versions, result files. Everything stays on 127.0.0.1. Compiled by `npm run build` because
// scripts/*.ts import it (dist/bench/harness.js).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client as OpenSearch } from '@opensearch-project/opensearch';
import { Client as TemporalClient, Connection } from '@temporalio/client';
import Redis from 'ioredis';
import { PACKAGE_ROOT } from '../src/config';
import { readStreamState } from '../src/ingestor';
import type { AlertEvent } from '../src/shared';
import { withTimeout } from '../src/startup';
import { serviceEnv as testServiceEnv, writeChannelsFile as writeTestChannelsFile } from '../test/helpers/processes';
import { OPENSEARCH_URL, REDIS_URL, TEMPORAL_ADDRESS, TEMPORAL_CONNECTION, cleanup, terminateOpen } from '../test/helpers/stack';

/** Deletes stream keys and indices; ignores what is already gone (the tests' clean-up). */
export { cleanup as dropData, terminateOpen, withTimeout };

// ---------------------------------------------------------------------------------------------
// Where things are

/** The checkout (works from bench/ and from dist/bench/). */
export const ROOT = PACKAGE_ROOT;
export const STACK_HOME = process.env.ALERT_STACK_HOME ?? path.join(ROOT, '.stack');
export const STACK_RUN = path.join(STACK_HOME, 'run');
export const RESULTS_DIR = path.join(ROOT, 'bench', 'results');
export { OPENSEARCH_URL, REDIS_URL, TEMPORAL_ADDRESS };

for (const [name, url] of [['REDIS_URL', REDIS_URL], ['OPENSEARCH_URL', OPENSEARCH_URL], ['TEMPORAL_ADDRESS', `tcp://${TEMPORAL_ADDRESS}`]]) {
  const host = new URL(url).hostname;
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(host)) {
    throw new Error(`${name} points at ${host}: the chaos run and the benchmark only run against the local stack (127.0.0.1)`);
  }
}

/** A short unique lower-case suffix for stream, index and task-queue names. */
export function runId(): string {
  return randomUUID().slice(0, 8);
}

export function stamp(d = new Date()): string {
  return d.toISOString().replace(/[:.]/g, '-').replace(/-\d{3}Z$/, 'Z');
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function say(tag: string, msg: string): void {
  process.stdout.write(`[${tag}] ${new Date().toISOString().slice(11, 23)} ${msg}\n`);
}

// ---------------------------------------------------------------------------------------------
// Command line

export type Args = Record<string, string | true>;

/** `--name value`, `--name=value` and bare `--flag`. */
export function parseArgs(argv: string[]): Args {
  const out: Args = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${JSON.stringify(a)}`);
    const eq = a.indexOf('=');
    if (eq > 0) out[a.slice(2, eq)] = a.slice(eq + 1);
    else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) out[a.slice(2)] = argv[++i];
    else out[a.slice(2)] = true;
  }
  return out;
}

export function numArg(args: Args, name: string, def: number): number {
  const v = args[name];
  if (v === undefined) return def;
  const n = Number(v);
  if (v === true || !Number.isFinite(n) || n < 0) throw new Error(`--${name} needs a non-negative number`);
  return n;
}

export function strArg(args: Args, name: string, def: string): string {
  const v = args[name];
  if (v === undefined) return def;
  if (v === true) throw new Error(`--${name} needs a value`);
  return v;
}

// ---------------------------------------------------------------------------------------------
// Clients

export function redisClient(): Redis {
  // maxRetriesPerRequest null: commands wait through a Redis restart instead of failing.
  const r = new Redis(REDIS_URL, { maxRetriesPerRequest: null, connectTimeout: 5_000 });
  r.on('error', () => undefined);
  return r;
}

export function opensearchClient(): OpenSearch {
  return new OpenSearch({ node: OPENSEARCH_URL, requestTimeout: 30_000 });
}

export async function temporalClient(): Promise<{ client: TemporalClient; close: () => Promise<void> }> {
  const connection = await Connection.connect({ ...TEMPORAL_CONNECTION, connectTimeout: 10_000 });
  return { client: new TemporalClient({ connection }), close: () => connection.close() };
}


// ---------------------------------------------------------------------------------------------
// Alerts

/** Labels that carry the publisher's bookkeeping through the pipeline to the receiver. */
export const SEQ_LABEL = 'benchSeq';
export const PUBLISHED_LABEL = 'benchPublishedAt';

export function benchAlert(tag: string, seq: number, publishedAt: number): AlertEvent {
  return {
    alertId: `${tag}-${seq}`,
    ruleId: 'rule-bench',
    ruleName: 'Benchmark rule',
    severity: (['critical', 'high', 'medium', 'low', 'info'] as const)[seq % 5],
    title: `Synthetic alert #${seq}`,
    description: 'Generated by the alert-delivery benchmark / chaos run',
    view: 'bench',
    scope: `host-${seq % 50}`,
    labels: { team: 'bench', [SEQ_LABEL]: String(seq), [PUBLISHED_LABEL]: String(publishedAt) },
    firedAt: new Date(publishedAt).toISOString(),
  };
}

export interface Published {
  seq: number;
  id: string;
  at: number;
}

export interface PublishOptions {
  redis: Redis;
  stream: string;
  tag: string;
  count: number;
  /** alerts per second; Infinity = as fast as Redis takes them (pipelined batches) */
  rate: number;
  firstSeq?: number;
  /** XADDs per pipeline (default 200) */
  batch?: number;
  onPublished?: (p: Published) => void;
  shouldStop?: () => boolean;
}

/**
 * Publishes `count` alerts with XADD at a steady rate (a schedule, not a sleep per alert: if Redis was away
 * the publisher catches up). Returns what Redis acknowledged, with the publish time carried in the event.
 */
export async function publish(o: PublishOptions): Promise<Published[]> {
  const out: Published[] = [];
  const first = o.firstSeq ?? 0;
  const t0 = Date.now();
  let sent = 0;
  while (sent < o.count && !o.shouldStop?.()) {
    const due = Number.isFinite(o.rate) ? Math.min(o.count, Math.floor(((Date.now() - t0) / 1000) * o.rate) + 1) : o.count;
    if (due <= sent) {
      await sleep(Math.max(1, Math.min(20, Math.ceil(((sent + 1) / o.rate) * 1000 - (Date.now() - t0)))));
      continue;
    }
    const n = Math.min(due - sent, o.batch ?? 200);
    const pipe = o.redis.pipeline();
    const at = Date.now();
    for (let i = 0; i < n; i++) pipe.xadd(o.stream, '*', 'event', JSON.stringify(benchAlert(o.tag, first + sent + i, at)));
    const res = (await pipe.exec()) ?? [];
    for (let i = 0; i < n; i++) {
      const [err, id] = res[i] ?? [new Error('no reply'), null];
      if (err || typeof id !== 'string') throw new Error(`XADD failed: ${err?.message ?? 'no ID'}`);
      const p = { seq: first + sent + i, id, at };
      out.push(p);
      o.onPublished?.(p);
    }
    sent += n;
  }
  return out;
}

/** Loads a backlog fast: pipelined XADDs of `count` alerts, 1000 at a time (publish time = enqueue time). */
export function enqueueBacklog(redis: Redis, stream: string, tag: string, count: number): Promise<Published[]> {
  return publish({ redis, stream, tag, count, rate: Infinity, batch: 1000 });
}

/** XPENDING count and the group's lag (entries not yet read), or undefined when Redis does not answer. */
export async function streamState(redis: Redis, stream: string, group: string): Promise<{ pending: number; lag: number; length: number } | undefined> {
  try {
    const { pending, lag } = await withTimeout(readStreamState(redis, stream, group), 3_000);
    const length = await withTimeout(redis.xlen(stream), 3_000);
    return { pending, lag, length };
  } catch {
    return undefined;
  }
}

/** Every entry ID in a stream (XRANGE in pages). */
export async function streamIds(redis: Redis, stream: string): Promise<string[]> {
  const ids: string[] = [];
  let start = '-';
  for (;;) {
    const page = (await redis.xrange(stream, start, '+', 'COUNT', 5000)) as [string, string[]][];
    for (const [id] of page) if (id !== start) ids.push(id);
    if (page.length < 5000) break;
    start = page[page.length - 1][0];
  }
  return ids;
}

// ---------------------------------------------------------------------------------------------
// The receiver

export interface Reply {
  status: number;
  delayMs?: number;
  headers?: Record<string, string>;
}

/** Decides the answer to a POST; `n` = POSTs already seen with this idempotency key. */
export type Behaviour = (key: string, n: number) => Reply;

export interface KeyStat {
  posts: number;
  ok: number;
  firstOkAt: number;
  publishedAt: number;
  seq: number;
}

/**
 * The webhook receiver of the runs: an HTTP server on 127.0.0.1 that answers as the behaviour says and
 * records, per idempotency key, the raw POSTs, the 2xx answers and the first 2xx's arrival time.
 */
export class Receiver {
  readonly keys = new Map<string, KeyStat>();
  posts = 0;
  okPosts = 0;
  /** keys answered 2xx at least once */
  okKeys = 0;
  firstOkAt = 0;
  lastOkAt = 0;
  readonly statuses: Record<string, number> = {};
  /** POSTs whose headers or body disagree on the key (webhook-id, Idempotency-Key, data.messageId) */
  malformed = 0;
  /** arrival time of every 2xx (first or repeat), ascending */
  readonly okTimes: number[] = [];
  private server = http.createServer((req, res) => this.onRequest(req, res));
  private sockets = new Set<import('node:net').Socket>();

  constructor(public behaviour: Behaviour = () => ({ status: 200 })) {
    this.server.keepAliveTimeout = 30_000;
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/alerts`;
  }

  reset(): void {
    this.keys.clear();
    this.posts = this.okPosts = this.okKeys = this.firstOkAt = this.lastOkAt = this.malformed = 0;
    this.okTimes.length = 0;
    for (const k of Object.keys(this.statuses)) delete this.statuses[k];
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The first 2xx at or after `t` (any key), or undefined. */
  firstOkSince(t: number): number | undefined {
    let lo = 0;
    let hi = this.okTimes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.okTimes[mid] < t) lo = mid + 1;
      else hi = mid;
    }
    return this.okTimes[lo];
  }

  /** The first 2xx of an alert published at or after `t`, or undefined. */
  firstNewAlertOkSince(t: number): number | undefined {
    let best: number | undefined;
    for (const k of this.keys.values()) if (k.publishedAt >= t && k.firstOkAt && (best === undefined || k.firstOkAt < best)) best = k.firstOkAt;
    return best;
  }

  /** Keys answered 2xx more than once (a repeat the receiver must drop by its idempotency key). */
  repeatedOk(): number {
    let n = 0;
    for (const k of this.keys.values()) if (k.ok > 1) n++;
    return n;
  }

  /** Keys POSTed more than once (retries after errors, timeouts, kills), and the most POSTs one key got. */
  repeats(): { keysPostedMoreThanOnce: number; maxPostsPerKey: number; meanPostsPerKey: number } {
    let more = 0;
    let max = 0;
    for (const k of this.keys.values()) {
      if (k.posts > 1) more++;
      max = Math.max(max, k.posts);
    }
    return { keysPostedMoreThanOnce: more, maxPostsPerKey: max, meanPostsPerKey: this.keys.size ? round(this.posts / this.keys.size, 3) : 0 };
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const key = String(req.headers['idempotency-key'] ?? '');
      let publishedAt = 0;
      let seq = -1;
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data?: { deliveryId?: string; labels?: Record<string, string> } };
        publishedAt = Number(body.data?.labels?.[PUBLISHED_LABEL] ?? 0);
        seq = Number(body.data?.labels?.[SEQ_LABEL] ?? -1);
        if (body.data?.deliveryId !== key || req.headers['webhook-id'] !== key || !key) this.malformed++;
      } catch {
        this.malformed++;
      }
      let stat = this.keys.get(key);
      if (!stat) {
        stat = { posts: 0, ok: 0, firstOkAt: 0, publishedAt, seq };
        this.keys.set(key, stat);
      }
      const reply = this.behaviour(key, stat.posts);
      stat.posts++;
      this.posts++;
      const ok = reply.status >= 200 && reply.status < 300;
      const answer = () => {
        // A reply that comes after the sender gave up (timeout) reaches nobody: it does not count as delivered.
        const reached = !res.destroyed && !req.socket.destroyed;
        const status = reached ? String(reply.status) : 'gave-up';
        this.statuses[status] = (this.statuses[status] ?? 0) + 1;
        if (ok && reached) {
          const t = Date.now();
          stat.ok++;
          this.okPosts++;
          this.okTimes.push(t);
          if (stat.ok === 1) {
            stat.firstOkAt = t;
            this.okKeys++;
            if (!this.firstOkAt) this.firstOkAt = t;
          }
          this.lastOkAt = t;
        }
        if (!res.destroyed) res.writeHead(reply.status, reply.headers).end();
      };
      if (reply.delayMs) setTimeout(answer, reply.delayMs);
      else answer();
    });
  }
}

// ---------------------------------------------------------------------------------------------
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
    this.child = spawn(process.execPath, [...(o.nodeArgs ?? []), path.join(ROOT, o.script)], { env: o.env, stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT });
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

export interface ServiceNames {
  stream: string;
  group: string;
  index: string;
  taskQueue: string;
  channelsFile: string;
}

/** The service's environment for one run: the test fixtures' environment, with a longer start-up wait. */
export function serviceEnv(n: ServiceNames, extra: Record<string, string> = {}): Record<string, string> {
  return testServiceEnv({ ...n, extra: { STARTUP_TIMEOUT: '60s', INGEST_BLOCK: '1s', ...extra } });
}

/** Writes a channels file with one required webhook channel ("hook") into a temp dir. */
export function writeChannelsFile(url: string, timeout: string, retry: Record<string, string | number>): string {
  return writeTestChannelsFile({ hook: { url, timeout, required: true, retry } });
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

/** Starts a service process (worker or ingest) and waits until /readyz says its main loop runs. */
export async function startService(name: 'worker' | 'ingest', env: Record<string, string>, logFile?: string, nodeArgs?: string[]): Promise<Proc> {
  const port = await freePort();
  const extra: Record<string, string> = name === 'ingest' ? { INGEST_CONSUMER: 'ingest-1' } : { TEMPORAL_METRICS_PORT: '0' };
  const p = new Proc({ name, script: `dist/src/${name}.js`, env: { ...extra, ...env, METRICS_PORT: String(port) }, logFile, nodeArgs });
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

  /** A worker or an ingest of the service, with this environment. */
  static service(name: 'worker' | 'ingest', env: Record<string, string>, logDir?: string, note?: (msg: string) => void, nodeArgs?: string[]): Supervised {
    return new Supervised(name, (logFile) => startService(name, env, logFile, nodeArgs), logDir, note);
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

// ---------------------------------------------------------------------------------------------
// The stack: pid files, versions, scripts/stack

export function stackPid(name: 'redis' | 'temporal' | 'opensearch'): number | undefined {
  try {
    const pid = Number(fs.readFileSync(path.join(STACK_RUN, `${name}.pid`), 'utf8').trim());
    return pid > 0 && pidAlive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Alive and not a zombie. */
export function pidAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

export function run(cmd: string, args: string[], timeoutMs = 300_000): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: ROOT, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, out: `${stdout}${stderr}` });
    });
  });
}

/** `scripts/stack up` (idempotent: starts only what is down). Throws with the output on failure. */
export async function stackUp(): Promise<number> {
  const t0 = Date.now();
  const r = await run(path.join(ROOT, 'scripts', 'stack'), ['up'], 300_000);
  if (r.code !== 0) throw new Error(`scripts/stack up failed (exit ${r.code}):\n${r.out.slice(-3000)}`);
  return Date.now() - t0;
}

/** Refuses to run against a stack this checkout did not start (its pid files are what the faults use). */
export function requireOwnStack(): void {
  const missing = (['redis', 'temporal', 'opensearch'] as const).filter((n) => stackPid(n) === undefined);
  if (missing.length) {
    throw new Error(`no running ${missing.join(', ')} with a pid file under ${STACK_RUN}: the stack must be this checkout's (scripts/stack up)`);
  }
}

export async function versions(): Promise<Record<string, string>> {
  const first = (s: string) => s.trim().split('\n')[0];
  const temporalBin = (await run(path.join(ROOT, 'scripts', 'stack'), ['path', 'temporal'])).out.trim();
  const out: Record<string, string> = { node: process.version };
  out.temporalCli = first((await run(temporalBin, ['--version'])).out);
  out.redis = first((await run('redis-server', ['--version'])).out);
  try {
    const res = await fetch(`${OPENSEARCH_URL}/`, { signal: AbortSignal.timeout(5_000) });
    const body = (await res.json()) as { version?: { number?: string; distribution?: string } };
    out.opensearch = `${body.version?.distribution ?? 'opensearch'} ${body.version?.number ?? '?'}`;
  } catch (e) {
    out.opensearch = `unreachable: ${(e as Error).message}`;
  }
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', '@temporalio', 'worker', 'package.json'), 'utf8')) as { version: string };
    out.temporalSdk = pkg.version;
  } catch {
    out.temporalSdk = '?';
  }
  return out;
}

export function machine(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    cpuModel: cpus[0]?.model ?? '?',
    memoryMiB: Math.round(os.totalmem() / 1024 / 1024),
    freeMemoryMiB: Math.round(os.freemem() / 1024 / 1024),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAvgAtStart: os.loadavg().map((l) => round(l, 2)),
  };
}

// ---------------------------------------------------------------------------------------------
// /proc sampling: RSS (VmRSS) and CPU of named processes, once a second

const CLK_TCK = 100;

function readRssKiB(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

function readCpuTicks(pid: number): number | undefined {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]); // utime + stime (fields 14 and 15)
  } catch {
    return undefined;
  }
}

function readTotalCpu(): { busy: number; total: number } {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - f[3] - (f[4] ?? 0), total };
}

export interface ProcSeries {
  /** [seconds since start, RSS MiB] */
  rssMiB: [number, number][];
  peakRssMiB: number;
  /** CPU used over the window, in % of one core */
  cpuPct: number;
  cpuSeconds: number;
}

export class Sampler {
  private timer?: NodeJS.Timeout;
  private t0 = Date.now();
  private series = new Map<string, { rss: [number, number][]; peak: number; ticks: number; last?: { pid: number; ticks: number } }>();
  private cpu0 = readTotalCpu();
  private cpu1 = this.cpu0;

  constructor(private readonly targets: () => Record<string, number | undefined>, private readonly intervalMs = 1000) {}

  start(): this {
    this.t0 = Date.now();
    this.cpu0 = readTotalCpu();
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    return this;
  }

  stop(): { seconds: number; machineCpuPct: number; processes: Record<string, ProcSeries> } {
    if (this.timer) clearInterval(this.timer);
    this.sample();
    const seconds = (Date.now() - this.t0) / 1000;
    const processes: Record<string, ProcSeries> = {};
    for (const [name, s] of this.series) {
      processes[name] = {
        rssMiB: s.rss,
        peakRssMiB: round(s.peak, 1),
        cpuSeconds: round(s.ticks / CLK_TCK, 2),
        cpuPct: seconds > 0 ? round((s.ticks / CLK_TCK / seconds) * 100, 1) : 0,
      };
    }
    const busy = this.cpu1.busy - this.cpu0.busy;
    const total = this.cpu1.total - this.cpu0.total;
    return { seconds: round(seconds, 1), machineCpuPct: total > 0 ? round((busy / total) * 100, 1) : 0, processes };
  }

  private sample(): void {
    const t = round((Date.now() - this.t0) / 1000, 1);
    this.cpu1 = readTotalCpu();
    for (const [name, pid] of Object.entries(this.targets())) {
      if (!pid) continue;
      let s = this.series.get(name);
      if (!s) {
        s = { rss: [], peak: 0, ticks: 0 };
        this.series.set(name, s);
      }
      const rss = readRssKiB(pid);
      const ticks = readCpuTicks(pid);
      if (rss !== undefined) {
        const mib = round(rss / 1024, 1);
        s.rss.push([t, mib]);
        s.peak = Math.max(s.peak, mib);
      }
      if (ticks !== undefined) {
        if (s.last && s.last.pid === pid) s.ticks += Math.max(0, ticks - s.last.ticks);
        s.last = { pid, ticks };
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Figures

export function round(n: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function table(headers: string[], rows: (string | number | null | undefined)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === null || c === undefined ? '-' : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const numeric = (c: string) => /^-?[\d.]+( \/ -?[\d.]+)*$|^-$/.test(c);
  const line = (r: string[]) => r.map((c, i) => (i > 0 && numeric(c) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

/** Writes bench/results/<kind>-<stamp>.json and points <kind>-latest.json at it; returns the first path. */
export function writeResult(kind: string, when: Date, result: unknown): string {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const name = `${kind}-${stamp(when)}.json`;
  const file = path.join(RESULTS_DIR, name);
  const text = `${JSON.stringify(result, null, 2)}\n`;
  fs.writeFileSync(`${file}.tmp`, text);
  fs.renameSync(`${file}.tmp`, file);
  pointLatest(name, `${kind}-latest.json`);
  return file;
}

/**
 * Makes bench/results/<latest> a relative symlink to <target> (a file in the same directory), replacing
 * whatever was there (an older link, or a copy from before links) in one rename: a pointer, not a copy.
 */
export function pointLatest(target: string, latest: string): void {
  const link = path.join(RESULTS_DIR, latest);
  const tmp = `${link}.${process.pid}.tmp`;
  fs.rmSync(tmp, { force: true });
  fs.symlinkSync(target, tmp);
  fs.renameSync(tmp, link);
}
