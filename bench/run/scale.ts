// Scale-out: N workers and N ingests (or N combined processes) on one stream and one consumer group (distinct
// consumer names), at max. Every alert must arrive once (the receiver counts keys answered 2xx more than once), and
// the running workflows on the task queue (visibility, once a second) show whether INGEST_MAX_IN_FLIGHT holds across
// the ingests.
import { Sampler, publish, say } from '../harness';
import { cpuFigures, state, type RunContext } from './context';
import { arrivals, latency, steady, warmUp } from './points';
import type { ScaleResult } from './types';

export async function runScale(ctx: RunContext, processes: number, roundNo = 1): Promise<ScaleResult> {
  const { alerts, warmup, pointTimeoutMs, scalePath: p, scaleMaxInFlight, keepSeries } = ctx.o;
  const n = ctx.names(`${p}-scale${processes}${roundNo > 1 ? `-r${roundNo}` : ''}`, p);
  const what = `${p} × ${processes}`;
  say('bench', `${what}: ${processes === 1 ? 'one process' : `${processes} processes`} of each kind on one stream and group, ${alerts} alerts at max, INGEST_MAX_IN_FLIGHT=${scaleMaxInFlight}`);
  ctx.receiver.reset();
  const procs = await ctx.startPath(p, n, false, processes, { INGEST_MAX_IN_FLIGHT: String(scaleMaxInFlight) });
  try {
    await warmUp(ctx, what, n.stream, procs, Infinity, n);
    const restarts0 = procs.reduce((a, x) => a + x.unexpectedExits.length, 0);
    const running: [number, number][] = [];
    const t0 = Date.now();
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const c = await ctx.runningCount(n.taskQueue);
        if (c >= 0) running.push([Math.round((Date.now() - t0) / 100) / 10, c]);
        await new Promise((r) => setTimeout(r, 1000));
      }
    })();
    const sampler = new Sampler(() => ({ ...ctx.stackTargets(), ...ctx.procTargets(procs) })).start();
    const pub = await publish({ redis: ctx.redis, stream: n.stream, tag: n.stream, count: alerts, rate: Infinity, firstSeq: warmup, shouldStop: () => state.interrupted });
    const ok = await ctx.waitDelivered(warmup + alerts, Date.now() + pointTimeoutMs);
    const usage = sampler.stop();
    polling = false;
    await poller;
    if (!ok) ctx.note(`${what}: only ${ctx.receiver.okAlerts - warmup} of ${alerts} delivered within ${pointTimeoutMs / 1000} s. ${await ctx.diagnose(n, procs)}`);
    const { lat, at, last, delivered } = arrivals(ctx.receiver, warmup);
    const first = pub[0]?.at ?? 0;
    const seconds = Math.max(0.001, (last - first) / 1000);
    const cpu = cpuFigures(usage, delivered);
    const unexpectedExits = procs.reduce((a, x) => a + x.unexpectedExits.length, 0) - restarts0;
    // late repeats: a second 2xx for a key arrives after the first; give the workflows time to finish
    await ctx.finishPath(p, n, procs, warmup + alerts, false);
    const r: ScaleResult = {
      path: p, processes, round: roundNo, alerts: pub.length, delivered,
      throughput: Math.round((delivered / seconds) * 10) / 10, steadyThroughput: steady(at), latencyMs: latency(lat),
      duplicates: ctx.receiver.repeatedOk(), posts: ctx.receiver.posts,
      maxRunning: Math.max(0, ...running.map(([, c]) => c)), maxInFlight: scaleMaxInFlight, ...(keepSeries ? { runningSeries: running } : {}),
      cpuMsPerAlert: cpu.cpuMs, cpuPct: cpu.cpuPct, timedOut: !ok, unexpectedExits,
    };
    say('bench', `${what}: ${r.throughput} alerts/s (steady ${r.steadyThroughput}), ${r.delivered} of ${r.alerts} delivered, ${r.duplicates} duplicates, at most ${r.maxRunning} running (limit ${r.maxInFlight})`);
    return r;
  } catch (e) {
    await Promise.all(procs.map((x) => x.stop()));
    throw e;
  }
}
