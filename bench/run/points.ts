// One rate point: a path's processes on fresh names, a warm-up, N alerts at the offered rate, what arrived when.
import { Sampler, percentile, publish, round, say, type Published, type Receiver, type Supervised } from '../harness';
import { cpuFigures, state, type RunContext } from './context';
import { isGrouped, type PathName } from './paths';
import type { Latency, PointResult } from './types';

/** Publishes the warm-up (not counted) and waits for it at the receiver. */
export async function warmUp(ctx: RunContext, what: string, stream: string, procs: Supervised[], rate: number, diagnoseNames: Parameters<RunContext['diagnose']>[0]): Promise<void> {
  const { warmup } = ctx.o;
  if (warmup <= 0) return;
  await publish({ redis: ctx.redis, stream, tag: `${stream}-w`, count: warmup, rate: Math.min(rate, 200), shouldStop: () => state.interrupted });
  if (!(await ctx.waitDelivered(warmup, Date.now() + 120_000))) {
    throw new Error(`${what}: warm-up not delivered within 120 s (${ctx.receiver.okAlerts} of ${warmup}). ${await ctx.diagnose(diagnoseNames, procs)}`);
  }
}

export async function runPoint(ctx: RunContext, p: PathName, rate: number, label: string, roundNo = 1): Promise<PointResult> {
  const { alerts, warmup, pointTimeoutMs } = ctx.o;
  const n = ctx.names(`${p}-${label}${roundNo > 1 ? `-r${roundNo}` : ''}`, p);
  ctx.receiver.reset();
  const profile = ctx.o.cpuProf && !Number.isFinite(rate);
  const procs = await ctx.startPath(p, n, profile);
  try {
    await warmUp(ctx, `${p} @ ${label}`, n.stream, procs, rate, n);
    const restarts0 = procs.reduce((a, x) => a + x.unexpectedExits.length, 0);
    const sampler = new Sampler(() => ({ ...ctx.stackTargets(), ...ctx.procTargets(procs) })).start();
    const pub = await publish({ redis: ctx.redis, stream: n.stream, tag: n.stream, count: alerts, rate, firstSeq: warmup, shouldStop: () => state.interrupted });
    const pubDone = Date.now();
    const ok = await ctx.waitDelivered(warmup + alerts, pubDone + pointTimeoutMs);
    const usage = sampler.stop();
    if (!ok) ctx.note(`${p} @ ${label}: only ${ctx.receiver.okAlerts - warmup} of ${alerts} delivered within ${pointTimeoutMs / 1000} s. ${await ctx.diagnose(n, procs)}`);
    const r = measure(p, rate, label, roundNo, pub, ctx.receiver, warmup, ok, usage);
    r.unexpectedExits = procs.reduce((a, x) => a + x.unexpectedExits.length, 0) - restarts0;
    r.docsDelivered = await ctx.finishPath(p, n, procs, warmup + alerts, profile);
    return r;
  } catch (e) {
    await Promise.all(procs.map((x) => x.stop()));
    throw e;
  }
}

/**
 * The counted alerts (warm-up excluded) from the receiver's keys: how many were delivered, each one's arrival time
 * (first 2xx) and the last, and the latencies: per alert, first 2xx − publish time. A group notification delivers
 * its `group.counts.new` alerts at its arrival; its latency (one per notification, `notifications` of them) is its
 * arrival − the earliest publish time of the new alerts it lists. It counts once the warm-up's alerts have arrived.
 */
export function arrivals(receiver: Receiver, warmup: number): { lat: number[]; at: number[]; last: number; delivered: number; notifications: number } {
  const lat: number[] = [];
  const at: number[] = [];
  let last = 0;
  let delivered = 0;
  let notifications = 0;
  for (const k of receiver.keys.values()) {
    if (!k.firstOkAt || (k.group ? k.deliveredBefore < warmup : k.seq < warmup)) continue;
    if (k.group) {
      notifications++;
      for (let i = 0; i < k.alerts; i++) at.push(k.firstOkAt);
      if (k.publishedAt > 0) lat.push(k.firstOkAt - k.publishedAt);
    } else {
      lat.push(k.firstOkAt - k.publishedAt);
      at.push(k.firstOkAt);
    }
    delivered += k.alerts;
    last = Math.max(last, k.firstOkAt);
  }
  lat.sort((a, b) => a - b);
  return { lat, at, last, delivered, notifications };
}

export function latency(sorted: number[]): Latency {
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? NaN, mean: round(sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length)) };
}

export function measure(
  p: PathName, rate: number, label: string, roundNo: number, pub: Published[], receiver: Receiver, warmup: number, ok: boolean,
  usage: ReturnType<Sampler['stop']>,
): PointResult {
  const { lat, at, last, delivered, notifications } = arrivals(receiver, warmup);
  const first = pub[0]?.at ?? 0;
  const pubSpan = Math.max(1, (pub[pub.length - 1]?.at ?? first) - first) / 1000;
  const seconds = Math.max(0.001, (last - first) / 1000);
  const cpu = cpuFigures(usage, delivered);
  return {
    path: p, offered: Number.isFinite(rate) ? rate : null, label, round: roundNo, alerts: pub.length, delivered,
    ...(isGrouped(p) ? { notifications, latencyOf: 'notification' as const } : {}),
    publishedPerSec: round(pub.length / pubSpan, 1),
    throughput: round(delivered / seconds, 1), seconds: round(seconds, 2),
    latencyMs: latency(lat),
    posts: receiver.posts, repeatedOk: receiver.repeatedOk(),
    cpuPct: cpu.cpuPct,
    cpuMsPerAlert: cpu.cpuMs,
    machineCpuPct: usage.machineCpuPct, timedOut: !ok, docsDelivered: 0, unexpectedExits: 0, steadyThroughput: steady(at),
  };
}

/** Deliveries per second between the 10th and the 90th percentile of arrival times. */
export function steady(times: number[]): number {
  if (times.length < 20) return NaN;
  times.sort((a, b) => a - b);
  const a = percentile(times, 10);
  const b = percentile(times, 90);
  return b > a ? round((times.filter((t) => t >= a && t <= b).length - 1) / ((b - a) / 1000), 1) : NaN;
}

/** The rate points of one round, paths alternating at each rate; a path's finite rates above its saturation are skipped. */
export async function runRound(ctx: RunContext, roundNo: number, saturated: Set<PathName>, points: PointResult[]): Promise<void> {
  const { rates, paths, repeat, alerts, warmup, allRates } = ctx.o;
  for (const rate of rates) {
    for (const p of paths) {
      const label = Number.isFinite(rate) ? String(rate) : 'max';
      const what = `${p} @ ${label}/s${repeat > 1 ? ` (round ${roundNo} of ${repeat})` : ''}`;
      if (Number.isFinite(rate) && saturated.has(p) && !allRates) {
        ctx.note(`${what} skipped: ${p} already saturated at a lower rate (--all-rates runs it)`);
        continue;
      }
      say('bench', `${what}: ${alerts} alerts (+${warmup} warm-up)`);
      const r = await runPoint(ctx, p, rate, label, roundNo);
      points.push(r);
      if (Number.isFinite(rate) && (r.timedOut || r.throughput < 0.8 * rate)) saturated.add(p);
      const per = r.notifications !== undefined ? ` (${r.notifications} group notifications; latency per notification)` : '';
      say('bench', `${what}: ${r.throughput} alerts/s (steady ${r.steadyThroughput})${per}, p50 ${r.latencyMs.p50} ms, p95 ${r.latencyMs.p95} ms, p99 ${r.latencyMs.p99} ms${r.timedOut ? ' (TIMED OUT)' : ''}; cpu ms/alert ${JSON.stringify(r.cpuMsPerAlert)}`);
    }
  }
}
