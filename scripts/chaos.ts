// The chaos run (`npm run chaos`, `npm run chaos:short`): N valid alerts published at a steady rate while
// the receiver fails at random and the processes and servers of the stack are killed and restarted;
// then it waits until everything settles and checks that nothing was lost or delivered twice.
//
//   npm run chaos -- [--alerts 10000] [--rate 50] [--faults worker:10,ingest:10,redis:1,opensearch:1,temporal:1]
//                    [--receiver-failures 0.3] [--receiver-window 0.5] [--opensearch-down 30] [--seed N]
//                    [--settle-timeout 1800] [--keep]
//   npm run chaos:short   (= --short: 500 alerts at 5/s, worker:2, ingest:1 and one of redis/opensearch/temporal)
// With the cluster profile (STACK_TEMPORAL=cluster) three more kinds: temporal-node (kill -9 of the node owning the
// most history shards), opensearch-node (kill -9 of a data node), redis-failover (the sentinels promote the replica);
// --short then means worker:1, temporal-node:1, opensearch-node:1, redis-failover:1 (bench/chaos/cluster-faults.ts).
// Beside the plain alerts, --paths N alerts on each path a delivery waits on (escalation, silence, inhibition, group,
// parked failure; default 10, full run 40; 0: none): bench/chaos/paths.ts.
//
// Result: bench/results/chaos-<stamp>.json and chaos-latest.json (a relative symlink to it: writeResult); process logs in bench/results/logs/chaos-<stamp>/.
// Exit code 0 only when every check holds.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  RESULTS_DIR,
  Receiver,
  Supervised,
  dropData,
  machine,
  opensearchClient,
  publish,
  redisClient,
  requireOwnStack,
  round,
  runId,
  say,
  serviceEnv,
  sleep,
  stackUp,
  stamp,
  streamState,
  temporalClient,
  terminateOpen,
  versions,
  writeResult,
  type Published,
  type Reply,
} from '../bench/harness';
import { CLUSTER, CLUSTER_FAULTS, KINDS, REAL_SERVER, describe, killBusiestTemporalNode, killOpenSearchNode, redisFailover, stopServer, type FaultKind } from '../bench/chaos/faults';
import { PathBursts } from '../bench/chaos/paths';
import { printReport } from '../bench/chaos/report';
import { countSettled, verify } from '../bench/chaos/verify';
import { prng } from '../bench/prng';
import { writeChannelsFile } from '../tools/processes';
import { UsageError, failed, numberOption, parseCommandLine } from '../tools/command-line';


interface Fault {
  kind: FaultKind;
  /** planned offset from the start of publishing (s) */
  plannedAtS: number;
  at?: number;
  /** the component is back: process ready, or `scripts/stack up` returned */
  backAt?: number;
  /** what it hit (a cluster fault: which node, and why that one) */
  target?: string;
  error?: string;
}

const USAGE = `npm run chaos -- [--alerts 10000] [--rate 50] [--faults worker:10,ingest:10,redis:1,opensearch:1,temporal:1]
                 [--receiver-failures 0.3] [--receiver-window 0.5] [--opensearch-down 30] [--seed N]
                 [--settle-timeout 1800] [--paths 40] [--keep]
npm run chaos:short  (--short: 500 alerts at 5/s; faults worker:2, ingest:1 and one of redis/opensearch/temporal)
`;

const OPTIONS = {
  alerts: { type: 'string' }, rate: { type: 'string' }, faults: { type: 'string' }, 'receiver-failures': { type: 'string' },
  'receiver-window': { type: 'string' }, 'opensearch-down': { type: 'string' }, seed: { type: 'string' }, 'settle-timeout': { type: 'string' }, paths: { type: 'string' },
  keep: { type: 'boolean' }, short: { type: 'boolean' }, help: { type: 'boolean' },
} as const;

let interrupted = false;

function parseFaults(spec: string): FaultKind[] {
  const out: FaultKind[] = [];
  for (const part of spec.split(',').filter(Boolean)) {
    const [kind, n = '1'] = part.split(':');
    if (!KINDS.includes(kind as FaultKind) || !/^\d+$/.test(n)) throw new UsageError(`--faults: "${part}" (expected kind:count, kinds ${KINDS.join(', ')})`);
    for (let i = 0; i < Number(n); i++) out.push(kind as FaultKind);
  }
  return out;
}

async function main(): Promise<number> {
  const { values: args } = parseCommandLine(process.argv.slice(2), OPTIONS);
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const short = args.short === true;
  const seed = numberOption(args.seed, 'seed', Math.floor(Math.random() * 2 ** 31));
  const rnd = prng(seed);
  const alerts = numberOption(args.alerts, 'alerts', short ? 500 : 10_000);
  const rate = numberOption(args.rate, 'rate', short ? 5 : 50);
  if (!(alerts > 0 && rate > 0)) throw new UsageError('--alerts and --rate must be positive');
  const serviceFault = (['redis', 'opensearch', 'temporal'] as const)[Math.floor(rnd() * 3)];
  const defaultFaults = CLUSTER
    ? (short ? 'worker:1,temporal-node:1,opensearch-node:1,redis-failover:1' : 'worker:5,ingest:5,temporal-node:2,opensearch-node:1,redis-failover:2')
    : (short ? `worker:2,ingest:1,${serviceFault}:1` : 'worker:10,ingest:10,redis:1,opensearch:1,temporal:1');
  const faults = parseFaults(args.faults ?? defaultFaults);
  if (!CLUSTER && faults.some((f) => (CLUSTER_FAULTS as string[]).includes(f))) throw new UsageError(`--faults: ${CLUSTER_FAULTS.join(', ')} need the cluster profile (STACK_TEMPORAL=cluster scripts/stack up)`);
  const failRate = numberOption(args['receiver-failures'], 'receiver-failures', 0.3);
  const failWindow = numberOption(args['receiver-window'], 'receiver-window', 0.5);
  const osDownMs = numberOption(args['opensearch-down'], 'opensearch-down', 30) * 1000;
  const settleTimeoutMs = numberOption(args['settle-timeout'], 'settle-timeout', short ? 200 : 1800) * 1000;
  const keep = args.keep === true;
  const perPath = numberOption(args.paths, 'paths', short ? 10 : 40);

  const started = new Date();
  const machineAtStart = machine();
  const rid = runId();
  const logDir = path.join(RESULTS_DIR, 'logs', `chaos-${stamp(started)}`);
  const publishSeconds = alerts / rate;
  const names = { stream: `chaos-${rid}`, group: 'alert-processor', index: `chaos-${rid}`, taskQueue: `chaos-${rid}` };
  const channel = { timeout: '2s', retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '2s', maximumAttempts: 0 } };
  const serviceSettings = { REDRIVE_INTERVAL: '5s', GIVE_UP_AFTER: '0', STARTUP_TIMEOUT: '120s', LOG_LEVEL: 'info' };
  say('chaos', `run ${rid} (seed ${seed}): ${alerts} alerts at ${rate}/s (${round(publishSeconds)} s); faults ${faults.join(', ')}; receiver fails ${failRate * 100}% of POSTs during the first ${failWindow * 100}% of publishing`);
  say('chaos', `logs: ${path.relative(process.cwd(), logDir)}`);

  await stackUp();
  if (faults.some((f) => f !== 'worker' && f !== 'ingest')) requireOwnStack();

  // The receiver: during the failure window, a share of POSTs get 500, a timeout (answer after the
  // channel's 2 s timeout) or 429 with Retry-After: 1; otherwise 200.
  let failing = true;
  const receiverFaults: Record<string, number> = { '500': 0, timeout: 0, '429': 0 };
  const receiver = await new Receiver((): Reply => {
    if (!failing || rnd() >= failRate) return { status: 200 };
    const pick = Math.floor(rnd() * 3);
    if (pick === 0) {
      receiverFaults['500']++;
      return { status: 500 };
    }
    if (pick === 1) {
      receiverFaults.timeout++;
      return { status: 504, delayMs: 3_000 };
    }
    receiverFaults['429']++;
    return { status: 429, headers: { 'retry-after': '1' } };
  }).start();
  const paths = new PathBursts(`chaos-${rid}`, perPath);
  await paths.receiver.start();
  const pathsConfig = perPath > 0 ? paths.channelsConfig('hook') : { channels: {}, config: {} };
  const channelsFile = writeChannelsFile({ hook: { url: receiver.url, timeout: channel.timeout, required: true, retry: channel.retry }, ...pathsConfig.channels }, pathsConfig.config);
  const oncallFile = path.join(path.dirname(channelsFile), 'oncall.yaml');
  if (perPath > 0) paths.writeOnCallFile(oncallFile);
  const env = { ...serviceEnv({ ...names, channelsFile }, serviceSettings), ...(perPath > 0 ? { ONCALL_FILE: oncallFile } : {}) };
  const events: { at: number; msg: string }[] = [];
  const note = (msg: string) => {
    events.push({ at: Date.now(), msg });
    say('chaos', msg);
  };
  const worker = Supervised.service('worker', env, logDir, note);
  const ingest = Supervised.service('ingest', env, logDir, note);
  const redis = redisClient();
  const osc = opensearchClient();
  const temporal = await temporalClient();

  const published: Published[] = [];
  const schedule: Fault[] = [];
  let publishStart = 0;
  let publishEnd = 0;
  let settledAt: number | undefined;
  let failure: string | undefined;
  let final: Awaited<ReturnType<typeof verify>> | undefined;
  let pathChecks: { name: string; ok: boolean; detail: string }[] = [];
  const timeline: { t: number; delivered: number; posts: number; pending?: number; lag?: number; length?: number }[] = [];

  try {
    await worker.start();
    await ingest.start();
    note(`worker and ingest running (task queue ${names.taskQueue}, stream ${names.stream}, index ${names.index})`);
    if (perPath > 0) await paths.prepare(redis, names.stream, osc, names.index, note);

    // Fault schedule, independent tracks (a process can die while a server is down, as in life): process kills at
    // random moments in 5–90 % of the publishing window, server restarts and failovers in 5–50 % (so alerts are
    // still published after them). Within a track one fault at a time.
    for (const kind of faults) {
      const server = kind !== 'worker' && kind !== 'ingest';
      schedule.push({ kind, plannedAtS: round((0.05 + rnd() * (server ? 0.45 : 0.85)) * publishSeconds, 1) });
    }
    schedule.sort((a, b) => a.plannedAtS - b.plannedAtS);

    publishStart = Date.now();
    const sampler = setInterval(() => {
      void streamState(redis, names.stream, names.group).then((s) => {
        timeline.push({ t: round((Date.now() - publishStart) / 1000, 1), delivered: receiver.okKeys, posts: receiver.posts, ...s });
      });
    }, 2_000);
    const failUntil = publishStart + failWindow * publishSeconds * 1000;
    const stopFailing = setTimeout(() => {
      failing = false;
      note('receiver healthy from now on');
    }, Math.max(0, failUntil - Date.now()));
    failing = failWindow > 0;

    const publishing = publish({
      redis, stream: names.stream, tag: names.stream, count: alerts, rate, shouldStop: () => interrupted,
      onPublished: (p) => published.push(p),
    }).then(() => {
      publishEnd = Date.now();
      note(`published ${published.length} alerts in ${round((publishEnd - publishStart) / 1000, 1)} s`);
    });

    const track = async (faultsOfTrack: Fault[]) => {
      for (const f of faultsOfTrack) {
        const due = publishStart + f.plannedAtS * 1000;
        while (Date.now() < due && !interrupted) await sleep(Math.min(200, due - Date.now()));
        if (interrupted) return;
        await inject(f);
      }
    };
    const publishingPaths = perPath > 0 ? paths.publish(redis, names.stream, publishSeconds * 0.9, () => interrupted) : Promise.resolve();
    // A failover is over in a second or two: on a track of its own, so that it lands while alerts are published.
    const trackOf = (f: Fault) => (f.kind === 'worker' || f.kind === 'ingest' ? 0 : f.kind === 'redis-failover' ? 2 : 1);
    const injecting = Promise.all([0, 1, 2].map((t) => track(schedule.filter((f) => trackOf(f) === t))));

    async function inject(f: Fault): Promise<void> {
      f.at = Date.now();
      note(`fault: ${describe(f.kind)}`);
      try {
        switch (f.kind) {
          case 'worker':
            await worker.kill9();
            break;
          case 'ingest':
            await ingest.kill9();
            break;
          case 'redis':
            await stopServer('redis', 30_000);
            await stackUp();
            break;
          case 'temporal': {
            // The real server (PostgreSQL) is killed outright; the dev server gets a clean stop.
            await stopServer('temporal', REAL_SERVER ? 0 : 30_000);
            await stackUp();
            break;
          }
          case 'opensearch': {
            await stopServer('opensearch', 60_000);
            const rest = f.at + osDownMs - Date.now();
            if (rest > 0) await sleep(rest);
            await stackUp();
            break;
          }
          case 'temporal-node':
          case 'opensearch-node': {
            f.target = f.kind === 'temporal-node' ? await killBusiestTemporalNode() : await killOpenSearchNode();
            note(`killed ${f.target}; down for ${osDownMs / 1000} s, then scripts/stack up`);
            const rest = f.at + osDownMs - Date.now();
            if (rest > 0) await sleep(rest);
            await stackUp();
            break;
          }
          case 'redis-failover':
            f.target = await redisFailover();
            note(`sentinels failed over: ${f.target}`);
            break;
        }
        f.backAt = Date.now();
        note(`back: ${f.kind} after ${round((f.backAt - f.at) / 1000, 1)} s`);
      } catch (e) {
        f.error = (e as Error).message;
        note(`fault ${f.kind} went wrong: ${f.error}`);
        await stackUp().catch(() => undefined);
        f.backAt = Date.now();
      }
    }

    await Promise.all([publishing, injecting, publishingPaths]);
    clearTimeout(stopFailing);
    if (failing) {
      failing = false;
      note('receiver healthy from now on');
    }
    if (interrupted) throw new Error('interrupted');

    // Settle: every entry has a final document, nothing pending, nothing unread.
    note(`settling (deadline ${settleTimeoutMs / 1000} s)`);
    const deadline = Date.now() + settleTimeoutMs;
    for (;;) {
      const st = await streamState(redis, names.stream, names.group);
      const done = await countSettled(osc, names.index).catch(() => -1);
      if (st && st.pending === 0 && st.lag === 0 && done === st.length - paths.ids().size) {
        settledAt = Date.now();
        break;
      }
      if (interrupted) throw new Error('interrupted');
      if (Date.now() > deadline) {
        note(`NOT settled by the deadline: ${done} of ${st?.length ?? '?'} documents final, pending ${st?.pending ?? '?'}, lag ${st?.lag ?? '?'}`);
        break;
      }
      await sleep(2_000);
    }
    await sleep(3_000); // late repeats (a retry already in flight) still count at the receiver
    clearInterval(sampler);
    if (perPath > 0) {
      await paths.release(redis, names.stream, osc, names.index, temporal.client, note);
      pathChecks = await paths.verify(names.stream, osc, names.index, settleTimeoutMs);
    }
    final = await verify(names, published, receiver, redis, osc, temporal.client, paths.ids());
  } catch (e) {
    failure = (e as Error).stack ?? String(e);
    say('chaos', `FAILED: ${failure}`);
  } finally {
    await Promise.all([worker.stop(), ingest.stop()]);
    try {
      await stackUp();
    } catch (e) {
      say('chaos', `scripts/stack up at exit failed: ${(e as Error).message}`);
      failure ??= `scripts/stack up at exit failed: ${(e as Error).message}`;
    }
    const terminated = await terminateOpen(temporal.client, names.taskQueue).catch(() => 0);
    if (terminated) note(`terminated ${terminated} workflows still open`);
    if (!keep) await dropData(redis, osc, [names.stream], [names.index]);
    else note(`kept stream ${names.stream} and index ${names.index} (--keep)`);
    await receiver.stop();
    await paths.receiver.stop();
    fs.rmSync(path.dirname(channelsFile), { recursive: true, force: true });
  }

  // ---- figures ----
  const recovery = schedule.map((f) => {
    const resumed = f.backAt ? receiver.firstOkSince(f.backAt) : undefined;
    const fresh = f.at ? receiver.firstNewAlertOkSince(f.at) : undefined;
    return {
      kind: f.kind,
      atS: f.at ? round((f.at - publishStart) / 1000, 1) : null,
      backS: f.at && f.backAt ? round((f.backAt - f.at) / 1000, 1) : null,
      /** fault → first 2xx after the component was back (deliveries flowing again) */
      resumedS: f.at && resumed ? round((resumed - f.at) / 1000, 1) : null,
      /** fault → first 2xx of an alert published after the fault (the whole path works for new alerts) */
      newAlertS: f.at && fresh ? round((fresh - f.at) / 1000, 1) : null,
      /** the longest publish → first 2xx of the alerts published in the 10 s after the fault (what it cost them) */
      slowestAfterS: f.at ? ((ms) => (ms === undefined ? null : round(ms / 1000, 1)))(receiver.slowestPublishedIn(f.at, f.at + 10_000)) : null,
      target: f.target ?? null,
      error: f.error ?? null,
    };
  });
  const checks: { name: string; ok: boolean; detail: string }[] = [];
  if (final) {
    const f = final;
    checks.push({ name: 'settled before the deadline', ok: settledAt !== undefined, detail: settledAt ? `${round((settledAt - (publishEnd || publishStart)) / 1000, 1)} s after publishing ended` : 'no' });
    checks.push({ name: 'lost alerts = 0 (every entry has a document that is delivered or parked failed, or a duplicate of a delivered one)', ok: f.lost === 0, detail: `${f.lost} lost${f.lostSample.length ? ` e.g. ${f.lostSample.join(', ')}` : ''}` });
    checks.push({ name: 'Redis kept every acknowledged XADD', ok: f.missingFromStream === 0, detail: `${f.missingFromStream} missing of ${published.length}` });
    checks.push({ name: 'OpenSearch documents = alerts', ok: f.docs === f.entries, detail: `${f.docs} documents, ${f.entries} alerts` });
    checks.push({ name: 'distinct 2xx idempotency keys at the receiver = alerts delivered', ok: f.okKeys === f.delivered, detail: `${f.okKeys} keys, ${f.delivered} delivered` });
    checks.push({ name: '`delivered` in OpenSearch agrees with the receiver (same IDs)', ok: f.disagree === 0, detail: `${f.disagree} IDs differ${f.disagreeSample.length ? ` e.g. ${f.disagreeSample.join(', ')}` : ''}` });
    checks.push({ name: 'XPENDING = 0', ok: f.pending === 0, detail: String(f.pending) });
    checks.push({ name: 'one workflow per stream entry (Temporal visibility)', ok: f.workflows === f.allEntries, detail: `${f.workflows} workflows, ${f.allEntries} entries` });
    checks.push({ name: 'headers and body carry the same key (webhook-id, Idempotency-Key, data.deliveryId)', ok: receiver.malformed === 0, detail: `${receiver.malformed} malformed` });
  }
  checks.push(...pathChecks);
  if (failure) checks.push({ name: 'run completed', ok: false, detail: failure.split('\n')[0] });
  const ok = checks.length > 0 && checks.every((c) => c.ok);

  const result = {
    kind: 'chaos', ok, startedAt: started.toISOString(), finishedAt: new Date().toISOString(), seed, short,
    machine: { ...machineAtStart, loadAvgAtEnd: os.loadavg().map((l) => round(l, 2)) },
    versions: await versions(),
    settings: {
      alerts, rate, faults: schedule.map((f) => f.kind), receiverFailures: failRate, receiverWindow: failWindow, opensearchDownS: osDownMs / 1000,
      settleTimeoutS: settleTimeoutMs / 1000, channel, env: { ...serviceSettings, INGEST_CONCURRENCY: '32 (default)', INGEST_BATCH_SIZE: '100 (default)' }, names,
    },
    figures: final
      ? {
          published: published.length, entries: final.entries, documents: final.docs, delivered: final.delivered, parkedFailed: final.failed, resent: final.resent, lost: final.lost,
          receiverDistinctOkKeys: final.okKeys, receiverRawPosts: receiver.posts, receiverOkPosts: receiver.okPosts,
          ...receiver.repeats(), keysAnswered2xxMoreThanOnce: receiver.repeatedOk(),
          receiverStatuses: receiver.statuses, receiverInjected: receiverFaults, xpending: final.pending, workflows: final.workflows,
          publishSeconds: round(((publishEnd || Date.now()) - publishStart) / 1000, 1),
          settleSeconds: settledAt ? round((settledAt - (publishEnd || publishStart)) / 1000, 1) : null,
          totalSeconds: round((Date.now() - started.getTime()) / 1000, 1),
          processRestarts: { worker: worker.incarnations - 1, ingest: ingest.incarnations - 1 },
          unexpectedExits: { worker: worker.unexpectedExits.length, ingest: ingest.unexpectedExits.length },
        }
      : null,
    recovery, checks, events: events.map((e) => ({ t: round((e.at - (publishStart || started.getTime())) / 1000, 1), msg: e.msg })), timeline,
    logs: path.relative(process.cwd(), logDir), failure: failure ?? null,
  };
  const file = writeResult('chaos', started, result);

  printReport(result, file);
  redis.disconnect();
  await osc.close();
  await temporal.close();
  return ok ? 0 : 1;
}

if (require.main === module) {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      if (interrupted) {
        say('chaos', `${sig} again: exiting now (run scripts/stack up if a server is down)`);
        process.exit(130);
      }
      interrupted = true;
      say('chaos', `${sig}: stopping after clean-up and scripts/stack up (again to exit at once)`);
    });
  }
  main().then(
    (code) => process.exit(interrupted ? 130 : code),
    (e: unknown) => process.exit(failed('chaos', e)),
  );
}
