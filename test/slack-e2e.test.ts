// Slack as an app end to end on the real stack: the worker posts a page through the Slack app channel (a stand-in of
// Slack's Web API: test/helpers/slack-standin.ts) with its buttons; Slack's presses, signed with the app's signing
// secret, go to a real intake (SLACK_SIGNING_SECRET, the on-call file naming alice by her member ID).
// - Acknowledge: the delivery is acknowledged by alice via slack, its escalation stops (the closed run notified
//   team-slack alone: the pager never heard of it), and the message is redrawn saying so.
// - Silence 1 h, then Resolve pressed twice: one resolved event in the stream, the incident resolved (Slack gets the
//   resolved message, without buttons); the alert firing again within the hour is silenced (status `silenced`).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SLACK_ACTIONS } from '../src/channels/slack-actions';
import { statusQuery } from '../src/contracts/messages';
import { alertEvent } from './helpers/alerts';
import { notifiedChannels } from './helpers/histories';
import { startIntake, streamEvents, type IntakeProcess } from './helpers/intake';
import { Pipeline } from './helpers/pipeline';
import { SlackStandIn, type Posted } from './helpers/slack-standin';

jest.setTimeout(180_000);

const TOKEN = 'xoxb-42-43-slacke2etesttokenabcdef';
const SECRET = 'slack-e2e-signing-secret-0123456789';
const CHANNEL = 'C0ONCALL1';
const ALICE = { id: 'U0ALICE42', username: 'alice.s' };
const LEVEL1_MS = 4_000;

const p = new Pipeline();
const slack = new SlackStandIn({ token: TOKEN, channels: [CHANNEL], members: [ALICE.id] });
let dir: string;
let intake: IntakeProcess;

beforeAll(async () => {
  await Promise.all([p.start(), slack.start()]);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slack-e2e-'));
  p.channelsFile = path.join(dir, 'channels.yaml');
  fs.writeFileSync(p.channelsFile, [
    'channels:',
    '  team-slack:', '    type: slack', `    token: ${TOKEN}`, `    channel: ${CHANNEL}`, `    apiUrl: ${slack.apiUrl}`, '    timeout: 3s',
    '    retry: { initialInterval: 200ms, maximumInterval: 1s, maximumAttempts: 5 }',
    '  pager:', '    type: webhook', `    url: ${p.receiver.url.replace('/alerts', '/pager')}`, '    timeout: 3s',
    'escalations:', '  standard:', '    levels:', '      - { after: 0s, channels: [team-slack] }', `      - { after: ${LEVEL1_MS}ms, channels: [pager] }`,
    'routes:', '  - escalation: standard', '',
  ].join('\n'));
  const oncallFile = path.join(dir, 'oncall.yaml');
  fs.writeFileSync(oncallFile, ['people:', '  alice:', '    contacts:', `      slack: { via: team-slack, address: ${ALICE.id} }`, ''].join('\n'));
  intake = await startIntake({ stream: p.stream, channelsFile: p.channelsFile, extra: { SLACK_SIGNING_SECRET: SECRET, SLACK_RESPONSE_URLS: slack.url, ONCALL_FILE: oncallFile, ALERT_INDEX: p.index } });
  await p.ingest();
  await p.worker();
});
afterAll(async () => {
  await intake?.kill('SIGKILL');
  await p.stop();
  await slack.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const postOf = (alertId: string, resolved = false) =>
  slack.posted.find((m) => m.blocks?.some((b) => JSON.stringify(b).includes(alertId)) && m.text!.includes('RESOLVED') === resolved);
const waitPost = (alertId: string, resolved = false) => p.waitFor(`slack message for ${alertId}`, () => Promise.resolve(postOf(alertId, resolved)));
const redrawn = (responseId: string) => p.waitFor(`redraw ${responseId}`, () => Promise.resolve(slack.responses.find((r) => r.id === responseId)?.body));
const line = (body: any): string => body.blocks.find((b: any) => b.block_id === 'alert-outcome').elements[0].text;
async function press(msg: Posted, action: string): Promise<any> {
  const res = await slack.press(intake.url, SECRET, msg, action, ALICE);
  expect(res.status).toBe(200);
  return redrawn(res.responseId);
}

it('Acknowledge in Slack: acknowledged by alice via slack, the pager never paged, the message redrawn', async () => {
  const event = alertEvent();
  const id = await p.publish(event);
  const msg = await waitPost(event.alertId);
  expect(msg.metadata?.event_payload.delivery_id).toBe(p.key(id));
  const body = await press(msg, SLACK_ACTIONS.acknowledge);
  expect(line(body)).toBe(':white_check_mark: Acknowledged by alice · incident acknowledged');
  const handle = (await p.temporal()).workflow.getHandle(p.key(id));
  // acknowledged before level 1: the closed run notified team-slack alone, so the pager can never hear of it
  expect(await notifiedChannels(handle)).toEqual(['team-slack']);
  expect(p.receiver.posts.filter((x) => x.path === '/pager' && x.json?.data?.alertId === event.alertId)).toEqual([]);
  const doc = await p.waitFor('ack recorded', async () => ((await p.doc(id))?.ackedBy === 'alice' ? p.doc(id) : undefined));
  expect(doc).toMatchObject({ incidentState: 'acknowledged', ackedVia: 'slack', ackedBy: 'alice' });
});

it('Silence 1 h, then Resolve twice: one resolved event, the incident resolved, and its next firing silenced', async () => {
  const event = alertEvent();
  const id = await p.publish(event);
  const msg = await waitPost(event.alertId);
  const silenced = await press(msg, SLACK_ACTIONS.silence);
  expect(line(silenced)).toBe(':no_bell: Silenced for 1 h by alice · incident acknowledged');
  const first = await press(msg, SLACK_ACTIONS.resolve);
  const second = await press(msg, SLACK_ACTIONS.resolve);
  expect(line(first)).toBe(':white_check_mark: Resolved by alice · incident resolved');
  expect(line(second)).toBe(':white_check_mark: Resolved by alice (it already was) · incident resolved');
  const resolvedEvents = (await streamEvents(p.redis, p.stream)).filter((e) => e.event.alertId === event.alertId && e.event.status === 'resolved');
  expect(resolvedEvents.map((e) => e.event)).toEqual([{ ...event, status: 'resolved' }]);
  // the incident resolves on the channel that was paged: a resolved message, without buttons
  const resolvedMsg = await waitPost(event.alertId, true);
  expect(resolvedMsg.blocks?.some((b) => b.type === 'actions')).toBe(false);
  // … sent by the resolved event's own delivery, to the channel the page went to (the acknowledged run had ended)
  expect(await notifiedChannels((await p.temporal()).workflow.getHandle(p.key(resolvedEvents[0].id)))).toEqual(['team-slack']);
  expect(await p.doc(id)).toMatchObject({ ackedBy: 'alice', ackedVia: 'slack' });

  // firing again within the hour (a firing later than the resolved one): held back by the silence the button made
  const again = await p.publish({ ...event, firedAt: new Date(Date.parse(event.firedAt) + 60_000).toISOString() });
  const handle = (await p.temporal()).workflow.getHandle(p.key(again));
  let last: unknown;
  const state = await p.waitFor('second firing silenced', async () => {
    const s = await handle.query(statusQuery).catch((e: Error) => e.message);
    last = s;
    return typeof s === 'object' && s.status === 'silenced' ? s : undefined;
  }).catch((e: Error) => {
    throw new Error(`${e.message}; its last state: ${JSON.stringify(last)}`);
  });
  expect(state.suppressedBy).toMatchObject({ kind: 'silence', createdBy: 'alice' });
  await handle.terminate('test over');
  expect(slack.posted.filter((m) => m.blocks?.some((b) => JSON.stringify(b).includes(event.alertId)))).toHaveLength(2); // the page and its resolve
});
