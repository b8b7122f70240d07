// Escalation on the real stack, with a seconds-long policy: the first channel at once, `pager` after 4 s,
// `manager` after 12 s. An acknowledgement stops it; a worker killed with -9 while an escalation waits
// (and, with TEST_RESTART_TEMPORAL=1, a Temporal server killed with -9 and restarted too) changes nothing:
// the levels still come when they are due, because the waits are Temporal timers.
// scripts/test runs the restart variant on its own on the real server profile (it takes the server away).
import fs from 'node:fs';
import { acknowledgeUpdate } from '../src/contracts/messages';
import { alertEvent } from './helpers/alerts';
import { notifiedChannels } from './helpers/histories';
import { LEVEL1_MS, LEVEL2_MS, useEscalationChannels } from './helpers/escalation';
import { Pipeline } from './helpers/pipeline';
import { restartTemporal } from './helpers/stack';

jest.setTimeout(180_000);
const RESTART_TEMPORAL = process.env.TEST_RESTART_TEMPORAL === '1';

const p = new Pipeline();
let dir: string;

beforeAll(async () => {
  await p.start();
  dir = useEscalationChannels(p);
  await p.ingest();
});
afterAll(async () => {
  await p.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const postsTo = (urlPath: string, alertId: string) => p.receiver.posts.filter((x) => x.path === urlPath && x.json?.data?.alertId === alertId);
const firstPost = (urlPath: string, alertId: string, timeoutMs = 60_000) =>
  p.receiver.waitFor(() => postsTo(urlPath, alertId).length > 0, timeoutMs).then(() => postsTo(urlPath, alertId)[0]);

it('escalates to the pager after its delay; an acknowledgement then stops it: the manager is never paged', async () => {
  const worker = await p.worker();
  try {
    const event = alertEvent();
    const id = await p.publish(event);
    const chat = await firstPost('/chat', event.alertId);
    const pager = await firstPost('/pager', event.alertId);
    expect(pager.at - chat.at).toBeGreaterThanOrEqual(LEVEL1_MS - 500);

    const handle = (await p.temporal()).workflow.getHandle(p.key(id));
    const acked = await handle.executeUpdate(acknowledgeUpdate, { args: [{ by: 'alice', via: 'test' }] });
    expect(acked).toMatchObject({ incidentState: 'acknowledged', escalationLevel: 1, ack: { by: 'alice' } });
    // The acknowledgement ends the run (nothing is left to escalate): closed, it notified chat and the pager, no
    // more; with the run closed, nothing can reach the manager later.
    expect(await notifiedChannels(handle)).toEqual(['chat', 'pager']);
    expect(postsTo('/manager', event.alertId)).toEqual([]);
    const doc = await p.waitFor('ack recorded', async () => ((await p.doc(id))?.ackedBy === 'alice' ? p.doc(id) : undefined));
    expect(doc).toMatchObject({ incidentState: 'acknowledged', ackedVia: 'test', escalationLevel: 1, deliveryStatus: 'delivered' });
    const sa = (await handle.describe()).searchAttributes;
    expect(sa).toMatchObject({ AlertState: ['acknowledged'], AlertAckedBy: ['alice'], AlertEscalationLevel: [1] });
  } finally {
    await worker.kill('SIGKILL');
  }
});

it(`kill -9 of the worker${RESTART_TEMPORAL ? ' and of the Temporal server' : ''} while the escalation waits: every level still comes when due`, async () => {
  const worker = await p.worker();
  const event = alertEvent();
  const id = await p.publish(event);
  const chat = await firstPost('/chat', event.alertId);
  // The first notification is a local activity inside the first workflow task: wait until that task has
  // completed and the level-1 timer is in the history, so the kill hits the escalation while it waits.
  const handle = (await p.temporal()).workflow.getHandle(p.key(id));
  await p.waitFor('the escalation timer started', async () =>
    ((await handle.fetchHistory()).events ?? []).some((e) => e.timerStartedEventAttributes != null), 30_000);
  await worker.kill('SIGKILL');
  if (RESTART_TEMPORAL) restartTemporal();
  await p.worker();
  const pager = await firstPost('/pager', event.alertId);
  const manager = await firstPost('/manager', event.alertId);
  // Never early; late only by what the restarts took (the timers fired while nothing ran).
  expect(pager.at - chat.at).toBeGreaterThanOrEqual(LEVEL1_MS - 500);
  expect(manager.at - chat.at).toBeGreaterThanOrEqual(LEVEL2_MS - 500);
  expect(manager.at - chat.at).toBeLessThan(LEVEL2_MS + 30_000);
  expect(postsTo('/manager', event.alertId).map((x) => x.key)).toEqual([p.key(id)]);
  const doc = await p.waitFor('escalated to level 2', async () => ((await p.doc(id))?.escalationLevel === 2 ? p.doc(id) : undefined));
  expect(doc).toMatchObject({ incidentState: 'firing', deliveryStatus: 'delivered' });
});
