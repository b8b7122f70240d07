// A critical behind a backlog (docs/delivery.md#priority-and-fairness): N lower-severity alerts (high, medium, low,
// info in turn) queued, the service started; once it delivers, one critical alert is published behind them. The
// figure: seconds from that publish to the critical at the receiver, beside the backlog's drain time.
import { publish, round, say, sleep, type Supervised } from '../harness';
import { workflowIdFor } from '../../src/contracts/ids';
import type { RunContext } from './context';
import type { PathName } from './paths';
import type { PriorityResult } from './types';

const LOWER = ['high', 'medium', 'low', 'info'] as const;

export async function runPriority(ctx: RunContext, p: PathName): Promise<PriorityResult> {
  const { priority: count, backlogTimeoutMs } = ctx.o;
  const { receiver } = ctx;
  const n = ctx.names(`${p}-priority`, p);
  receiver.reset();
  await publish({ redis: ctx.redis, stream: n.stream, tag: n.stream, count, rate: Infinity, batch: 1000, severity: (seq) => LOWER[seq % LOWER.length] });
  let procs: Supervised[] = [];
  try {
    const start = Date.now();
    const deadline = start + backlogTimeoutMs;
    procs = await ctx.startPath(p, n);
    await ctx.waitDelivered(1, deadline);
    const [critical] = await publish({ redis: ctx.redis, stream: n.stream, tag: `${n.stream}-critical`, count: 1, rate: Infinity, firstSeq: count, severity: () => 'critical' });
    const behind = count - receiver.okAlerts;
    const key = workflowIdFor(n.stream, critical.id);
    while (!receiver.keys.get(key)?.firstOkAt && Date.now() < deadline) await sleep(20);
    const reachedAt = receiver.keys.get(key)?.firstOkAt ?? 0;
    const ok = Boolean(reachedAt) && (await ctx.waitDelivered(count + 1, deadline));
    if (!ok) ctx.note(`priority ${p}: ${reachedAt ? '' : 'the critical never arrived; '}${receiver.okAlerts} of ${count + 1} delivered within ${backlogTimeoutMs / 1000} s. ${await ctx.diagnose(n, procs)}`);
    const result: PriorityResult = {
      path: p, alerts: count, behind,
      criticalSeconds: reachedAt ? round((reachedAt - critical.at) / 1000, 2) : null,
      deliveredBeforeCritical: receiver.keys.get(key)?.deliveredBefore ?? null,
      drainSeconds: round(((receiver.lastOkAt || Date.now()) - start) / 1000, 1),
      timedOut: !ok,
    };
    say('bench', `priority ${p}: a critical behind ${behind} alerts reached the receiver in ${result.criticalSeconds ?? '-'} s (after ${result.deliveredBeforeCritical ?? '-'} others); the ${count} drained in ${result.drainSeconds} s`);
    await ctx.finishPath(p, n, procs, count + 1, false);
    return result;
  } catch (e) {
    await Promise.all(procs.map((x) => x.stop()));
    throw e;
  }
}
