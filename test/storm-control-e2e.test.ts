// Storm control on the real stack (docs/storm-control.md): inhibition (a firing critical holds back the
// warnings of its cluster, open and `inhibited` by which alert; when it resolves, its resolve wakes them and the
// ones still firing are notified), and a group
// whose worker is killed with -9 mid-`group_wait` (with TEST_RESTART_TEMPORAL=1 the Temporal server too):
// the group's timer is durable, so one notification still carries both alerts, not before group_wait.
// scripts/test runs the restart variant on its own on the real server profile (it takes the server away).
import { alertEvent } from './helpers/alerts';
import { notifiedChannels, notifyCalls } from './helpers/histories';
import { Pipeline } from './helpers/pipeline';
import { restartTemporal } from './helpers/stack';

jest.setTimeout(180_000);
const RESTART_TEMPORAL = process.env.TEST_RESTART_TEMPORAL === '1';
const GROUP_WAIT_MS = 8_000;

const p = new Pipeline();

beforeAll(async () => {
  await p.start();
  p.useHookWith([
    'routes:',
    '  - name: slow', '    match: { labels: { team: slow } }', '    channels: [hook]',
    '    group_by: [cluster]', `    group_wait: ${GROUP_WAIT_MS}ms`, '    group_interval: 5s',
    '  - channels: [hook]',
    'inhibit_rules:',
    `  - source_matchers: ['alertname="ClusterDown"']`,
    `    target_matchers: ['severity="medium"']`,
    '    equal: [cluster]',
  ]);
  await p.ingest();
});
afterAll(() => p.stop());

const settled = (id: string, status: string) => p.waitFor(`${id} ${status}`, async () => {
  const d = await p.doc(id);
  return d?.deliveryStatus === status ? d : undefined;
});
const postsFor = (alertId: string) => p.receiver.posts.filter((x) => x.json?.data?.alertId === alertId);

it('a firing ClusterDown holds back the medium alerts of its cluster only; when it resolves, the ones still firing are notified', async () => {
  const worker = await p.worker();
  try {
    const down = alertEvent({ ruleName: 'ClusterDown', severity: 'critical', labels: { cluster: 'c1' } });
    const downId = await p.publish(down);
    await settled(downId, 'delivered');

    const warning = alertEvent({ ruleName: 'DiskSlow', severity: 'medium', labels: { cluster: 'c1' } });
    const gone = alertEvent({ ruleName: 'DiskFull', severity: 'medium', labels: { cluster: 'c1' } });
    const elsewhere = alertEvent({ ruleName: 'DiskSlow', severity: 'medium', labels: { cluster: 'c2' } });
    const louder = alertEvent({ ruleName: 'DiskSlow', severity: 'high', labels: { cluster: 'c1' } });
    const [warningId, goneId, elsewhereId, louderId] = [await p.publish(warning), await p.publish(gone), await p.publish(elsewhere), await p.publish(louder)];

    const inhibited = await settled(warningId, 'inhibited');
    expect(inhibited).toMatchObject({ delivered: false, suppressedBy: `inhibit:${down.alertId}` });
    expect(inhibited.suppressionNote).toContain(p.key(downId));
    await settled(elsewhereId, 'delivered'); // another cluster: not inhibited
    await settled(louderId, 'delivered'); // not a target (severity high)
    // held back, open and visible: Running, AlertDeliveryStatus=inhibited, AlertSuppressedBy names the source
    const temporal = await p.temporal();
    const handle = temporal.workflow.getHandle(p.key(warningId));
    await p.waitFor('the held-back delivery visible as inhibited', async () => {
      const d = await handle.describe();
      return d.status.name === 'RUNNING' && d.searchAttributes.AlertDeliveryStatus?.[0] === 'inhibited' && d.searchAttributes.AlertSuppressedBy?.[0] === `inhibit:${down.alertId}`;
    });
    await settled(goneId, 'inhibited');
    // One of them resolves while held back: its delivery ends `inhibited` (never sent), told by the resolve.
    await settled(await p.publish({ ...gone, status: 'resolved' }), 'forwarded');
    expect(await notifiedChannels(temporal.workflow.getHandle(p.key(goneId)))).toEqual([]); // closed, having sent nothing
    expect(await p.doc(goneId)).toMatchObject({ deliveryStatus: 'inhibited', delivered: false });
    // The other one, open by design, has sent nothing so far (no notify call in its history).
    expect(notifyCalls((await handle.fetchHistory()).events ?? [])).toEqual([]);
    expect(postsFor(warning.alertId)).toHaveLength(0);

    // The source resolves: the one still firing is notified now (woken by the resolve), once; a new one is not held back.
    await settled(await p.publish({ ...down, status: 'resolved' }), 'delivered');
    const woken = await settled(warningId, 'delivered');
    expect(woken).toMatchObject({ delivered: true, suppressedBy: `inhibit:${down.alertId}` });
    expect(postsFor(warning.alertId)).toHaveLength(1);
    expect(postsFor(gone.alertId)).toHaveLength(0);
    const after = alertEvent({ ruleName: 'DiskSlow', severity: 'medium', labels: { cluster: 'c1' } });
    await settled(await p.publish(after), 'delivered');
    expect(postsFor(after.alertId)).toHaveLength(1);
  } finally {
    await worker.kill('SIGKILL');
  }
});

it(`kill -9 of the worker${RESTART_TEMPORAL ? ' and of the Temporal server' : ''} mid-group_wait: one notification still carries both alerts, after group_wait`, async () => {
  const worker = await p.worker();
  const a = alertEvent({ labels: { team: 'slow', cluster: 'k1' } });
  const b = alertEvent({ labels: { team: 'slow', cluster: 'k1' } });
  const publishedAt = Date.now();
  const ids = [await p.publish(a), await p.publish(b)];
  // Both joined (their own deliveries ended `grouped`), and the group's group_wait timer is running.
  const docs = await Promise.all(ids.map((id) => settled(id, 'grouped')));
  const groupId: string = docs[0].groupId;
  expect(docs[1].groupId).toBe(groupId);
  const group = (await p.temporal()).workflow.getHandle(groupId);
  await p.waitFor('the group_wait timer started', async () => ((await group.fetchHistory()).events ?? []).some((e) => e.timerStartedEventAttributes != null), 30_000);
  await worker.kill('SIGKILL');
  if (RESTART_TEMPORAL) restartTemporal();
  const again = await p.worker();
  try {
    for (const id of ids) expect(await settled(id, 'delivered')).toMatchObject({ groupId, groupNotificationKey: `${groupId}:1` });
    const posts = p.receiver.posts.filter((x) => x.key === `${groupId}:1`);
    expect(posts).toHaveLength(1);
    expect(posts[0].at - publishedAt).toBeGreaterThanOrEqual(GROUP_WAIT_MS - 500);
    expect(p.receiver.posts.filter((x) => x.key.startsWith(groupId))).toHaveLength(1);
  } finally {
    await again.kill('SIGKILL');
  }
});

it('a group terminated by an operator before it notified: its members are recorded as terminated (the reconciler), not left `grouped`', async () => {
  const worker = await p.worker({ RECONCILE_INTERVAL: '1s' });
  try {
    const ids = [await p.publish(alertEvent({ labels: { team: 'slow', cluster: 'k9' } })), await p.publish(alertEvent({ labels: { team: 'slow', cluster: 'k9' } }))];
    const docs = await Promise.all(ids.map((id) => settled(id, 'grouped')));
    await (await p.temporal()).workflow.getHandle(docs[0].groupId).terminate('storm over, operator cleans up');
    for (const id of ids) {
      const doc = await settled(id, 'terminated');
      expect(doc.abandonReason).toBe(`its group ${docs[0].groupId} was terminated before notifying it: storm over, operator cleans up`);
    }
    expect(p.receiver.posts.filter((x) => x.key.startsWith(docs[0].groupId))).toHaveLength(0);
  } finally {
    await worker.kill('SIGKILL');
  }
});
