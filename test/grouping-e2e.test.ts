// Grouping end to end on the real stack (docs/storm-control.md): alerts of one route + group key share one
// notification per interval, sent by the group's workflow; an alert joining after the first notification
// goes out with the next one (group_interval); every member's workflow, document and search attributes say
// which group and which notification carried it; all resolved → the resolved notification, and the group ends.
import { alertEvent } from './helpers/alerts';
import { Pipeline } from './helpers/pipeline';
import type { ReceivedPost } from './helpers/receiver';

jest.setTimeout(120_000);

const p = new Pipeline();

beforeAll(async () => {
  await p.start();
  p.useHookWith([
    'routes:',
    '  - name: db', '    match: { labels: { team: db } }', '    channels: [hook]',
    '    group_by: [alertname, cluster]', '    group_wait: 2s', '    group_interval: 3s', '    repeat_interval: 1h',
    '  - channels: [hook]',
  ]);
  await p.worker();
  await p.ingest();
});
afterAll(() => p.stop());

const groupPosts = (groupId: string): ReceivedPost[] => p.receiver.posts.filter((x) => x.json?.group?.id === groupId);
const dbAlert = (cluster: string, extra: Record<string, unknown> = {}) =>
  alertEvent({ ruleName: 'DiskFull', labels: { team: 'db', cluster }, ...extra });
const settled = (id: string, status: string) => p.waitFor(`${id} ${status}`, async () => {
  const d = await p.doc(id);
  return d?.deliveryStatus === status ? d : undefined;
});

it('three alerts within group_wait: one notification listing all three; a late one goes out at group_interval; resolving all ends the group', async () => {
  const events = [dbAlert('eu-1'), dbAlert('eu-1'), dbAlert('eu-1')];
  const ids = [];
  for (const e of events) ids.push(await p.publish(e));
  const first = await settled(ids[0], 'delivered');
  const groupId: string = first.groupId;
  expect(groupId).toMatch(new RegExp(`^${p.stream}:group:db:[0-9a-f]{20}$`));

  // One notification for the three, under the group's first key.
  const posts = groupPosts(groupId);
  expect(posts).toHaveLength(1);
  expect(posts[0].key).toBe(`${groupId}:1`);
  expect(posts[0].json.group).toMatchObject({ status: 'firing', sequence: 1, counts: { firing: 3, new: 3, resolved: 0 }, labels: { alertname: 'DiskFull', cluster: 'eu-1' } });
  expect(posts[0].json.group.alerts.map((a: { alertId: string }) => a.alertId).sort()).toEqual(events.map((e) => e.alertId).sort());
  for (const id of ids) {
    expect(await settled(id, 'delivered')).toMatchObject({ delivered: true, groupId, groupNotificationKey: `${groupId}:1` });
  }

  // Each member's own workflow: closed, `grouped`, AlertGroup = the group; its result names the group.
  const client = await p.temporal();
  const member = await client.workflow.getHandle(p.key(ids[1])).describe();
  expect(member.status.name).toBe('COMPLETED');
  expect(member.searchAttributes).toMatchObject({ AlertDeliveryStatus: ['grouped'], AlertGroup: [groupId] });
  expect(await client.workflow.getHandle(p.key(ids[1])).result()).toMatchObject({ status: 'grouped', group: { id: groupId } });

  // Another cluster is another group.
  const other = await p.publish(dbAlert('us-1'));
  const otherDoc = await settled(other, 'delivered');
  expect(otherDoc.groupId).not.toBe(groupId);

  // A fourth alert after the first notification: the next one (group_interval), listing it as new.
  const late = dbAlert('eu-1');
  const lateId = await p.publish(late);
  const lateDoc = await settled(lateId, 'delivered');
  expect(lateDoc.groupNotificationKey).toBe(`${groupId}:2`);
  const second = groupPosts(groupId)[1];
  expect(second.key).toBe(`${groupId}:2`);
  expect(second.json.group).toMatchObject({ sequence: 2, counts: { firing: 4, new: 1, resolved: 0 } });
  expect(second.json.group.alerts[0].alertId).toBe(late.alertId);
  expect(second.at - posts[0].at).toBeGreaterThanOrEqual(2_900); // not before group_interval

  // All four resolved: the resolves may straddle a check (each notification counts those since the last), but
  // together they count four, only the last says `resolved` (nothing fires), and the group's workflow ends.
  for (const e of [...events, late]) await p.publish({ ...e, status: 'resolved' });
  await p.waitFor('resolved notification', () => Promise.resolve(groupPosts(groupId).find((x) => x.json.group.status === 'resolved')));
  await p.waitFor('group closed', async () => (await client.workflow.getHandle(groupId).describe()).status.name === 'COMPLETED');
  const after = groupPosts(groupId).slice(2);
  expect(after.map((x) => x.json.group.status).at(-1)).toBe('resolved');
  expect(after.filter((x) => x.json.group.status === 'resolved')).toHaveLength(1);
  expect(after.at(-1)!.json.group.counts.firing).toBe(0);
  expect(after.reduce((n, x) => n + x.json.group.counts.resolved, 0)).toBe(4);
  expect(after.map((x) => x.key)).toEqual(after.map((_x, i) => `${groupId}:${i + 3}`));
});

it('an alert whose route does not group is notified on its own, as before', async () => {
  const single = alertEvent({ labels: { team: 'web' } });
  const id = await p.publish(single);
  const doc = await settled(id, 'delivered');
  expect(doc.groupId).toBeUndefined();
  const posts = p.receiver.posts.filter((x) => x.json?.data?.alertId === single.alertId);
  expect(posts.map((x) => [x.json.type, x.key])).toEqual([['alert.fired', p.key(id)]]);
});
