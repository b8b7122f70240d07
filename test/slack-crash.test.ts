// The Slack app path under repeated kill -9 of the worker: a burst of pages to a Slack app channel whose posts take
// a while to answer (the message exists in Slack from the moment the request arrives), the worker killed three times
// while posts are in flight. A killed first attempt is a local activity inside a workflow task: the next attempt runs
// it again, and must find the message its earlier run left (the delivery ID in the message's metadata) instead of
// posting a second. Each alert ends delivered with exactly one Slack message, and every entry is acked.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { alertEvent } from './helpers/alerts';
import { Pipeline } from './helpers/pipeline';
import type { ServiceProcess } from './helpers/processes';
import { SlackStandIn } from './helpers/slack-standin';

jest.setTimeout(240_000);

const BURST = 24;
const KILLS_AFTER = [4, 10, 16]; // messages posted before each kill -9
const TOKEN = 'xoxb-7-8-slackcrashtesttoken0123';
const CHANNEL = 'C0CRASHED';

const p = new Pipeline();
const slack = new SlackStandIn({ token: TOKEN, channels: [CHANNEL] });
let dir: string;

beforeAll(async () => {
  await Promise.all([p.start(), slack.start()]);
  slack.postDelayMs = 1_500;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slack-crash-'));
  p.channelsFile = path.join(dir, 'channels.yaml');
  fs.writeFileSync(p.channelsFile, [
    'channels:',
    '  team-slack:', '    type: slack', `    token: ${TOKEN}`, `    channel: ${CHANNEL}`, `    apiUrl: ${slack.apiUrl}`, '    timeout: 5s',
    '    retry: { initialInterval: 200ms, maximumInterval: 1s, maximumAttempts: 10 }',
    'routes:', '  - channels: [team-slack]', '',
  ].join('\n'));
  await p.ingest({ INGEST_MAX_IN_FLIGHT: '8' });
});
afterAll(async () => {
  await p.stop();
  await slack.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Every byte string in a history event (payloads of results and markers, where an attempt's answer is recorded), as text. */
function texts(v: unknown, out: string[] = []): string[] {
  if (v instanceof Uint8Array) out.push(Buffer.from(v).toString('utf8'));
  else if (Array.isArray(v)) for (const x of v) texts(x, out);
  else if (v && typeof v === 'object') for (const x of Object.values(v)) texts(x, out);
  return out;
}

it(`${BURST} pages to a Slack app channel, ${KILLS_AFTER.length} kill -9 of the worker with posts in flight: one message each`, async () => {
  let worker: ServiceProcess = await p.worker();
  const ids = await p.publishAtOnce(Array.from({ length: BURST }, () => alertEvent()));
  for (const n of KILLS_AFTER) {
    await p.waitFor(`${n} messages posted`, () => Promise.resolve(slack.posted.length >= n), 120_000);
    await worker.kill('SIGKILL');
    worker = await p.worker();
  }
  await p.waitFor(`all ${BURST} delivered`, async () => (await Promise.all(ids.map((id) => p.doc(id)))).every((d) => d?.deliveryStatus === 'delivered'), 180_000);

  const perDelivery = new Map<unknown, number>();
  for (const m of slack.posted) perDelivery.set(m.metadata?.event_payload.delivery_id, (perDelivery.get(m.metadata?.event_payload.delivery_id) ?? 0) + 1);
  expect([...perDelivery.entries()].sort()).toEqual(ids.map((id) => [p.key(id), 1]).sort());

  // The kills landed inside workflow tasks, and at least one re-run found its own earlier message.
  await p.waitFor('every entry acked', () => p.allReadAndAcked());
  const client = await p.temporal();
  const histories = await Promise.all(ids.map(async (id) => (await client.workflow.getHandle(p.key(id)).fetchHistory()).events ?? []));
  expect(histories.filter((h) => h.some((e) => e.workflowTaskTimedOutEventAttributes != null)).length).toBeGreaterThanOrEqual(1);
  expect(histories.flatMap((h) => texts(h)).filter((a) => a.includes('Slack: already posted')).length).toBeGreaterThanOrEqual(1);
  await worker.kill('SIGKILL');
});
