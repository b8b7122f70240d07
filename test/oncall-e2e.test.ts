// On call end to end on the real stack (docs/oncall.md): a rotation of seconds-long shifts (alice, bob) in an on-call
// file, each person with a contact at once and one 5 s later on their own receiver paths; an escalation that pages the
// schedule's on-call at once and again 15 s later. Pages before and after a hand-off reach whoever was on call when the
// level fired; an override made with alertctl while a level waits is honoured by that level; the ack link stops the
// person's later step; a worker killed with -9 while a step waits still sends it once; a person removed from the file
// is never paged again. alertctl runs in-process (test/helpers/alertctl.ts). Needs `npm run build` (the service
// processes in dist/src/).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runAlertctl, type AlertctlResult } from './helpers/alertctl';
import { alertEvent } from './helpers/alerts';
import { notifiedChannels } from './helpers/histories';
import { TEST_ACK_SECRET, TEST_INTAKE_TOKEN, startIntake, type IntakeProcess } from './helpers/intake';
import { Pipeline } from './helpers/pipeline';
import { OPENSEARCH_URL } from './helpers/stack';
import type { ServiceProcess } from './helpers/processes';

jest.setTimeout(240_000);
const SHIFT_S = 15;
const LATER_MS = 5_000;
const LEVEL2_MS = 15_000;
const ICAL_SECRET = 'test-ical-secret-0123456789abcdef0123456789';

const p = new Pipeline();
let dir: string;
let oncallFile: string;
let intake: IntakeProcess;
let worker: ServiceProcess;
/** The rotation's start: a whole UTC minute before the test (shifts are elapsed seconds from it). */
const start = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000);
const localStart = start.toISOString().slice(0, 16);

/** Who the rotation puts on call at an instant: computed here independently, from the shift arithmetic of elapsed seconds. */
const rotationAt = (atMs: number) => (['alice', 'bob'] as const)[Math.floor((atMs - start.getTime()) / (SHIFT_S * 1000)) % 2];

function writeOnCallFile(people: string[]): void {
  const base = p.receiver.url.replace('/alerts', '');
  const person = (id: string) => [`  ${id}:`, `    name: ${id[0].toUpperCase()}${id.slice(1)}`, '    time_zone: Europe/Berlin', '    contacts:',
    `      now: { via: push, address: "${base}/people/${id}/now" }`, `      later: { via: push, address: "${base}/people/${id}/later" }`,
    `    rules: { high: [ { contact: now }, { contact: later, after: ${LATER_MS}ms } ] }`];
  fs.writeFileSync(oncallFile, [
    'people:', ...people.flatMap(person),
    'schedules:', '  primary:', '    time_zone: UTC', '    layers:',
    `      - rotation: { participants: [${people.filter((x) => x !== 'carol').join(', ')}], start: "${localStart}", shift: ${SHIFT_S}s }`, '',
  ].join('\n'));
}

beforeAll(async () => {
  await p.start();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oncall-e2e-'));
  p.channelsFile = path.join(dir, 'channels.yaml');
  oncallFile = path.join(dir, 'oncall.yaml');
  fs.writeFileSync(p.channelsFile, [
    'channels:',
    `  push: { type: webhook, url: "${p.receiver.url.replace('/alerts', '/push-default')}", timeout: 3s, retry: { initialInterval: 200ms, maximumInterval: 1s, maximumAttempts: 5 } }`,
    'escalations:',
    '  oncall:',
    '    levels:',
    '      - { after: 0s, notify: [ { schedule: primary } ] }',
    `      - { after: ${LEVEL2_MS}ms, notify: [ { schedule: primary } ] }`,
    'routes:', '  - escalation: oncall', '',
  ].join('\n'));
  writeOnCallFile(['alice', 'bob', 'carol']);
  const shared = { ONCALL_FILE: oncallFile, ONCALL_ICAL_SECRET: ICAL_SECRET };
  intake = await startIntake({ stream: p.stream, channelsFile: p.channelsFile, extra: { ...shared, ALERT_INDEX: p.index, OPENSEARCH_URL } });
  await p.ingest();
  worker = await p.worker({ ...shared, ACK_LINK_BASE: intake.url, ACK_SECRET: TEST_ACK_SECRET, ACK_LINK_TTL: '1h' });
});
afterAll(async () => {
  await intake?.kill('SIGKILL');
  await p.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const postsTo = (urlPath: string, alertId: string) => p.receiver.posts.filter((x) => x.path === urlPath && x.json?.data?.alertId === alertId);
const firstPost = (urlPath: string, alertId: string, timeoutMs = 60_000) =>
  p.receiver.waitFor(() => postsTo(urlPath, alertId).length > 0, timeoutMs).then(() => postsTo(urlPath, alertId)[0]);
/** The document once its level `n` is recorded with someone paged. */
const pagedAt = (id: string, n: number) => p.waitFor(`level ${n} paged`, async () => {
  const doc = await p.doc(id);
  return doc && doc.paging?.length >= n && doc.paging[n - 1].paged.length ? doc : undefined;
}, 60_000);

function alertctl(args: string[]): Promise<AlertctlResult> {
  return runAlertctl(['oncall', ...args], { INTAKE_URL: intake.url, INTAKE_TOKEN: TEST_INTAKE_TOKEN });
}

it('pages before and after a hand-off reach whoever was on call when the level fired', async () => {
  const first = alertEvent({ severity: 'critical' });
  const firstId = await p.publish(first);
  const firstDoc = await pagedAt(firstId, 1);
  // the next alert, once the shift that paged the first has ended
  const handOff = start.getTime() + (Math.floor((Date.parse(firstDoc.paging[0].at) - start.getTime()) / (SHIFT_S * 1000)) + 1) * SHIFT_S * 1000;
  await new Promise((r) => setTimeout(r, Math.max(handOff - Date.now() + 500, 0)));
  const second = alertEvent({ severity: 'critical' });
  const secondId = await p.publish(second);
  const secondDoc = await pagedAt(secondId, 1);

  const paged = [firstDoc, secondDoc].map((d) => d.paging[0].paged[0].person);
  expect(paged).toEqual([firstDoc, secondDoc].map((d) => rotationAt(Date.parse(d.paging[0].at))));
  expect(new Set(paged).size).toBe(2); // across the hand-off: the old person, then the new one
  for (const [event, person, id] of [[first, paged[0], firstId], [second, paged[1], secondId]] as const) {
    const post = await firstPost(`/people/${person}/now`, event.alertId);
    expect(post.key).toBe(`${p.key(id)}:${person}:1`);
    expect(post.json.recipient).toEqual({ person });
    expect(JSON.stringify(post.json)).not.toContain('/people/'); // no address in what is sent
  }
  expect(firstDoc.pagedPeople).toEqual([paged[0]]);
});

it('an override made with alertctl while level 2 waits is honoured by level 2', async () => {
  const event = alertEvent({ severity: 'critical' });
  const id = await p.publish(event);
  const level1 = await pagedAt(id, 1);
  const added = await alertctl(['override', 'add', '--schedule', 'primary', '--person', 'carol', '--start', new Date().toISOString(), '--end', new Date(Date.now() + 120_000).toISOString(), '--reason', 'swap', '--json']);
  expect(added.stderr).toBe('');
  const override = JSON.parse(added.stdout).override ?? JSON.parse(added.stdout);
  expect(level1.paging[0].paged[0].person).not.toBe('carol');

  const level2 = await pagedAt(id, 2);
  expect(level2.paging[1].paged).toEqual([{ person: 'carol', via: { schedule: 'primary', override: override.id }, contacts: ['now', 'later'] }]);
  const carol = await firstPost('/people/carol/now', event.alertId);
  expect(carol.key).toBe(`${p.key(id)}:carol:1`);
  const handle = (await p.temporal()).workflow.getHandle(p.key(id));
  expect((await handle.describe()).searchAttributes.AlertPagedPeople).toEqual(expect.arrayContaining(['carol', level1.paging[0].paged[0].person]));
  await alertctl(['override', 'remove', override.id]);
});

it("the ack link in the person's message stops their later step; the resolve reaches them where the page did", async () => {
  const event = alertEvent({ severity: 'critical' });
  const id = await p.publish(event);
  const doc = await pagedAt(id, 1);
  const person = doc.paging[0].paged[0].person;
  const now = await firstPost(`/people/${person}/now`, event.alertId);
  const res = await fetch(now.json.data.ackUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `by=${person}`, signal: AbortSignal.timeout(15_000) });
  expect(res.status).toBe(200);
  // closed: the only notification it ever made was the first step; the later step and level 2 never happened
  expect(await notifiedChannels((await p.temporal()).workflow.getHandle(p.key(id)))).toEqual(['push']);
  expect(postsTo(`/people/${person}/later`, event.alertId)).toEqual([]);

  // Then the alert resolves: the person hears of it through the contact that reached them, under its own key.
  await p.publish({ ...event, status: 'resolved' });
  await p.receiver.waitFor(() => postsTo(`/people/${person}/now`, event.alertId).length === 2, 60_000);
  const resolved = postsTo(`/people/${person}/now`, event.alertId)[1];
  expect(resolved.key).toBe(`${p.key(id)}:${person}:resolved`);
  expect(resolved.json).toMatchObject({ recipient: { person }, data: { status: 'resolved' } });
  expect(resolved.json.data.ackUrl).toBeUndefined();
});

it('kill -9 of the worker while a personal step waits: the step is still sent, once', async () => {
  const event = alertEvent({ severity: 'critical' });
  const id = await p.publish(event);
  const doc = await pagedAt(id, 1);
  const person = doc.paging[0].paged[0].person;
  await firstPost(`/people/${person}/now`, event.alertId);
  const handle = (await p.temporal()).workflow.getHandle(p.key(id));
  await p.waitFor('the later step waits on its timer', async () => ((await handle.fetchHistory()).events ?? []).some((e) => e.timerStartedEventAttributes != null), 30_000);
  await worker.kill('SIGKILL');
  worker = await p.worker({ ONCALL_FILE: oncallFile, ONCALL_ICAL_SECRET: ICAL_SECRET, ACK_LINK_BASE: intake.url, ACK_SECRET: TEST_ACK_SECRET, ACK_LINK_TTL: '1h' });
  const later = await firstPost(`/people/${person}/later`, event.alertId);
  expect(later.key).toBe(`${p.key(id)}:${person}:2`);
  await handle.result();
  expect(postsTo(`/people/${person}/now`, event.alertId)).toHaveLength(1);
  expect(postsTo(`/people/${person}/later`, event.alertId)).toHaveLength(1);
});

it('a person removed from the file while their step waits is never paged again: the step fails, visibly', async () => {
  const event = alertEvent({ severity: 'critical' });
  const id = await p.publish(event);
  const doc = await pagedAt(id, 1);
  const person = doc.paging[0].paged[0].person;
  await firstPost(`/people/${person}/now`, event.alertId);
  writeOnCallFile(['alice', 'bob', 'carol'].filter((x) => x !== person)); // reloaded on change
  const handle = (await p.temporal()).workflow.getHandle(p.key(id));
  const state = await handle.result();
  expect(state.channels.find((c: { channel: string }) => c.channel === `${person}:later:2`)).toMatchObject({ status: 'failed', lastError: expect.stringContaining('no longer in the on-call file') });
  expect(postsTo(`/people/${person}/later`, event.alertId)).toEqual([]);
});
