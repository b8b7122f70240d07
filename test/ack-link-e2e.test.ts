// Ack links end to end on the real stack: a worker with ACK_LINK_BASE pointing at a real intake (same ACK_SECRET)
// and a seconds-long escalation policy (`chat` at once, `pager` after 4 s, `manager` after 12 s). The webhook
// receiver gets `data.ackUrl`; POSTing the form (`by`) to that URL, as the page's button does, acknowledges the
// delivery: its escalation stops (the pager is never paged) and the document says ackedVia `link`. A second alert,
// not acknowledged, escalates on the same schedule meanwhile: the control that the pager would have been paged.
import fs from 'node:fs';
import { verifyAckToken } from '../src/ack-links';
import { alertEvent } from './helpers/alerts';
import { notifiedChannels } from './helpers/histories';
import { TEST_ACK_SECRET, startIntake, type IntakeProcess } from './helpers/intake';
import { LEVEL1_MS, useEscalationChannels } from './helpers/escalation';
import { Pipeline } from './helpers/pipeline';

jest.setTimeout(180_000);

const p = new Pipeline();
let dir: string;
let intake: IntakeProcess;

beforeAll(async () => {
  await p.start();
  dir = useEscalationChannels(p);
  intake = await startIntake({ stream: p.stream, channelsFile: p.channelsFile });
  await p.ingest();
  await p.worker({ ACK_LINK_BASE: intake.url, ACK_SECRET: TEST_ACK_SECRET, ACK_LINK_TTL: '1h' });
});
afterAll(async () => {
  await intake?.kill('SIGKILL');
  await p.stop();
  await p.os.indices.delete({ index: `${p.index}.incidents` }).catch(() => undefined);
  fs.rmSync(dir, { recursive: true, force: true });
});

const postsTo = (urlPath: string, alertId: string) => p.receiver.posts.filter((x) => x.path === urlPath && x.json?.data?.alertId === alertId);
const firstPost = (urlPath: string, alertId: string, timeoutMs = 60_000) =>
  p.receiver.waitFor(() => postsTo(urlPath, alertId).length > 0, timeoutMs).then(() => postsTo(urlPath, alertId)[0]);

it('the webhook gets data.ackUrl; POSTing `by` to it acknowledges: the escalation stops and the document says ackedVia link', async () => {
  const acked = alertEvent();
  const control = alertEvent();
  const ackedId = await p.publish(acked);
  const controlId = await p.publish(control);
  const chat = await firstPost('/chat', acked.alertId);

  // The link: on the intake, signed for this delivery's workflow, valid for ACK_LINK_TTL after receipt.
  const ackUrl: string = chat.json.data.ackUrl;
  expect(ackUrl.startsWith(`${intake.url}/ack/`)).toBe(true);
  const token = verifyAckToken(ackUrl.slice(`${intake.url}/ack/`.length), Buffer.from(TEST_ACK_SECRET));
  expect(token).toMatchObject({ ok: true, workflowId: p.key(ackedId) });
  if (!token.ok) throw new Error('unreachable');
  const receivedAt = Date.parse(chat.json.timestamp);
  expect(token.expiresAt.getTime()).toBe(Math.floor((receivedAt + 3_600_000) / 1000) * 1000);

  // What the confirmation page's form sends.
  const res = await fetch(ackUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'by=alice', signal: AbortSignal.timeout(15_000) });
  const page = await res.text();
  expect(res.status).toBe(200);
  expect(page).toContain('Thank you, alice');

  // The control (not acknowledged) escalates to the pager when due, and its level-1 message carries its own link.
  const controlChat = await firstPost('/chat', control.alertId);
  const controlPager = await firstPost('/pager', control.alertId);
  expect(controlPager.at - controlChat.at).toBeGreaterThanOrEqual(LEVEL1_MS - 500);
  expect(controlPager.json.data.ackUrl).toBe(controlChat.json.data.ackUrl);
  expect(controlChat.json.data.ackUrl).not.toBe(ackUrl);

  // The acknowledgement ended its run (nothing left to escalate): closed, it notified chat alone, so neither the
  // pager nor the manager can hear of it later.
  expect(await notifiedChannels((await p.temporal()).workflow.getHandle(p.key(ackedId)))).toEqual(['chat']);
  expect(postsTo('/pager', acked.alertId)).toEqual([]);
  expect(postsTo('/manager', acked.alertId)).toEqual([]);
  expect(postsTo('/chat', acked.alertId)).toHaveLength(1);

  const doc = await p.waitFor('ack recorded', async () => ((await p.doc(ackedId))?.ackedBy === 'alice' ? p.doc(ackedId) : undefined));
  expect(doc).toMatchObject({ incidentState: 'acknowledged', ackedVia: 'link', ackedBy: 'alice', deliveryStatus: 'delivered' });
  expect(doc).not.toHaveProperty('escalationLevel'); // no level was notified
  const controlDoc = await p.waitFor('control escalated to level 2', async () => ((await p.doc(controlId))?.escalationLevel === 2 ? p.doc(controlId) : undefined));
  expect(controlDoc).toMatchObject({ incidentState: 'firing' });
  expect(controlDoc).not.toHaveProperty('ackedBy');
});
