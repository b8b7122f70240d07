// The group workflow (alertGroup) on the time-skipping test server with scripted activities: Alertmanager's
// timing (group_wait, group_interval, repeat_interval) to the second, a failing notification retried under the
// same key, a retried join not counted twice, the resolved notification that ends the group, and notifications
// paced by stream time while intake is behind the stream.
import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { ParkPolicy } from '../src/contracts/channels';
import type { GroupMember, GroupStart } from '../src/contracts/group';
import { groupStatusQuery, joinGroupSignal } from '../src/contracts/messages';
import type { alertGroup } from '../src/workflows';
import { mockActivities, plan, type MockOptions, type Script } from '../tools/scripted-activities';
import { uid } from './helpers/stack';
import { timeSkippingSuite } from './helpers/time-skipping-suite';
import { runToCompletion, until } from './helpers/workflow-run';

const suite = timeSkippingSuite();
type Handle = WorkflowHandleWithFirstExecutionRunId<typeof alertGroup>;
type Mock = ReturnType<typeof mockActivities>;
interface RunOptions { ends?: boolean; park?: ParkPolicy; opts?: MockOptions }

const MIN = 60_000;
const timing = { waitMs: 30_000, intervalMs: 5 * MIN, repeatMs: 60 * MIN };
let n = 0;
function member(over: Partial<GroupMember> = {}): GroupMember {
  n++;
  return { alertId: `a-${n}`, deliveryId: `alerts:${n}-0`, workflowId: `alerts:${n}-0`, status: 'firing', severity: 'high', title: `disk full #${n}`, ruleName: 'DiskFull', firedAt: new Date().toISOString(), ...over };
}

/** Runs a group through `body`; a group still firing at the end is terminated (`ends: false`), else its result is awaited. */
async function run(script: Script, body: (h: Handle, mock: Mock) => Promise<void>, { ends = false, park = { redriveIntervalMs: 0, giveUpAfterMs: 0 }, opts = {} }: RunOptions = {}) {
  const mock = mockActivities([plan('hook', { retry: { maximumAttempts: 1 } })], script, undefined, false, opts);
  const workflowId = uid('alerts:group:db');
  const start: GroupStart = { ref: { workflowId, route: 'db', labels: { cluster: 'eu-1' }, timing }, channels: [plan('hook', { retry: { maximumAttempts: 1 } })], park, memberTimeoutMs: 24 * 60 * MIN };
  const { result } = await runToCompletion<typeof alertGroup>(suite, 'alertGroup', { args: [start], activities: mock.activities, workflowId, body: (h) => body(h, mock), terminate: !ends });
  const notices = mock.notifyInputs.map((i) => ({ key: i.deliveryId, ...i.group! }));
  return { result, workflowId, notices, ...mock };
}

const join = (h: Handle, m: GroupMember) => h.signal(joinGroupSignal, m);

it('group_wait, then one notification for all; a late alert at group_interval; resolving all sends the resolved notification and ends the group', async () => {
  const [a, b, c, late] = [member(), member({ severity: 'critical' }), member(), member()];
  const { result, notices, memberRecords, workflowId } = await run(() => 'ok', async (h) => {
    await join(h, a);
    await join(h, b);
    await suite.env.sleep('20 seconds');
    await join(h, c);
    expect((await h.query(groupStatusQuery)).sequence).toBe(0); // group_wait (30 s) not over
    await suite.env.sleep('15 seconds');
    expect(await h.query(groupStatusQuery)).toMatchObject({ sequence: 1, firing: 3, pending: 0, status: 'delivered' });
    await join(h, late);
    await suite.env.sleep('4 minutes');
    expect((await h.query(groupStatusQuery)).sequence).toBe(1); // group_interval (5 min after the first) not over
    await suite.env.sleep('2 minutes');
    expect((await h.query(groupStatusQuery)).sequence).toBe(2);
    for (const m of [a, b, c, late]) await join(h, { ...m, deliveryId: `${m.deliveryId}:resolved`, status: 'resolved' });
    await suite.env.sleep('6 minutes');
  }, { ends: true });
  expect(notices.map((x) => [x.key, x.status, x.counts])).toEqual([
    [`${workflowId}:1`, 'firing', { firing: 3, new: 3, resolved: 0 }],
    [`${workflowId}:2`, 'firing', { firing: 4, new: 1, resolved: 0 }],
    [`${workflowId}:3`, 'resolved', { firing: 0, new: 0, resolved: 4 }],
  ]);
  expect(notices[0].severity).toBe('critical');
  expect(notices[1].alerts[0].alertId).toBe(late.alertId); // the new one is listed first
  expect(memberRecords.map((r) => [r.state.status, r.state.group?.notificationKey, r.deliveryIds.length])).toEqual([
    ['delivered', `${workflowId}:1`, 3], ['delivered', `${workflowId}:2`, 1], ['delivered', `${workflowId}:3`, 4],
  ]);
  expect(result?.status).toBe('delivered');
});

it('repeat_interval: a group still firing with nothing new is notified again, not before', async () => {
  const { notices, workflowId } = await run(() => 'ok', async (h) => {
    await join(h, member());
    await suite.env.sleep('31 seconds');
    await suite.env.sleep('55 minutes');
    expect((await h.query(groupStatusQuery)).sequence).toBe(1);
    await suite.env.sleep('10 minutes'); // 60 min after the first notification, at the next check
    expect((await h.query(groupStatusQuery)).sequence).toBe(2);
  });
  expect(notices.map((x) => [x.key, x.counts])).toEqual([[`${workflowId}:1`, { firing: 1, new: 1, resolved: 0 }], [`${workflowId}:2`, { firing: 1, new: 0, resolved: 0 }]]);
});

it('a failing notification is retried at each check under the same key and content; joins meanwhile wait for the next one', async () => {
  let healthy = false;
  const [first, second] = [member(), member()];
  const { notices, memberRecords, workflowId } = await run(() => (healthy ? 'ok' : 'permanent'), async (h) => {
    await join(h, first);
    await suite.env.sleep('31 seconds');
    expect(await h.query(groupStatusQuery)).toMatchObject({ status: 'failed', sequence: 1 });
    expect((await h.describe()).searchAttributes).toMatchObject({ AlertDeliveryStatus: ['failed'], AlertFailedChannels: ['hook'] });
    await join(h, second); // not in the failing notification: it waits for the next one
    healthy = true;
    await suite.env.sleep('5 minutes');
    expect(await h.query(groupStatusQuery)).toMatchObject({ status: 'delivered', sequence: 1 });
    await suite.env.sleep('5 minutes');
    expect(await h.query(groupStatusQuery)).toMatchObject({ status: 'delivered', sequence: 2 });
  });
  expect(notices.map((x) => [x.key, x.alerts.map((a) => a.alertId)])).toEqual([
    [`${workflowId}:1`, [first.alertId]], [`${workflowId}:1`, [first.alertId]], [`${workflowId}:2`, [second.alertId, first.alertId]],
  ]);
  expect(JSON.stringify(notices[1])).toBe(JSON.stringify(notices[0])); // the retry sends the same content
  expect(memberRecords.map((r) => [r.state.status, r.state.group?.notificationKey, r.deliveryIds])).toEqual([
    ['failed', `${workflowId}:1`, [first.deliveryId]], ['delivered', `${workflowId}:1`, [first.deliveryId]], ['delivered', `${workflowId}:2`, [second.deliveryId]],
  ]);
});

it('a repeated join of the same delivery is not counted twice, before or after its notification; a resolve of an alert it never listed sends nothing', async () => {
  const m = member();
  const { notices } = await run(() => 'ok', async (h) => {
    await join(h, m);
    await join(h, m);
    expect(await h.query(groupStatusQuery)).toMatchObject({ firing: 1, pending: 1 });
    await join(h, member({ status: 'resolved', alertId: 'never-here' }));
    expect((await h.query(groupStatusQuery)).pending).toBe(1);
    await suite.env.sleep('31 seconds');
    await join(h, m); // carried already: nothing new to send
    expect(await h.query(groupStatusQuery)).toMatchObject({ firing: 1, pending: 0, sequence: 1 });
  });
  expect(notices.map((x) => x.counts)).toEqual([{ firing: 1, new: 1, resolved: 0 }]);
});

it('a join repeated while its notification is being sent (the member\'s task ran again after a crash) is not counted again', async () => {
  const m = member();
  const { notices, memberRecords } = await run(() => 'ok', async (h, mock) => {
    await join(h, m);
    await suite.env.sleep('31 seconds'); // group_wait over: the notification's activity starts (it takes 2 s)
    await until(() => mock.events.includes('notify:hook:started'));
    await join(h, m); // the join's signal is delivered while the activity runs
    expect((await h.query(groupStatusQuery)).pending).toBe(0);
    await until(() => mock.events.includes('notify:hook:ok'));
    await suite.env.sleep('6 minutes'); // a group_interval later: nothing new to send
    expect(await h.query(groupStatusQuery)).toMatchObject({ firing: 1, pending: 0, sequence: 1 });
  }, { opts: { notifyDelayMs: 2000 } });
  expect(notices.map((x) => x.counts)).toEqual([{ firing: 1, new: 1, resolved: 0 }]);
  expect(memberRecords.map((r) => r.deliveryIds)).toEqual([[m.deliveryId]]);
});

/**
 * Sleeps, then waits for the group to have handled what came due meanwhile (a query is answered after the pending
 * workflow task): a join sent right after a check then never lands in the check's own task (under load it did, and
 * signals are handled before timers in a task).
 */
async function settled(h: Handle, duration: Parameters<typeof suite.env.sleep>[0]): Promise<void> {
  await suite.env.sleep(duration);
  await h.query(groupStatusQuery);
}

// Intake behind the stream (a storm's backlog): members started 60 min after they reached the stream, intake
// moving through the stream at half speed. The notifications follow stream time, one per group_interval of it.
describe('paced by stream time while intake is behind', () => {
  const joinEveryMinute = async (h: Handle, minutes: number, lagMs: (k: number) => number, t0: number, from = 1) => {
    for (let k = from; k < from + minutes; k++) {
      await settled(h, '1 minute');
      const now = await suite.env.currentTimeMs();
      await join(h, member({ enqueuedAt: t0 + k * 30_000 - lagMs(k), startedAt: now }));
    }
  };

  // Joins at k min 31 s (k = 1, 2, …), the group's checks at 30 s and every 5 min after each notification.
  it('behind by an hour at half speed: a notification when the stream has moved 5 min past the last, the rest when joins stop', async () => {
    const hour = 60 * MIN;
    const seq: number[] = [];
    const { notices } = await run(() => 'ok', async (h) => {
      const t0 = await suite.env.currentTimeMs();
      await join(h, member({ enqueuedAt: t0 - hour, startedAt: t0 }));
      await suite.env.sleep('31 seconds'); // group_wait: the first notification goes out as ever
      await joinEveryMinute(h, 30, () => hour, t0);
      // checks at 5:30 and 10:30 held (stream +2 and +4.5 min), 15:30 sent (+7), 20:30 held (+9.5 of +12), 25:30 sent
      seq.push((await h.query(groupStatusQuery)).sequence);
      await suite.env.sleep('14 minutes');
      seq.push((await h.query(groupStatusQuery)).sequence); // 44:31: held, the last member started 14 min ago
      await suite.env.sleep('6 minutes');
      seq.push((await h.query(groupStatusQuery)).sequence); // 50:31: none started for 3 group_intervals: sent
    });
    expect(seq).toEqual([3, 3, 4]);
    expect(notices.map((x) => x.counts.new)).toEqual([1, 14, 10, 6]); // not paced: 1, 4, 5, 5, 5, 5, 5, 1
  });

  it('in step with the stream (started a second after it was added): every group_interval, as Alertmanager', async () => {
    const { notices } = await run(() => 'ok', async (h) => {
      const t0 = await suite.env.currentTimeMs();
      await join(h, member({ enqueuedAt: t0 - 1_000, startedAt: t0 }));
      await suite.env.sleep('31 seconds');
      for (let k = 1; k <= 20; k++) {
        await settled(h, '1 minute');
        const now = await suite.env.currentTimeMs();
        await join(h, member({ enqueuedAt: now - 1_000, startedAt: now }));
      }
      await suite.env.sleep('1 minute'); // ends between checks (a run terminated right after a check left the next test hanging)
    });
    expect(notices.map((x) => x.counts.new)).toEqual([1, 4, 5, 5, 5]);
  });

  it('a burst added to the stream at once, its first member started at once, the rest late: held as one stretch of the stream', async () => {
    const { notices } = await run(() => 'ok', async (h) => {
      const t0 = await suite.env.currentTimeMs();
      const at = t0 - 1_000; // every member: the same stream millisecond
      await join(h, member({ enqueuedAt: at, startedAt: t0 }));
      await suite.env.sleep('31 seconds');
      await joinEveryMinute(h, 20, (k) => t0 + k * 30_000 - at, t0);
      await suite.env.sleep('21 minutes'); // 41:31: none started for 3 group_intervals (after 20:31)
    });
    // 5:30: 4:31 is not yet a group_interval behind, sent; 10:30 to 35:30 held; 40:30 sent (not paced: 1, 4, 5, 5, 5, 1)
    expect(notices.map((x) => x.counts.new)).toEqual([1, 4, 16]);
  });

  it('never holds longer than 10 group_intervals while members keep starting, all from the same stretch of the stream', async () => {
    const { notices } = await run(() => 'ok', async (h) => {
      const t0 = await suite.env.currentTimeMs();
      await join(h, member({ enqueuedAt: t0 - 120 * MIN, startedAt: t0 }));
      await suite.env.sleep('31 seconds');
      await joinEveryMinute(h, 56, (k) => 120 * MIN + k * 30_000, t0); // stream time stands still
    });
    // every check holds until 50:30, 10 group_intervals after the first notification (the next: 100:30, not reached)
    expect(notices.map((x) => x.counts.new)).toEqual([1, 49]);
  });
});
