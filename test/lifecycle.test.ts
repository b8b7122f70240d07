// The incident lifecycle end to end on the real stack: a resolved event resolves its incident on the channel
// that was notified, under the key the receiver knows; one page per incident; resolved before fired,
// resolved twice, a new firing after resolve; a resolve handed to a firing delivery that is still open.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { alertEvent } from './helpers/alerts';
import { notifiedChannels } from './helpers/histories';
import { Pipeline } from './helpers/pipeline';
import type { ReceivedPost } from './helpers/receiver';

jest.setTimeout(120_000);

const p = new Pipeline({ behaviour: (post) => ({ status: post.path === '/flaky' ? 503 : 200 }) });
let channelsDir: string;

beforeAll(async () => {
  await p.start();
  // Two channels: `hook` answers, `flaky` (required) never does, so a delivery routed to both stays open (parked).
  channelsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifecycle-channels-'));
  p.channelsFile = path.join(channelsDir, 'channels.yaml');
  const retry = '    retry: { initialInterval: 200ms, maximumInterval: 1s, maximumAttempts: 3 }';
  fs.writeFileSync(p.channelsFile, [
    'channels:',
    '  hook:', '    type: webhook', `    url: ${p.receiver.url}`, '    timeout: 3s', retry,
    '  flaky:', '    type: webhook', `    url: ${p.receiver.url.replace('/alerts', '/flaky')}`, '    timeout: 3s', retry,
    'routes:',
    '  - match: { labels: { route: both } }', '    channels: [hook, flaky]',
    '  - channels: [hook]',
    '',
  ].join('\n'));
  await p.worker({ REDRIVE_INTERVAL: '0', GIVE_UP_AFTER: '0' });
  await p.ingest();
});
afterAll(async () => {
  await p.stop();
  await p.os.indices.delete({ index: `${p.index}.incidents` }).catch(() => undefined);
  fs.rmSync(channelsDir, { recursive: true, force: true });
});

const hookPosts = (alertId: string): ReceivedPost[] => p.receiver.posts.filter((x) => x.path === '/alerts' && x.json?.data?.alertId === alertId);
const settled = (id: string, status: string) => p.waitFor(`${id} ${status}`, async () => {
  const d = await p.doc(id);
  return d?.deliveryStatus === status ? d : undefined;
});
/** The channels the delivery of a stream message notified, read from its run's history once it closed. */
const notified = async (messageId: string) => notifiedChannels((await p.temporal()).workflow.getHandle(p.key(messageId)));
const incident = async (alertId: string) => (await p.os.get({ index: `${p.index}.incidents`, id: alertId })).body._source as Record<string, unknown>;

it('fire → resolve: the receiver gets alert.fired, then alert.resolved under `<firing key>:resolved` naming the firing', async () => {
  const fire = alertEvent();
  const firing = await p.publish(fire);
  await settled(firing, 'delivered');
  await p.closed(firing); // so the resolve finds the firing delivery finished and sends the notification itself
  const resolved = await p.publish({ ...fire, status: 'resolved' });
  const doc = await settled(resolved, 'delivered');

  const posts = hookPosts(fire.alertId);
  expect(posts.map((x) => [x.json.type, x.key])).toEqual([['alert.fired', p.key(firing)], ['alert.resolved', `${p.key(firing)}:resolved`]]);
  expect(posts[1].json.data).toMatchObject({ status: 'resolved', resolves: p.key(firing), alertId: fire.alertId });
  expect(doc).toMatchObject({ incidentRole: 'resolve', incidentOf: p.key(firing), status: 'resolved' });
  expect(await incident(fire.alertId)).toMatchObject({ state: 'resolved', deliveryId: p.key(firing), resolvedBy: p.key(resolved) });
});

it('one page per incident: a repeated firing is recorded as a duplicate of the first and not sent', async () => {
  const fire = alertEvent();
  const first = await p.publish(fire);
  await settled(first, 'delivered');
  const again = await p.publish(fire); // a producer retrying its XADD
  const doc = await settled(again, 'duplicate');
  expect(doc).toMatchObject({ incidentRole: 'duplicate', incidentOf: p.key(first), delivered: false, deliveries: [] });
  expect(doc.incidentNote).toContain('is firing');
  // Both runs closed: the first notified its channel once, the repeat nothing; nothing can follow.
  expect(await Promise.all([first, again].map(notified))).toEqual([['hook'], []]);
  expect(hookPosts(fire.alertId).map((x) => x.key)).toEqual([p.key(first)]);
});

it('resolved before fired: the resolve is unmatched, the late firing is a duplicate; nothing is sent', async () => {
  const fire = alertEvent();
  const early = await p.publish({ ...fire, status: 'resolved' });
  expect(await settled(early, 'unmatched')).toMatchObject({ incidentRole: 'unmatched' });
  const late = await p.publish(fire);
  const doc = await settled(late, 'duplicate');
  expect(doc.incidentNote).toContain('was resolved before it fired');
  expect(await Promise.all([early, late].map(notified))).toEqual([[], []]); // both closed, having sent nothing
  expect(hookPosts(fire.alertId)).toEqual([]);
});

it('resolved twice: the second is a duplicate of the first resolve; a later firing opens a new incident', async () => {
  const fire = alertEvent();
  const firing = await p.publish(fire);
  await settled(firing, 'delivered');
  await p.closed(firing);
  const r1 = await p.publish({ ...fire, status: 'resolved' });
  await settled(r1, 'delivered');
  const r2 = await p.publish({ ...fire, status: 'resolved' });
  expect(await settled(r2, 'duplicate')).toMatchObject({ incidentOf: p.key(r1) });

  const refire = await p.publish({ ...fire, firedAt: new Date(Date.parse(fire.firedAt) + 60_000).toISOString() });
  expect(await settled(refire, 'delivered')).toMatchObject({ incidentRole: 'page' });
  expect(await incident(fire.alertId)).toMatchObject({ state: 'firing', deliveryId: p.key(refire) });
  expect(hookPosts(fire.alertId).map((x) => x.json.type)).toEqual(['alert.fired', 'alert.resolved', 'alert.fired']);
});

it('a resolve while the firing delivery is still open (parked) is handed to it: it resolves what it reached and stops', async () => {
  const fire = alertEvent({ labels: { route: 'both' } });
  const firing = await p.publish(fire);
  await settled(firing, 'failed'); // hook delivered, flaky failed: parked, open
  const resolved = await p.publish({ ...fire, status: 'resolved' });
  expect(await settled(resolved, 'forwarded')).toMatchObject({ incidentRole: 'resolve', incidentOf: p.key(firing), deliveries: [] });

  // abandoned is recorded first, then again once the resolved notifications went out
  const doc = await p.waitFor('resolved notifications recorded', async () => {
    const d = await p.doc(firing);
    return d?.deliveryStatus === 'abandoned' && d.resolvedBy !== undefined && d;
  });
  expect(doc.abandonReason).toContain(`incident resolved (by ${p.key(resolved)})`);
  expect(doc.resolvedBy).toBe(p.key(resolved));
  expect(doc.deliveries).toEqual(expect.arrayContaining([expect.objectContaining({ channel: 'hook:resolved', status: 'delivered' })]));
  const posts = hookPosts(fire.alertId);
  expect(posts.map((x) => [x.json.type, x.key])).toEqual([['alert.fired', p.key(firing)], ['alert.resolved', `${p.key(firing)}:resolved`]]);
  const handle = (await p.temporal()).workflow.getHandle(p.key(firing));
  await expect(handle.result()).resolves.toMatchObject({ status: 'abandoned', resolvedBy: p.key(resolved) });
});
