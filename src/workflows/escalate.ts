// The escalation policy of a paging delivery: each level when it is due, unless a human acknowledged or the incident
// resolved by then. The waits are durable timers: a worker killed or a server restarted meanwhile changes nothing.
// A level notifies channels, pages people (page-people.ts), or both; the people's own rules run on beside the levels.
import { condition } from '@temporalio/workflow';
import type { EscalationPlan } from '../contracts/delivery';
import type { Delivery } from './delivery';
import { notifyLevel } from './notify-steps';
import { pageLevel } from './page-people';

/** @param startedAtMs workflow time of the first notification: every level's `afterMs` counts from there */
export async function escalate(d: Delivery, plan: EscalationPlan, startedAtMs: number): Promise<void> {
  const cycleMs = plan.levels[plan.levels.length - 1].afterMs;
  let level = 0;
  escalation: for (let cycle = 0; cycle <= plan.repeat; cycle++) {
    for (const step of plan.levels) {
      const dueInMs = startedAtMs + cycle * cycleMs + step.afterMs - Date.now();
      if (d.answered() || (dueInMs > 0 && (await condition(() => d.answered(), dueInMs)))) break escalation;
      level++;
      const fallback = step.notify?.length ? await pageLevel(d, level, step.notify, plan.policy) : [];
      await notifyLevel(d, level, [...new Set([...step.channels, ...fallback])]);
    }
  }
  await Promise.all(d.personalRules); // each person's rules end at their last step, or at the acknowledgement or resolve
}
