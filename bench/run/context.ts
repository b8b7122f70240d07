// One run's shared state on one stack: clients, the receiver, fresh names, and starting/stopping a path's processes.
import fs from 'node:fs';
import path from 'node:path';
import type { Client as OpenSearch } from '@opensearch-project/opensearch';
import type Redis from 'ioredis';
import {
  Proc,
  Receiver,
  Supervised,
  dropData,
  killAll,
  opensearchClient,
  redisClient,
  round,
  runId,
  say,
  serviceEnv,
  sleep,
  stackPid,
  stackUp,
  stamp,
  streamState,
  temporalClient,
  terminateOpen,
  writeHookChannelsFile,
  type ServiceNames,
  type Targets,
} from '../harness';
import { WORKFLOW_TYPE } from '../../src/contracts/ids';
import { writeGroupedChannelsFile } from './grouping';
import { OtlpSink, privacyEnv } from './privacy';
import { PASS_ENV, type Options } from './options';
import { PATH_ENV, isCombined, isGrouped, isTemporal, type PathName } from './paths';

/** Set by SIGINT/SIGTERM: the run stops at the next check and cleans up. */
export const state = { interrupted: false };

export const CHANNEL_RETRY = { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '2s', maximumAttempts: 0 };

export class RunContext {
  readonly rid = runId();
  readonly started = new Date();
  readonly notes: string[] = [];
  readonly passedEnv = Object.fromEntries(PASS_ENV.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]!]));
  readonly created: { streams: string[]; indices: string[]; queues: string[] } = { streams: [], indices: [], queues: [] };
  private serial = 0;

  private constructor(
    readonly o: Options,
    readonly redis: Redis,
    readonly osc: OpenSearch,
    readonly temporal: Awaited<ReturnType<typeof temporalClient>>,
    readonly receiver: Receiver,
    readonly channelsFile: string,
    /** temporal-grouped's: the same webhook channel behind a grouping catch-all route */
    readonly groupedChannelsFile: string,
    /** temporal-traced's OTLP endpoint */
    readonly otlp: OtlpSink,
  ) {}

  /** Brings the stack of this environment up (scripts/stack up: starts only what is down) and connects. */
  static async open(o: Options): Promise<RunContext> {
    await stackUp();
    const receiver = await new Receiver().start();
    const channelsFile = writeHookChannelsFile(receiver.url, '5s', CHANNEL_RETRY);
    const grouped = writeGroupedChannelsFile(receiver.url, '5s', CHANNEL_RETRY);
    return new RunContext(o, redisClient(), opensearchClient(), await temporalClient(), receiver, channelsFile, grouped, await new OtlpSink().start());
  }

  note(msg: string): void {
    this.notes.push(`${new Date().toISOString()} ${msg}`);
    say('bench', msg);
  }

  /** Fresh stream, index and task queue for one point (deleted / terminated at the end of the run); `p`'s channels file. */
  names(what: string, p?: PathName): ServiceNames {
    const base = `bench-${this.rid}-${++this.serial}-${what}`;
    this.created.streams.push(base);
    this.created.indices.push(base);
    this.created.queues.push(base);
    return { stream: base, group: 'alert-processor', index: base, taskQueue: base, channelsFile: p && isGrouped(p) ? this.groupedChannelsFile : this.channelsFile };
  }

  env(n: ServiceNames, p: PathName = 'temporal', extra: Record<string, string> = {}): Record<string, string> {
    return serviceEnv(n, { ...this.passedEnv, ...PATH_ENV[p], ...privacyEnv(p, this.otlp.url), ...extra });
  }

  /** The service environment as recorded in the result (names and ports are per point). */
  shownEnv(): Record<string, string> {
    const { PATH: _p, HOME: _h, ...shown } = this.env({ stream: '<unique per point>', group: 'alert-processor', index: '<unique per point>', taskQueue: '<unique per point>', channelsFile: '<temp file>' });
    return { ...shown, METRICS_PORT: '<free port per process, for /readyz>' };
  }

  /** The servers of the stack for the sampler: `server` figures add temporal and its PostgreSQL (the whole tree). */
  stackTargets(): Targets {
    return {
      temporal: { pids: [stackPid('temporal')], tree: true },
      postgres: { pids: [stackPid('postgres')], tree: true },
      opensearch: stackPid('opensearch'),
      redis: stackPid('redis'),
      bench: process.pid,
    };
  }

  private nodeArgs(on: boolean): string[] {
    return this.o.cpuProf && on ? ['--cpu-prof', `--cpu-prof-dir=${path.join(this.o.outDir, 'profiles', stamp(this.started))}`] : [];
  }

  /**
   * Starts the processes of one path on fresh names (kept running: restarted if one exits by itself): `processes`
   * workers and as many ingests (distinct consumer names, one group), or as many combined processes.
   */
  async startPath(p: PathName, n: ServiceNames, profile = false, processes = 1, extra: Record<string, string> = {}): Promise<Supervised[]> {
    const logDir = this.o.logs ? path.join(this.o.outDir, 'logs', `bench-${stamp(this.started)}`, n.stream) : undefined;
    const note = (m: string) => this.note(m);
    const args = this.nodeArgs(profile);
    const env = (i: number) => this.env(n, p, { INGEST_CONSUMER: `ingest-${i}`, ...extra });
    const suffix = (i: number) => (processes > 1 ? `-${i}` : '');
    const range = Array.from({ length: processes }, (_, k) => k + 1);
    const procs = !isTemporal(p)
      ? [
          new Supervised('baseline', async (logFile) => {
            const b = new Proc({ name: 'baseline', script: 'dist/scripts/baseline.js', env: this.env(n), nodeArgs: args, logFile });
            await b.waitForLine(/baseline started/, 90_000).catch(async (e: Error) => {
              await b.kill('SIGKILL');
              throw e;
            });
            return b;
          }, logDir, note),
        ]
      : isCombined(p)
        ? range.map((i) => Supervised.service('combined', env(i), logDir, note, args, `combined${suffix(i)}`))
        : range.flatMap((i) => [
            Supervised.service('worker', env(i), logDir, note, args, `worker${suffix(i)}`),
            Supervised.service('ingest', env(i), logDir, note, args, `ingest${suffix(i)}`),
          ]);
    try {
      for (const x of procs) await x.start();
    } catch (e) {
      await Promise.all(procs.map((x) => x.stop()));
      throw e;
    }
    return procs;
  }

  /** Sampler targets for a path's processes: one name per role (worker, ingest, combined, baseline), summed over instances. */
  procTargets(procs: Supervised[]): Targets {
    const roles = new Map<string, Supervised[]>();
    for (const x of procs) {
      const role = x.name.replace(/-\d+$/, '');
      roles.set(role, [...(roles.get(role) ?? []), x]);
    }
    return Object.fromEntries([...roles].map(([role, xs]) => [role, { pids: xs.map((x) => x.pid) }]));
  }

  /** Waits until the receiver has `count` alerts delivered (keys answered 2xx; a group notification: its new alerts); false on deadline. */
  async waitDelivered(count: number, deadline: number): Promise<boolean> {
    while (this.receiver.okAlerts < count) {
      if (state.interrupted) throw new Error('interrupted');
      if (Date.now() > deadline) return false;
      await sleep(50);
    }
    return true;
  }

  /** Waits until OpenSearch says `count` documents are delivered (the workflows recorded it). */
  async docsDelivered(index: string, count: number, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const n = await countDelivered(this.osc, index).catch(() => -1);
      if (n >= count || Date.now() > deadline) return n;
      await sleep(500);
    }
  }

  /** Running workflows on the task queue (of one workflow type: e.g. the deliveries without the groups). */
  runningCount(taskQueue: string, type?: string): Promise<number> {
    const q = `TaskQueue="${taskQueue}" AND ExecutionStatus="Running"${type ? ` AND WorkflowType="${type}"` : ''}`;
    return this.temporal.client.workflow.count(q).then((r) => r.count, () => -1);
  }

  /** Lets the workflows finish, stops the processes, terminates what is left and drops the point's data. */
  async finishPath(p: PathName, n: ServiceNames, procs: Supervised[], expected: number, profile: boolean): Promise<number> {
    const docs = await this.docsDelivered(n.index, expected, 60_000);
    if (isTemporal(p)) {
      // Let the workflows finish their last task before the worker goes (the deliveries: a group waits for its
      // repeat_interval and is terminated below).
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline && (await this.runningCount(n.taskQueue, isGrouped(p) ? WORKFLOW_TYPE : undefined)) > 0) await sleep(500);
    }
    await Promise.all(procs.map((x) => x.stop(profile ? 'SIGTERM' : 'SIGKILL', 20_000)));
    if (isTemporal(p)) await terminateOpen(this.temporal.client, n.taskQueue);
    await dropData(this.redis, this.osc, [n.stream], [n.index]);
    return docs;
  }

  /** What the pipeline looks like when a point is stuck: stream state, workflows, process output. */
  async diagnose(n: ServiceNames, procs: Supervised[]): Promise<string> {
    const st = await streamState(this.redis, n.stream, n.group);
    const open = await this.runningCount(n.taskQueue);
    const all = await this.temporal.client.workflow.count(`TaskQueue="${n.taskQueue}"`).catch(() => ({ count: -1 }));
    const tails = procs.map((x) => `--- ${x.name} (${x.running ? 'running' : 'not running'}):\n${x.output().split('\n').slice(-15).join('\n')}`).join('\n');
    return `stream ${JSON.stringify(st)}, workflows ${all.count} (${open} running), receiver ${this.receiver.posts} POSTs\n${tails}`;
  }

  /** Kills what is left, deletes every stream and index of the run, terminates open workflows, brings the stack up. */
  async close(): Promise<void> {
    await killAll();
    await dropData(this.redis, this.osc, this.created.streams, this.created.indices);
    for (const q of this.created.queues) await terminateOpen(this.temporal.client, q).catch(() => 0);
    await this.receiver.stop();
    await this.otlp.stop();
    for (const f of [this.channelsFile, this.groupedChannelsFile]) fs.rmSync(path.dirname(f), { recursive: true, force: true });
    await stackUp().catch((e: Error) => say('bench', `scripts/stack up at exit failed: ${e.message}`));
    this.redis.disconnect();
    await this.osc.close();
    await this.temporal.close();
  }
}

async function countDelivered(osc: OpenSearch, index: string): Promise<number> {
  await osc.indices.refresh({ index });
  const res = await osc.count({ index, body: { query: { term: { delivered: true } } } });
  return res.body.count;
}

/** CPU figures of a sampler window per process, plus `server` = temporal + its PostgreSQL tree. */
export function cpuFigures(usage: { processes: Record<string, { cpuPct: number; cpuSeconds: number }> }, per: number): { cpuPct: Record<string, number>; cpuMs: Record<string, number> } {
  const cpuPct: Record<string, number> = Object.fromEntries(Object.entries(usage.processes).map(([k, v]) => [k, v.cpuPct]));
  const secs: Record<string, number> = Object.fromEntries(Object.entries(usage.processes).map(([k, v]) => [k, v.cpuSeconds]));
  if (cpuPct.temporal !== undefined) {
    cpuPct.server = round(cpuPct.temporal + (cpuPct.postgres ?? 0), 1);
    secs.server = secs.temporal + (secs.postgres ?? 0);
  }
  const cpuMs = Object.fromEntries(Object.entries(secs).map(([k, v]) => [k, per > 0 ? round((v * 1000) / per, 2) : NaN]));
  return { cpuPct, cpuMs };
}
