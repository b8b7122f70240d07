// The escalation policy of a paging delivery: each level when it is due, unless a human acknowledged or the incident
// resolved by then. The waits are durable timers: a worker killed or a server restarted meanwhile changes nothing.
import { condition } from '@temporalio/workflow';
import type { EscalationPlan } from '../contracts/delivery';
import type { Delivery } from './delivery';
import { notifyLevel } from './notify-steps';

/** @param startedAtMs workflow time of the first notification: every level's `afterMs` counts from there */
export async function escalate(d: Delivery, plan: EscalationPlan, startedAtMs: number): Promise<void> {
  const stopped = () => d.state.ack !== undefined || d.resolvedBy !== undefined;
  const cycleMs = plan.levels[plan.levels.length - 1].afterMs;
  let level = 0;
  for (let cycle = 0; cycle <= plan.repeat; cycle++) {
    for (const step of plan.levels) {
      const dueAt = startedAtMs + cycle * cycleMs + step.afterMs;
      if (await condition(stopped, Math.max(dueAt - Date.now(), 1))) return;
      await notifyLevel(d, ++level, step.channels);
    }
  }
}
