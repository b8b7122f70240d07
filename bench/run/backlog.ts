// The backlog drain: B alerts queued before the service starts; drain time and the processes' memory.
import { Sampler, enqueueBacklog, round, say, type Supervised } from '../harness';
import type { RunContext } from './context';
import type { PathName } from './paths';
import type { BacklogResult } from './types';

export async function runBacklog(ctx: RunContext, p: PathName): Promise<BacklogResult> {
  const { backlog, backlogTimeoutMs, keepSeries } = ctx.o;
  const { receiver } = ctx;
  const n = ctx.names(`${p}-backlog`, p);
  receiver.reset();
  const t0 = Date.now();
  await enqueueBacklog(ctx.redis, n.stream, n.stream, backlog);
  const enqueueSeconds = (Date.now() - t0) / 1000;
  say('bench', `backlog ${p}: ${backlog} alerts queued in ${round(enqueueSeconds, 1)} s; starting the service`);
  let procs: Supervised[] = [];
  const sampler = new Sampler(() => ({ ...ctx.stackTargets(), ...ctx.procTargets(procs) })).start();
  const start = Date.now();
  const progress: [number, number][] = [];
  const tick = setInterval(() => progress.push([round((Date.now() - start) / 1000, 1), receiver.okAlerts]), 5_000);
  try {
    procs = await ctx.startPath(p, n);
    const ok = await ctx.waitDelivered(backlog, start + backlogTimeoutMs);
    if (!ok) ctx.note(`backlog ${p}: only ${receiver.okAlerts} of ${backlog} delivered within ${backlogTimeoutMs / 1000} s. ${await ctx.diagnose(n, procs)}`);
    clearInterval(tick);
    progress.push([round((Date.now() - start) / 1000, 1), receiver.okAlerts]);
    const usage = sampler.stop();
    const end = receiver.lastOkAt || Date.now();
    const memory: BacklogResult['memory'] = {};
    for (const [name, s] of Object.entries(usage.processes)) {
      if (name === 'bench' || name === 'redis') continue;
      const series = s.rssMiB;
      const q = (a: number, b: number) => {
        const part = series.filter(([t]) => t >= a * usage.seconds && t <= b * usage.seconds).map(([, v]) => v);
        return part.length ? round(part.reduce((x, y) => x + y, 0) / part.length, 1) : 0;
      };
      memory[name] = { peakRssMiB: s.peakRssMiB, startRssMiB: series.find(([, v]) => v > 0)?.[1] ?? 0, q2MeanMiB: q(0.25, 0.5), q4MeanMiB: q(0.75, 1), ...(keepSeries ? { series } : {}) };
    }
    const result: BacklogResult = {
      path: p, alerts: backlog, enqueueSeconds: round(enqueueSeconds, 1),
      drainSeconds: round((end - start) / 1000, 1),
      deliverySeconds: round((end - receiver.firstOkAt) / 1000, 1),
      throughput: round(receiver.okAlerts / ((end - start) / 1000), 1),
      timedOut: !ok, ...(keepSeries ? { progress } : {}), memory, unexpectedExits: procs.reduce((a, x) => a + x.unexpectedExits.length, 0),
      cpuPct: Object.fromEntries(Object.entries(usage.processes).map(([k, v]) => [k, v.cpuPct])),
      machineCpuPct: usage.machineCpuPct,
    };
    await ctx.finishPath(p, n, procs, backlog, false);
    return result;
  } catch (e) {
    clearInterval(tick);
    await Promise.all(procs.map((x) => x.stop()));
    throw e;
  }
}
