// Our half's escalating alerts (team="sre", policy ESCALATION of bench/storm/our-config.ts: the chat at once, the
// pager 10 s later). Alertmanager has no escalation: the pager is ours only, a counting receiver of its own, so its
// notifications are not in the side-by-side figures. Each escalating alert fires once, never repeats nor resolves
// (bench/storm/scenario.ts), and none is silenced or inhibited, so each one's delivery must reach:
//   the chat   once, under its delivery ID (`<stream>:<message ID>`, the workflow ID), and its record `delivered`
//   the pager  once, under its delivery ID too (the pager is first reached at level 1: src/workflows/notify-steps.ts
//              notifyLevel uses `<delivery ID>:level-<n>` only for a channel an earlier level reached), and the
//              record says escalation level 1
// "Once" counts distinct keys (a key POSTed again after a kill is the same notification: the receiver drops it; such
// POSTs are counted apart). The alerts fire in the storm's first third, around the worker's kill -9, so the kill
// cuts some of their first workflow tasks (persist, chat, record: local activities in that task): read from each
// one's history (a workflow task timed out or failed before the first one completed).
import type { Client } from '@temporalio/client';
import { workflowIdFor } from '../../src/contracts/ids';
import { sleep } from '../harness';
import type { StormReceiver } from './receiver';
import { isEscalating, type StormEvent } from './scenario';

export interface EscalatingDelivery {
  alertId: string;
  /** = its delivery ID and its document's _id */
  workflowId: string;
}

/** What the escalation needs of a document. */
export interface EscalationDoc {
  status: string;
  escalationLevel?: number;
}

export function escalatingDeliveries(published: { id: string; e: StormEvent }[], stream: string): EscalatingDelivery[] {
  return published.filter((p) => p.e.kind === 'firing' && isEscalating(p.e.alert)).map((p) => ({ alertId: p.e.alert.alertId, workflowId: workflowIdFor(stream, p.id) }));
}

/** A receiver's keys by the delivery they belong to (`<stream>:<message ID>`, less a `:level-<n>` or `:resolved`). */
function keysByDelivery(r: StormReceiver): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const key of r.keys.keys()) {
    const id = key.split(':').slice(0, 2).join(':');
    out.set(id, [...(out.get(id) ?? []), key]);
  }
  return out;
}

/** The kill -9 at 1/3: escalating chat POSTs held unanswered until this many, or this long after the first. */
const KILL_HOLD = { posts: 3, maxMs: 2_000, answerMs: 3_000 };

/**
 * The worker's kill -9 with escalating alerts' chat POSTs unanswered: from now on the chat receiver holds each one
 * (answered KILL_HOLD.answerMs later, to a worker dead by then; the chat's timeout is 5 s) and `kill` comes at the
 * third, or KILL_HOLD.maxMs after the first (after 30 s without one: then). Their first workflow tasks are cut after
 * their notification went out. `fired` hears when and why, at the kill. Resolves when `kill` does.
 */
export function killWithPostsHeld(chat: StormReceiver, escalatingIds: ReadonlySet<string>, kill: () => Promise<void>, fired: (trigger: string) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const held: string[] = [];
    let holding: NodeJS.Timeout | undefined;
    const fire = (trigger: string) => {
      chat.onArrival = undefined;
      clearTimeout(timer);
      clearTimeout(holding);
      fired(trigger);
      kill().then(resolve, reject); // (Supervised.kill9 sends its SIGKILL before it returns: before a held POST is answered)
    };
    const timer = setTimeout(() => fire('no chat POST of an escalating alert within 30 s'), 30_000);
    const withHeld = () => `with ${held.length} escalating chat POSTs unanswered: ${held.join(', ')}`;
    chat.onArrival = (key) => {
      if (!escalatingIds.has(key)) return undefined;
      held.push(key);
      if (held.length === 1) holding = setTimeout(() => fire(withHeld()), KILL_HOLD.maxMs);
      if (held.length === KILL_HOLD.posts) fire(withHeld());
      return KILL_HOLD.answerMs;
    };
  });
}

/** Waits until the pager has every escalating delivery's key, or `untilMs`; resolves with how many it has. */
export async function waitForPager(list: EscalatingDelivery[], pager: StormReceiver, untilMs: number, shouldStop: () => boolean): Promise<number> {
  const reached = () => list.filter((d) => pager.keys.has(d.workflowId)).length;
  while (reached() < list.length && Date.now() < untilMs && !shouldStop()) await sleep(1_000);
  return reached();
}

/** Was the first workflow task lost (timed out or failed before the first one completed)? null: no history. */
async function firstTaskCut(client: Client, workflowId: string): Promise<boolean | null> {
  try {
    const { events } = await client.workflow.getHandle(workflowId).fetchHistory();
    for (const e of events ?? []) {
      if (e.workflowTaskCompletedEventAttributes) return false;
      if (e.workflowTaskTimedOutEventAttributes || e.workflowTaskFailedEventAttributes) return true;
    }
    return false;
  } catch {
    return null;
  }
}

/** The escalating deliveries' figures, at the end of our half (after the silence's and the sources' phases). */
export async function escalationFigures(list: EscalatingDelivery[], chat: StormReceiver, pager: StormReceiver, docs: Map<string, EscalationDoc>, client: Client, pagerWaitS: number | null) {
  const chatKeys = keysByDelivery(chat);
  const pagerKeys = keysByDelivery(pager);
  const ids = new Set(list.map((d) => d.workflowId));
  const once = (keys: string[] | undefined, id: string) => keys?.length === 1 && keys[0] === id;
  const samples = { missing: [] as string[], wrongKeys: [] as string[], notAtLevel: [] as string[], cut: [] as string[], noHistory: [] as string[] };
  const sample = (xs: string[], s: string) => xs.length < 5 && xs.push(s);
  let pagerOnce = 0;
  let pagerMissing = 0;
  let pagerWrongKeys = 0;
  let chatOnce = 0;
  let recordedAtLevel = 0;
  for (const { workflowId: id } of list) {
    const pk = pagerKeys.get(id);
    if (once(pk, id)) pagerOnce++;
    else if (!pk) {
      pagerMissing++;
      sample(samples.missing, `${id} (${docs.get(id)?.status ?? 'no document'})`);
    } else {
      pagerWrongKeys++;
      sample(samples.wrongKeys, `${id}: ${pk.join(', ')}`);
    }
    if (once(chatKeys.get(id), id)) chatOnce++;
    const d = docs.get(id);
    if (d?.status === 'delivered' && d.escalationLevel === 1) recordedAtLevel++;
    else sample(samples.notAtLevel, `${id} (${d ? `${d.status}, level ${d.escalationLevel ?? 'none'}` : 'no document'})`);
  }
  const posts = (r: StormReceiver, id: string) => r.keys.get(id) ?? 0;
  // the histories, a few at a time
  let cut = 0;
  let cutAfterChatPost = 0;
  let noHistory = 0;
  const queue = [...list];
  await Promise.all(Array.from({ length: 8 }, async () => {
    for (let d = queue.shift(); d; d = queue.shift()) {
      const c = await firstTaskCut(client, d.workflowId);
      if (c === null) {
        noHistory++;
        sample(samples.noHistory, d.workflowId);
      } else if (c) {
        cut++;
        if (posts(chat, d.workflowId) > 1) cutAfterChatPost++;
        sample(samples.cut, d.workflowId);
      }
    }
  }));
  const pagerPosts = [...pager.keys.values()].reduce((s, n) => s + n, 0);
  return {
    alerts: list.length,
    /** reached the pager under exactly one key, its delivery ID */
    pagerOnce,
    pagerMissing,
    /** reached the pager under another key, or more than one */
    pagerWrongKeys,
    /** pager keys of no escalating delivery (nothing else may page) */
    pagerOtherKeys: [...pager.keys.keys()].filter((k) => !ids.has(k.split(':').slice(0, 2).join(':'))).length,
    pagerPosts,
    pagerKeysPostedMoreThanOnce: pager.repeatedKeys,
    /** seconds after every record was terminal until the pager had every escalating delivery (null: not all) */
    pagerWaitS,
    chatOnce,
    /** records `delivered` with escalation level 1 */
    recordedAtLevel,
    /** first workflow task lost (the worker's kill -9): timed out or failed before the first one completed */
    firstTaskCut: cut,
    /** of those, the chat POSTed more than once: the lost task had notified already (its document ahead of its history) */
    firstTaskCutAfterChatPost: cutAfterChatPost,
    noHistory,
    samples,
  };
}
export type EscalationFigures = Awaited<ReturnType<typeof escalationFigures>>;

export function escalationChecks(f: EscalationFigures | null | undefined, killed: boolean): { name: string; ok: boolean; detail: string }[] {
  if (!f) return [{ name: 'ours: escalating alerts measured', ok: false, detail: 'no escalation figures' }];
  const s = (xs: string[], what: string) => (xs.length ? `; ${what}: ${xs.join('; ')}` : '');
  const out = [
    {
      name: 'ours: every escalating alert reached its pager level once, under its delivery ID, and nothing else paged',
      ok: f.alerts > 0 && f.pagerOnce === f.alerts && f.pagerOtherKeys === 0,
      detail: `${f.pagerOnce} of ${f.alerts} (${f.pagerMissing} not reached, ${f.pagerWrongKeys} under other keys, ${f.pagerOtherKeys} other pager keys; `
        + `${f.pagerPosts} POSTs, ${f.pagerKeysPostedMoreThanOnce} keys POSTed more than once)${s(f.samples.missing, 'not reached')}${s(f.samples.wrongKeys, 'other keys')}`,
    },
    {
      name: 'ours: every escalating alert reached the chat once, and its record says delivered at escalation level 1',
      ok: f.alerts > 0 && f.chatOnce === f.alerts && f.recordedAtLevel === f.alerts,
      detail: `chat ${f.chatOnce} of ${f.alerts}, records at level 1 ${f.recordedAtLevel} of ${f.alerts}${s(f.samples.notAtLevel, 'not')}`,
    },
  ];
  if (killed) {
    out.push({
      name: 'ours: the worker\'s kill -9 cut the first workflow task of escalating alerts (at least one)',
      ok: f.firstTaskCut > 0 && f.noHistory === 0,
      detail: `${f.firstTaskCut} of ${f.alerts} cut (${f.firstTaskCutAfterChatPost} after the chat's POST)${f.noHistory ? `, ${f.noHistory} histories not read` : ''}${s(f.samples.cut, 'e.g.')}`,
    });
  }
  return out;
}

export const escalationRow = (f: EscalationFigures | null | undefined): string | null =>
  f ? `${f.pagerOnce.toLocaleString('en-US')} of ${f.alerts.toLocaleString('en-US')} paged once under their delivery ID (${f.pagerPosts} POSTs); ${f.firstTaskCut} first tasks cut by the kill` : null;
