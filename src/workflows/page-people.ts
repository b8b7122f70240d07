// An escalation level that pages people (docs/oncall.md): who is resolved when the level fires (a local activity,
// recorded: replay is deterministic), then each person's notification rules run on durable timers until a human
// acknowledges or the incident resolves. Each contact goes out under its own key `<delivery ID>:<person>:<n>`
// (n counts that person's contacts in this delivery), with its channel's retry policy; a contact that fails for good
// brings the person's next step forward. Nothing here knows an address: the notify activity looks it up.
import { condition, upsertSearchAttributes } from '@temporalio/workflow';
import type { ChannelResult } from '../contracts/channels';
import type { PageTarget, PagedPerson } from '../contracts/oncall';
import { SA_PAGED_PEOPLE } from '../contracts/search-attributes';
import { localBookkeeping } from './bookkeeping';
import { newResult, type Delivery } from './delivery';
import { notifyContact } from './notify-steps';

/** Pages a level's targets: records who (document, AlertPagedPeople); their rules run in the background (`d.paging`). */
export async function pageLevel(d: Delivery, level: number, targets: PageTarget[], policy: string): Promise<string[]> {
  const at = new Date().toISOString();
  const found = await localBookkeeping.resolvePage({ deliveryId: d.deliveryId, level, targets, urgency: d.urgency, policy, at });
  const paging = (d.state.paging ??= []);
  paging.push({
    level, at, nobody: found.nobody, fallbackChannels: found.fallbackChannels,
    paged: found.paged.map((p) => ({ person: p.person, via: p.via, contacts: p.steps.map((s) => s.contact) })),
  });
  for (const plan of found.paged.flatMap((p) => p.steps.map((s) => s.channel))) {
    if (!d.channels.some((c) => c.name === plan.name)) d.channels.push(plan);
  }
  const people = [...new Set(paging.flatMap((l) => l.paged.map((p) => p.person)))];
  if (people.length) upsertSearchAttributes([{ key: SA_PAGED_PEOPLE, value: people }]);
  for (const person of found.paged) d.personalRules.push(runPersonalRules(d, person));
  // Never silence: a target that found nobody, with no fallback to take over, parks the alert as failed (visible, retryable).
  for (const { target, reason } of found.nobody.filter((n) => !n.partly && n.fallback.length === 0)) {
    d.state.channels.push({ ...newResult(`nobody:${targetName(target)}`, true), status: 'failed', lastError: reason, lastErrorType: 'NobodyToPage' });
  }
  return found.fallbackChannels;
}

/** One person's steps, each at its time unless the page was answered first; a step that fails for good brings the next one forward. */
async function runPersonalRules(d: Delivery, paged: PagedPerson): Promise<void> {
  const startedAtMs = Date.parse(paged.at);
  let forward = false;
  for (const step of paged.steps) {
    const dueInMs = forward ? 0 : startedAtMs + step.afterMs - Date.now();
    if (d.answered() || (dueInMs > 0 && (await condition(() => d.answered(), dueInMs)))) return;
    const n = (d.contactsSent.get(paged.person) ?? 0) + 1;
    d.contactsSent.set(paged.person, n);
    const result: ChannelResult = newResult(`${paged.person}:${step.contact}:${n}`, false);
    d.state.channels.push(result);
    await notifyContact(d, step.channel, result, { person: paged.person, contact: step.contact }, `${d.deliveryId}:${paged.person}:${n}`);
    await d.record();
    forward = result.status === 'failed';
  }
}

/** `schedule:primary`, `person:alice`, `team:payments`. */
export function targetName(t: PageTarget): string {
  return 'schedule' in t ? `schedule:${t.schedule}` : 'person' in t ? `person:${t.person}` : `team:${t.team}`;
}
