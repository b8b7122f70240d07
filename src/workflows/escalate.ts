// The escalation policy of a paging delivery: each level when it is due, unless a human acknowledged or the incident
// resolved by then. The waits are durable timers: a worker killed or a server restarted meanwhile changes nothing.
// A level notifies channels, pages people (page-people.ts), or both; the people's own rules run on beside the levels.
import { condition } from '@temporalio/workflow';
import type { EscalationPlan } from '../contracts/delivery';
import type { Delivery } from './delivery';
import { notifyLevel } from './notify-steps';
import { pageLevel } from './page-people';

/**
 * Waits for a level's time; true if a human answered first. A level already due waits 1 ms as 1.0 did (its histories
 * replay so, docs/development.md), except a level paging people (new in 1.1: no 1.0 history has one), which fires at once.
 */
async function answeredBeforeDue(d: Delivery, dueInMs: number, pagesPeople: boolean): Promise<boolean> {
  if (d.answered()) return true;
  if (dueInMs <= 0 && pagesPeople) return false;
  return condition(() => d.answered(), Math.max(dueInMs, 1));
}

/** @param startedAtMs workflow time of the first notification: every level's `afterMs` counts from there */
export async function escalate(d: Delivery, plan: EscalationPlan, startedAtMs: number): Promise<void> {
  const cycleMs = plan.levels[plan.levels.length - 1].afterMs;
  let level = 0;
  escalation: for (let cycle = 0; cycle <= plan.repeat; cycle++) {
    for (const step of plan.levels) {
      if (await answeredBeforeDue(d, startedAtMs + cycle * cycleMs + step.afterMs - Date.now(), !!step.notify)) break escalation;
      level++;
      const fallback = step.notify?.length ? await pageLevel(d, level, step.notify, plan.policy) : [];
      await notifyLevel(d, level, [...new Set([...step.channels, ...fallback])]);
    }
  }
  await Promise.all(d.personalRules); // each person's rules end at their last step, or at the acknowledgement or resolve
}
