// The storm through our pipeline, as the chaos run runs it (scripts/chaos.ts): a worker and an ingest process
// from dist/ (Supervised: restarted if they die), on names unique to the run (stream, index, task queue), the
// channels file of bench/storm/our-config.ts and the silence added with alertctl before the storm. The events go
// to the stream with XADD on the storm's schedule; at 1/3 of it the worker is killed with -9 (and restarted): from
// then on the receiver holds escalating alerts' chat POSTs unanswered, and the worker is killed at the third one (or
// 2 s after the first), so their first workflow tasks are cut after their notification went out (with any other in
// flight); at 2/3 the Temporal server is restarted (its pid file's process stopped, then `scripts/stack up`: the storm's own
// stack, see bench/storm/stack.ts). Then it waits until every event's document is terminal, or the deadline:
//   terminal  delivered (a grouped alert once its group's notification went out), silenced (its workflow waits
//             for the silence's end: visible, counted as silenced), inhibited, duplicate, forwarded, unmatched,
//             grouped for good: a resolved event whose alert was never notified (its firing record says inhibited
//             or silenced): its group ignores it, there is nothing to tell
//   not yet   pending, failed (parked), grouped (its group has not notified it yet)
// lost = published but no document, or not terminal by the deadline. The escalating alerts' pager levels are waited
// for too (bench/storm/escalation.ts). Then the silence is expired (alertctl silence expire): the deliveries it still
// held back must wake and end `delivered` with their groups, or `inhibited`. Then the inhibition sources resolve: the
// deliveries they held back must wake and end `delivered` with their groups. The escalating alerts are measured last.
import fs from 'node:fs';
import path from 'node:path';
import type { Client as OpenSearch } from '@opensearch-project/opensearch';
import { workflowIdFor } from '../../src/contracts/ids';
import {
  RESULTS_DIR, Supervised, dropData, opensearchClient, pidAlive, redisClient, round, runId, say, serviceEnv, sleep, stackPid, stackUp,
  streamState, temporalClient, terminateOpen,
} from '../harness';
import { escalatingDeliveries, escalationFigures, killWithPostsHeld, waitForPager, type EscalationFigures } from './escalation';
import { SILENCE, addOurSilence, expireOurSilence, writeOurChannelsFile } from './our-config';
import { StormReceiver, receiverFigures } from './receiver';
import { isEscalating, ourEvent, play, sourceResolves, type Storm, type StormEvent } from './scenario';

/** How long each phase after the storm (the silence's expiry, the sources' resolve) may take to notify what it woke. */
const PHASE_MS = 600_000;
const TERMINAL = new Set(['delivered', 'silenced', 'inhibited', 'duplicate', 'forwarded', 'unmatched']);
/** Final, but not what a healthy storm ends in. */
const FINAL_BAD = new Set(['failed', 'abandoned', 'rejected', 'terminated']);

interface Doc {
  status: string;
  key?: string;
  groupId?: string;
  /** incidentRole, and incidentOf: the firing delivery (its workflow ID = its document's _id) a resolve refers to */
  role?: string;
  of?: string;
  /** a firing delivery whose incident resolved while it was open (a silenced one then ends silenced) */
  resolvedBy?: string;
  escalationLevel?: number;
}
/** Statuses of a firing record whose alert no group ever listed: its resolved event has nothing to tell. */
const NEVER_LISTED = new Set(['inhibited', 'silenced']);

function isTerminal(d: Doc, docs: Map<string, Doc>): boolean {
  if (TERMINAL.has(d.status)) return true;
  if (d.status !== 'grouped') return false;
  if (d.key === '') return true; // (before signal-with-start joins: the group answered "nothing to tell")
  const firing = d.role === 'resolve' && d.of ? docs.get(d.of) : undefined;
  return firing !== undefined && NEVER_LISTED.has(firing.status);
}

export interface OursOptions {
  chaos: boolean;
  deadlineS: number;
  keep: boolean;
  logDir: string;
  shouldStop: () => boolean;
}

export async function runOurs(storm: Storm, o: OursOptions) {
  const rid = runId();
  const names = { stream: `storm-${rid}`, group: 'alert-processor', index: `storm-${rid}`, taskQueue: `storm-${rid}` };
  const events: { t: number; msg: string }[] = [];
  let t0 = 0;
  const note = (msg: string) => {
    events.push({ t: t0 ? round((Date.now() - t0) / 1000, 1) : 0, msg });
    say('storm', msg);
  };
  const receiver = await new StormReceiver('ours').start();
  /** the escalation's pager level (ours only, not in the side-by-side figures) */
  const pager = await new StormReceiver('ours').start();
  const channelsFile = writeOurChannelsFile(receiver.url, pager.url);
  const env = serviceEnv({ ...names, channelsFile }, { LOG_LEVEL: 'info', STARTUP_TIMEOUT: '120s', REDRIVE_INTERVAL: '5s', GIVE_UP_AFTER: '0' });
  const worker = Supervised.service('worker', env, o.logDir, note);
  const ingest = Supervised.service('ingest', env, o.logDir, note);
  const redis = redisClient();
  const osc = opensearchClient();
  const temporal = await temporalClient();
  const published: { id: string; e: StormEvent }[] = [];
  const faults: { kind: string; atS: number; backS?: number; error?: string; trigger?: string }[] = [];
  /** the escalating deliveries published so far (their chat POST's key is the delivery ID) */
  const escalatingIds = new Set<string>();
  const timeline: { t: number; published: number; notifications: number; lag?: number; pending?: number }[] = [];
  let silence = { ok: false, output: 'not added' };
  let publishedAt = 0;
  let settledAt: number | undefined;
  let docs = new Map<string, Doc>();
  let afterExpiry: Awaited<ReturnType<typeof expireSilence>> | null = null;
  let afterSourcesResolved: Awaited<ReturnType<typeof resolveSources>> | null = null;
  let escalation: EscalationFigures | null = null;
  let pagerWaitS: number | null = null;
  /** the receiver's figures once every record was terminal, before the silence expired */
  let atStormEnd: ReturnType<typeof receiverFigures> | undefined;
  let sampler: NodeJS.Timeout | undefined;
  try {
    await worker.start();
    silence = await addOurSilence(env).then((id) => ({ ok: true, output: id }), (e: Error) => ({ ok: false, output: e.message }));
    note(silence.ok ? `silence ${silence.output} added (${SILENCE.matcher} for ${SILENCE.for})` : `NO SILENCE: ${silence.output}`);
    await sleep(1_500); // each worker reads the active silences at most once a second
    await ingest.start();
    note(`worker and ingest running (stream, index and task queue ${names.stream})`);

    t0 = Date.now();
    sampler = setInterval(() => {
      void streamState(redis, names.stream, names.group).then((s) => {
        timeline.push({ t: round((Date.now() - t0) / 1000, 1), published: published.length, notifications: receiver.notifications.length, lag: s?.lag, pending: s?.pending });
      });
    }, 5_000);
    const D = storm.settings.seconds * 1000;
    const fault = async (kind: string, atMs: number, act: (f: (typeof faults)[number]) => Promise<void>) => {
      while (Date.now() - t0 < atMs && !o.shouldStop()) await sleep(100);
      if (o.shouldStop()) return;
      const f: (typeof faults)[number] = { kind, atS: round((Date.now() - t0) / 1000, 1) };
      faults.push(f);
      note(`fault: ${kind}`);
      try {
        await act(f);
      } catch (e) {
        f.error = (e as Error).message;
        note(`fault ${kind} went wrong: ${f.error}`);
        await stackUp().catch(() => undefined);
      }
      f.backS = round((Date.now() - t0) / 1000 - f.atS, 1);
      note(`back: ${kind} after ${f.backS} s${f.trigger ? ` (killed ${f.trigger})` : ''}`);
    };
    const killAtEscalatingPosts = (f: (typeof faults)[number]) => killWithPostsHeld(receiver, escalatingIds, () => worker.kill9(), (trigger) => {
      Object.assign(f, { atS: round((Date.now() - t0) / 1000, 1), trigger });
    });
    const chaos = o.chaos
      ? fault('kill -9 of the worker (restarted at once)', D / 3, killAtEscalatingPosts).then(() => fault('Temporal dev server restart (SIGTERM, then scripts/stack up)', (2 * D) / 3, restartTemporal))
      : Promise.resolve();
    await play(storm, t0, async (batch) => {
      const pipe = redis.pipeline();
      for (const e of batch) pipe.xadd(names.stream, '*', 'event', JSON.stringify(ourEvent(e, t0)));
      const res = (await pipe.exec()) ?? [];
      batch.forEach((e, i) => {
        const [err, id] = res[i] ?? [new Error('no reply'), null];
        if (err || typeof id !== 'string') throw new Error(`XADD failed: ${err?.message ?? 'no ID'}`);
        published.push({ id, e });
        if (e.kind === 'firing' && isEscalating(e.alert)) escalatingIds.add(workflowIdFor(names.stream, id));
      });
    }, o.shouldStop);
    publishedAt = Date.now();
    note(`published ${published.length} events in ${round((publishedAt - t0) / 1000, 1)} s`);
    await chaos;

    note(`waiting until every record is terminal (deadline ${o.deadlineS} s)`);
    const deadline = publishedAt + o.deadlineS * 1000;
    for (;;) {
      docs = await allDocs(osc, names.index).catch(() => docs);
      const open = published.filter((p) => { const d = docs.get(workflowIdFor(names.stream, p.id)); return !d || !isTerminal(d, docs); }).length;
      if (open === 0) {
        settledAt = Date.now();
        break;
      }
      if (o.shouldStop() || Date.now() > deadline) {
        note(`NOT terminal by the deadline: ${open} of ${published.length}`);
        break;
      }
      await sleep(3_000);
    }
    await sleep(3_000); // a notification in flight still counts
    clearInterval(sampler);
    const escalating = escalatingDeliveries(published, names.stream);
    const pagerFrom = Date.now();
    const paged = await waitForPager(escalating, pager, pagerFrom + 120_000, o.shouldStop);
    pagerWaitS = paged === escalating.length ? round((Date.now() - pagerFrom) / 1000, 1) : null;
    note(`pager level: ${paged} of ${escalating.length} escalating deliveries paged`);
    docs = await allDocs(osc, names.index);
    atStormEnd = receiverFigures(receiver);
    if (silence.ok && !o.shouldStop()) afterExpiry = await expireSilence(silence.output);
    if (!o.shouldStop()) afterSourcesResolved = await resolveSources();
    // the escalating deliveries at the very end (a late repeat would show), their records as they are now
    const now = await allDocs(osc, names.index).catch(() => docs);
    escalation = await escalationFigures(escalating, receiver, pager, now, temporal.client, pagerWaitS);
    note(`escalating: ${escalation.pagerOnce} of ${escalation.alerts} paged once; ${escalation.firstTaskCut} first workflow tasks cut by the kill`);
  } finally {
    clearInterval(sampler);
    await Promise.all([worker.stop(), ingest.stop()]);
    await stackUp().catch((e: Error) => note(`scripts/stack up at exit failed: ${e.message}`));
    const terminated = await terminateOpen(temporal.client, names.taskQueue).catch(() => 0);
    if (terminated) note(`terminated ${terminated} workflows still open (silenced deliveries, groups waiting for repeat_interval)`);
    if (!o.keep) await dropData(redis, osc, [names.stream, `${names.stream}:in-flight`, `${names.stream}:dead-letter`], [names.index]);
    await receiver.stop();
    await pager.stop();
    fs.rmSync(path.dirname(channelsFile), { recursive: true, force: true });
    redis.disconnect();
    await osc.close();
    await temporal.close();
  }
  return figures();

  /**
   * After the storm: the silence is expired (alertctl silence expire), so the deliveries it still holds back (those
   * whose incident did not resolve meanwhile) wake and are screened again: notified with their groups (`delivered`),
   * or `inhibited` when a firing source holds them back now (as Alertmanager on sending). None may stay silenced.
   */
  async function expireSilence(id: string) {
    const waiting = [...docs].filter(([, d]) => d.status === 'silenced' && !d.resolvedBy).map(([k]) => k);
    const before = receiver.notifications.length;
    const at = Date.now();
    const woken = await expireOurSilence(env, id).catch((e: Error) => {
      note(`silence expire failed: ${e.message}`);
      return null;
    });
    note(`silence expired: ${woken ?? '?'} deliveries woken (${waiting.length} held back, not resolved)`);
    let delivered = 0;
    let inhibited = 0;
    const until = at + PHASE_MS;
    while (!o.shouldStop()) {
      const now = await allDocs(osc, names.index).catch(() => undefined);
      delivered = now ? waiting.filter((k) => now.get(k)?.status === 'delivered').length : delivered;
      inhibited = now ? waiting.filter((k) => now.get(k)?.status === 'inhibited').length : inhibited;
      if (delivered + inhibited === waiting.length || Date.now() > until) break;
      await sleep(2_000);
    }
    await sleep(2_000);
    return { heldBack: waiting.length, woken, delivered, inhibited, seconds: round((Date.now() - at) / 1000, 1), notifications: receiver.notifications.length - before };
  }

  /**
   * Then the inhibition sources resolve (their resolved events go to the stream like the storm's): each resolve
   * wakes the deliveries its source held back (those whose own incident did not resolve meanwhile), which are
   * screened again and notified with their groups (`delivered`), as Alertmanager notifies them once their source
   * resolved. None may stay inhibited.
   */
  async function resolveSources() {
    // (now, after the silence's expiry; `docs` keeps the storm's end for the figures)
    const current = await allDocs(osc, names.index).catch(() => docs);
    const waiting = [...current].filter(([, d]) => d.status === 'inhibited' && !d.resolvedBy).map(([k]) => k);
    const before = receiver.notifications.length;
    const at = Date.now();
    const resolves = sourceResolves(storm, at - t0);
    const pipe = redis.pipeline();
    for (const e of resolves) pipe.xadd(names.stream, '*', 'event', JSON.stringify(ourEvent(e, t0)));
    await pipe.exec();
    note(`${resolves.length} inhibition sources resolved (${waiting.length} deliveries held back, not resolved)`);
    let delivered = 0;
    /** the held-back deliveries by status at the end (still `inhibited`: not woken; `grouped`: waiting for their group) */
    let left: Record<string, number> = {};
    const until = at + PHASE_MS;
    while (!o.shouldStop()) {
      const now = await allDocs(osc, names.index).catch(() => undefined);
      if (now) {
        delivered = waiting.filter((k) => now.get(k)?.status === 'delivered').length;
        left = {};
        for (const k of waiting) {
          const st = now.get(k)?.status ?? 'no document';
          if (st !== 'delivered') left[st] = (left[st] ?? 0) + 1;
        }
      }
      if (delivered === waiting.length || Date.now() > until) break;
      await sleep(2_000);
    }
    await sleep(2_000);
    return { sources: resolves.length, heldBack: waiting.length, delivered, left, seconds: round((Date.now() - at) / 1000, 1), notifications: receiver.notifications.length - before };
  }

  function figures() {
    const statuses: Record<string, number> = {};
    let lost = 0;
    let nonTerminal = 0;
    let grouped = 0;
    let nothingToTell = 0;
    const lostSample: string[] = [];
    for (const p of published) {
      const d = docs.get(workflowIdFor(names.stream, p.id));
      if (d) statuses[d.status] = (statuses[d.status] ?? 0) + 1;
      if (d?.groupId && d.key) grouped++;
      if (d?.status === 'grouped' && isTerminal(d, docs)) nothingToTell++;
      if (!d || !isTerminal(d, docs)) {
        lost++;
        if (d) nonTerminal++;
        if (lostSample.length < 5) lostSample.push(`${p.id} ${p.e.kind} ${p.e.alert.alertId} (${d ? `${d.status}${d.key ? ` ${d.key}` : ''}` : 'no document'})`);
      }
    }
    const r = atStormEnd ?? receiverFigures(receiver);
    return {
      names, silence, afterExpiry, afterSourcesResolved, escalation, faults, events, timeline,
      published: published.length,
      documents: docs.size,
      statuses,
      silenced: statuses.silenced ?? 0,
      inhibited: statuses.inhibited ?? 0,
      /** events whose record says a group notification carried them (firing and resolved) */
      grouped,
      /** resolved events left `grouped` for good: their alert was never notified (inhibited or silenced) */
      groupedNothingToTell: nothingToTell,
      duplicates: statuses.duplicate ?? 0,
      finalButBad: [...FINAL_BAD].reduce((s, k) => s + (statuses[k] ?? 0), 0),
      lost, nonTerminal, lostSample,
      firstAlertToFirstNotificationS: r.firstAt ? round((r.firstAt - t0) / 1000, 2) : null,
      publishSeconds: round((publishedAt - t0) / 1000, 1),
      terminalAfterS: settledAt ? round((settledAt - t0) / 1000, 1) : null,
      processRestarts: { worker: worker.incarnations - 1, ingest: ingest.incarnations - 1 },
      unexpectedExits: { worker: worker.unexpectedExits.length, ingest: ingest.unexpectedExits.length },
      logs: path.relative(RESULTS_DIR, o.logDir),
      receiver: r,
    };
  }
}
export type OursResult = Awaited<ReturnType<typeof runOurs>>;

/** The storm's stack's Temporal dev server: SIGTERM by its pid file (kill -9 after 30 s), then `scripts/stack up`. */
async function restartTemporal(): Promise<void> {
  const pid = stackPid('temporal');
  if (!pid) throw new Error('Temporal is not running from the stack\'s pid file');
  process.kill(pid, 'SIGTERM');
  const killAt = Date.now() + 30_000;
  while (pidAlive(pid)) {
    if (Date.now() > killAt) process.kill(pid, 'SIGKILL');
    await sleep(100);
  }
  await stackUp();
}

/** Every document's status, group notification key, group and incident role, by _id (search_after on streamId). */
async function allDocs(osc: OpenSearch, index: string): Promise<Map<string, Doc>> {
  await osc.indices.refresh({ index });
  const out = new Map<string, Doc>();
  let after: unknown[] | undefined;
  for (;;) {
    const res = await osc.search({
      index,
      body: { size: 5000, sort: [{ streamId: 'asc' }], _source: ['deliveryStatus', 'groupNotificationKey', 'groupId', 'incidentRole', 'incidentOf', 'resolvedBy', 'escalationLevel'], ...(after ? { search_after: after } : {}), query: { match_all: {} } },
    } as never);
    type Source = {
      deliveryStatus?: string; groupNotificationKey?: string | null; groupId?: string | null; incidentRole?: string | null; incidentOf?: string | null; resolvedBy?: string | null;
      escalationLevel?: number | null;
    };
    const hits = (res.body as { hits: { hits: { _id: string; _source: Source; sort: unknown[] }[] } }).hits.hits;
    for (const { _id, _source: s } of hits) {
      out.set(_id, {
        status: s.deliveryStatus ?? '?',
        ...(typeof s.groupNotificationKey === 'string' ? { key: s.groupNotificationKey } : {}),
        ...(s.groupId ? { groupId: s.groupId } : {}),
        ...(s.incidentRole ? { role: s.incidentRole } : {}),
        ...(s.incidentOf ? { of: s.incidentOf } : {}),
        ...(s.resolvedBy ? { resolvedBy: s.resolvedBy } : {}),
        ...(typeof s.escalationLevel === 'number' ? { escalationLevel: s.escalationLevel } : {}),
      });
    }
    if (hits.length < 5000) break;
    after = hits[hits.length - 1].sort;
  }
  return out;
}
