// The storm run's own logic (bench/storm/): the scenario's escalating alerts (where and how they fire), our channels
// file and Alertmanager's for them, the escalation figures and checks made from the receivers and the histories,
// and the docs' table region. No stack: receivers and the Temporal client are stand-ins.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import type { Client } from '@temporalio/client';
import { loadChannelsFile } from '../src/channels/config';
import { ChannelRegistry } from '../src/channels/registry';
import { alertmanagerYaml } from '../bench/storm/alertmanager';
import { escalationChecks, escalationFigures, killWithPostsHeld, type EscalationDoc } from '../bench/storm/escalation';
import { writeOurChannelsFile } from '../bench/storm/our-config';
import { StormReceiver } from '../bench/storm/receiver';
import { BEGIN, END, updateDocs, type StormResult } from '../bench/storm/report';
import { buildStorm, escalatingWindowMs, isEscalating, isInhibited, isSilenced, ourEvent } from '../bench/storm/scenario';

describe('the storm scenario', () => {
  it.each([
    { alerts: 1_000, rules: 10, seconds: 15 },
    { alerts: 10_000, rules: 20, seconds: 60 },
  ])('$alerts events over $seconds s: the escalating alerts fire once each, before 1 s after the kill at 1/3, never repeat nor resolve, are neither silenced nor inhibited', (s) => {
    const storm = buildStorm({ ...s, seed: 13 });
    const [from, to] = escalatingWindowMs(s.seconds);
    expect(to).toBe((s.seconds * 1000) / 3 + 1_000);
    const esc = storm.events.filter((e) => isEscalating(e.alert));
    expect(esc.length).toBe(storm.expected.escalatingAlerts);
    expect(esc.length).toBe(Math.round(s.alerts * 0.03));
    expect(esc.every((e) => e.kind === 'firing' && e.atMs >= from && e.atMs < to)).toBe(true);
    expect(new Set(esc.map((e) => e.alert.alertId)).size).toBe(esc.length);
    expect(esc.some((e) => isSilenced(e.alert) || isInhibited(e.alert))).toBe(false);
    expect(storm.events.length).toBe(s.alerts);
    // the same seed, the same storm
    expect(buildStorm({ ...s, seed: 13 }).events).toEqual(storm.events);
    // the other rules still have their inhibition target (rule 2: medium, db)
    expect(storm.rules[2]).toMatchObject({ severity: 'medium', team: 'db' });
    expect(storm.expected.inhibitedAlerts).toBeGreaterThan(0);
  });
});

describe('the storm configuration', () => {
  it('ours: the escalating alerts have a route without group_by and the policy chat at once, pager after 10 s', () => {
    const file = writeOurChannelsFile('http://127.0.0.1:1/ours', 'http://127.0.0.1:2/ours');
    try {
      const registry = new ChannelRegistry(loadChannelsFile(file, {}));
      const event = ourEvent(buildStorm({ alerts: 1_000, rules: 10, seconds: 15, seed: 13 }).events.find((e) => isEscalating(e.alert))!, Date.now());
      expect(registry.escalation(event)).toEqual({ policy: 'storm-escalation', initial: ['hook'], levels: [{ afterMs: 10_000, channels: ['pager'] }], repeat: 0 });
      expect(registry.grouping(event, 'storm')).toBeUndefined();
      const other = { ...event, labels: { ...event.labels, team: 'db' } };
      expect(registry.escalation(other)).toBeUndefined();
      expect(registry.grouping(other, 'storm')).toBeDefined();
    } finally {
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
    }
  });

  it('Alertmanager: the escalating alerts each on their own, on the same receiver', () => {
    const route = (YAML.parse(alertmanagerYaml('http://127.0.0.1:1/am')) as { route: { receiver: string; routes: unknown[] } }).route;
    expect(route.receiver).toBe('storm');
    expect(route.routes).toEqual([{ matchers: ['team="sre"'], group_by: ['...'] }]);
  });
});

/** A receiver that never listens: its keys are set by hand. */
function receiver(keys: Record<string, number>): StormReceiver {
  const r = new StormReceiver('ours');
  for (const [k, n] of Object.entries(keys)) r.keys.set(k, n);
  return r;
}

/** A Temporal client whose histories are given per workflow ID (an unknown ID: not found). */
function client(histories: Record<string, Record<string, unknown>[]>): Client {
  return {
    workflow: {
      getHandle: (id: string) => ({
        fetchHistory: () => (histories[id] ? Promise.resolve({ events: histories[id] }) : Promise.reject(new Error('not found'))),
      }),
    },
  } as unknown as Client;
}

const completed = [{ workflowExecutionStartedEventAttributes: {} }, { workflowTaskScheduledEventAttributes: {} }, { workflowTaskStartedEventAttributes: {} }, { workflowTaskCompletedEventAttributes: {} }];
const cut = [completed[0], completed[1], completed[2], { workflowTaskTimedOutEventAttributes: {} }, completed[1], completed[2], completed[3]];

describe('the escalation figures and checks', () => {
  const list = ['s:1-0', 's:2-0', 's:3-0'].map((workflowId, i) => ({ alertId: `storm-${i}`, workflowId }));
  const delivered: EscalationDoc = { status: 'delivered', escalationLevel: 1 };
  const docs = new Map(list.map((d) => [d.workflowId, delivered]));

  it('passes when each reached the pager once under its delivery ID (a key POSTed twice is one notification)', async () => {
    const chat = receiver({ 's:1-0': 2, 's:2-0': 1, 's:3-0': 1, 's:group:storm:abc:1': 1 });
    const pager = receiver({ 's:1-0': 1, 's:2-0': 2, 's:3-0': 1 });
    const f = await escalationFigures(list, chat, pager, docs, client({ 's:1-0': cut, 's:2-0': completed, 's:3-0': completed }), 12);
    expect(f).toMatchObject({ alerts: 3, pagerOnce: 3, pagerMissing: 0, pagerWrongKeys: 0, pagerOtherKeys: 0, pagerPosts: 4, pagerKeysPostedMoreThanOnce: 1, chatOnce: 3, recordedAtLevel: 3, firstTaskCut: 1, firstTaskCutAfterChatPost: 1, noHistory: 0 });
    expect(escalationChecks(f, true).map((c) => c.ok)).toEqual([true, true, true]);
    expect(escalationChecks(f, false)).toHaveLength(2);
  });

  it('fails on a pager level missing, under a level key, a page of no escalating alert, a record without its level, no task cut', async () => {
    const chat = receiver({ 's:1-0': 1, 's:2-0': 1, 's:3-0': 1 });
    const pager = receiver({ 's:2-0:level-1': 1, 's:3-0': 1, 's:9-0': 1 });
    const notAtLevel = new Map(docs).set('s:1-0', { status: 'delivered' });
    const f = await escalationFigures(list, chat, pager, notAtLevel, client({ 's:1-0': completed, 's:2-0': completed }), null);
    expect(f).toMatchObject({ pagerOnce: 1, pagerMissing: 1, pagerWrongKeys: 1, pagerOtherKeys: 1, recordedAtLevel: 2, firstTaskCut: 0, noHistory: 1 });
    expect(f.samples.missing).toEqual(['s:1-0 (delivered)']);
    expect(f.samples.wrongKeys).toEqual(['s:2-0: s:2-0:level-1']);
    expect(escalationChecks(f, true).map((c) => c.ok)).toEqual([false, false, false]);
    expect(escalationChecks(null, true)[0].ok).toBe(false);
  });
});

describe('the counting receiver', () => {
  it('hands each POST\'s key to onArrival before it counts and answers it (the kill -9 at an escalating alert\'s POST)', async () => {
    const r = await new StormReceiver('ours').start();
    const arrived: [string, number][] = [];
    r.onArrival = (key) => {
      arrived.push([key, r.keys.get(key) ?? 0]);
      return undefined;
    };
    try {
      const post = (key: string) => fetch(r.url, { method: 'POST', headers: { 'idempotency-key': key, 'content-type': 'application/json' }, body: JSON.stringify({ type: 'alert.fired', data: { alertId: 'a' } }) });
      expect((await post('s:1-0')).status).toBe(200);
      expect((await post('s:1-0')).status).toBe(200);
      expect(arrived).toEqual([['s:1-0', 0], ['s:1-0', 1]]);
      expect(r.notifications).toHaveLength(1);
      expect(r.repeatedKeys).toBe(1);
    } finally {
      await r.stop();
    }
  });
});

describe('the kill -9 with escalating chat POSTs unanswered', () => {
  it('holds each escalating POST (answered after the kill), lets the others through, and kills at the third', async () => {
    const chat = receiver({});
    const kills: string[] = [];
    const killed = killWithPostsHeld(chat, new Set(['s:1-0', 's:2-0', 's:3-0', 's:4-0']), () => {
      kills.push('SIGKILL');
      return Promise.resolve();
    }, (trigger) => kills.push(trigger));
    expect(chat.onArrival!('s:group:storm:abc:1')).toBeUndefined();
    expect(chat.onArrival!('s:1-0')).toBe(3_000);
    expect(chat.onArrival!('s:2-0')).toBe(3_000);
    expect(kills).toEqual([]);
    expect(chat.onArrival!('s:3-0')).toBe(3_000);
    await killed;
    expect(kills).toEqual(['with 3 escalating chat POSTs unanswered: s:1-0, s:2-0, s:3-0', 'SIGKILL']);
    expect(chat.onArrival).toBeUndefined();
  });

  it('kills 2 s after the first held POST when no third comes', async () => {
    const chat = receiver({});
    let trigger = '';
    const began = Date.now();
    const killed = killWithPostsHeld(chat, new Set(['s:1-0']), () => Promise.resolve(), (t) => (trigger = t));
    chat.onArrival!('s:1-0');
    await killed;
    expect(Date.now() - began).toBeGreaterThanOrEqual(1_900);
    expect(trigger).toBe('with 1 escalating chat POSTs unanswered: s:1-0');
  });
});

describe('the docs table', () => {
  it('--docs rewrites the region between the markers and nothing else', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'storm-docs-'));
    const file = path.join(dir, 'benchmarks.md');
    fs.writeFileSync(file, `before\n${BEGIN}\nold\n${END}\nafter\n`);
    const result = {
      kind: 'storm', ok: true, startedAt: '2026-12-06T00:00:00Z', finishedAt: '2026-12-06T00:10:00Z',
      settings: { alerts: 1_000, rules: 10, seconds: 15, seed: 13, short: true, chaos: true, deadlineS: 300 },
      machine: { cores: 2, cpuModel: 'AMD EPYC x', memoryMiB: 24_576 }, versions: {},
      scenario: { rules: [], expected: buildStorm({ alerts: 1_000, rules: 10, seconds: 15, seed: 13 }).expected },
      ours: null, alertmanager: null, checks: [], failures: [],
    } as unknown as StormResult;
    try {
      updateDocs(result, path.join(dir, 'storm-x.json'), file);
      const text = fs.readFileSync(file, 'utf8');
      expect(text.startsWith(`before\n${BEGIN}\nStorm (`)).toBe(true);
      expect(text.endsWith(`${END}\nafter\n`)).toBe(true);
      expect(text).toContain('Escalating alerts `team="sre"`');
      expect(text).not.toContain('\nold\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
