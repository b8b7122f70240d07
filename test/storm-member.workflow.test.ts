// A delivery under storm control (deliverAlert, time-skipping server, scripted activities): grouped → it joins
// its group and ends `grouped`, sending nothing itself; silenced → it waits, open and visible, until the silence
// ends (its end time, or `silence expire`'s signal); inhibited → it waits until its source resolves (the source's
// resolve signals it) or goes stale; then it looks again and is notified — unless another silence or source took
// over, or its incident resolved meanwhile. A resolve that ended a source wakes what it held back.
import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { IncidentClaim, Suppression } from '../src/contracts/delivery';
import type { GroupRef } from '../src/contracts/group';
import { incidentResolvedSignal, inhibitionEndedSignal, silenceEndedSignal, statusQuery } from '../src/contracts/messages';
import type { deliverAlert } from '../src/workflows';
import { mockActivities, plan, request, type MockOptions } from '../tools/scripted-activities';
import { uid } from './helpers/stack';
import { timeSkippingSuite } from './helpers/time-skipping-suite';
import { runToCompletion } from './helpers/workflow-run';

const suite = timeSkippingSuite();
type Handle = WorkflowHandleWithFirstExecutionRunId<typeof deliverAlert>;

async function run(opts: MockOptions, body: (h: Handle, events: string[]) => Promise<void> = () => Promise.resolve()) {
  const mock = mockActivities([plan('hook')], () => 'ok', undefined, false, { incident: { role: 'page' }, ...opts });
  const { result, closed, handle } = await runToCompletion<typeof deliverAlert>(suite, 'deliverAlert', { args: [request()], activities: mock.activities, body: (h) => body(h, mock.events) });
  return { done: result, attributes: closed.searchAttributes, handle, ...mock };
}

const group: GroupRef = { workflowId: 'alerts:group:db:0123456789abcdef0123', route: 'db', labels: { cluster: 'eu-1' }, timing: { waitMs: 30_000, intervalMs: 300_000, repeatMs: 14_400_000 } };
/** A silence ending this long after the test server's current time (ahead of the wall clock once a test skipped time). */
const silence = async (id: string, endsInMs: number): Promise<Suppression> =>
  ({ kind: 'silence', silenceId: id, endsAt: new Date((await suite.env.currentTimeMs()) + endsInMs).toISOString(), comment: 'db failover', createdBy: 'alice' });

it('grouped: joins its group with its summary, sends nothing itself, ends `grouped` naming the group', async () => {
  const { done, attributes, events, joins, records, handle } = await run({ group });
  expect(events).toEqual(['persist', 'join:firing', 'record:grouped']);
  expect(joins[0]).toMatchObject({ ref: group, member: { alertId: 'a-1', deliveryId: 'alerts:1-0', status: 'firing', severity: 'critical', title: 'CPU at 99%', ruleName: 'CPU high' } });
  // where intake was: the stream entry's time (message ID 1-0: 1 ms) and the delivery's start (the group paces by them)
  expect(joins[0].member).toMatchObject({ enqueuedAt: 1, startedAt: Date.parse((await handle.describe()).startTime.toISOString()) });
  expect(done).toMatchObject({ status: 'grouped', group: { id: group.workflowId } });
  expect(records.at(-1)).toMatchObject({ status: 'grouped', group: { id: group.workflowId } });
  expect(attributes).toMatchObject({ AlertDeliveryStatus: ['grouped'], AlertGroup: [group.workflowId], AlertState: ['firing'] });
});

const inhibitedBy = async (source: string, staleInMs = 24 * 3_600_000): Promise<Suppression> =>
  ({ kind: 'inhibit', rule: 0, by: { alertId: source, deliveryId: 'alerts:0-1', workflowId: 'alerts:0-1' }, until: new Date((await suite.env.currentTimeMs()) + staleInMs).toISOString() });

it('inhibited: open and `inhibited` until its source resolves (the signal), then looks again and is notified', async () => {
  const inhibit = await inhibitedBy('cluster-down');
  const { done, events } = await run({ suppressed: inhibit }, async (h, events) => {
    await suite.env.sleep('1 hour');
    expect(await h.query(statusQuery)).toMatchObject({ status: 'inhibited', suppressedBy: { by: { alertId: 'cluster-down' } } });
    expect((await h.describe()).searchAttributes).toMatchObject({ AlertDeliveryStatus: ['inhibited'], AlertSuppressedBy: ['inhibit:cluster-down'] });
    await h.signal(inhibitionEndedSignal, { sourceAlertId: 'another-source' }); // another source's resolve: ignored
    await suite.env.sleep('1 minute');
    expect(events).toEqual(['persist', 'record:inhibited', 'confirmHold']);
    await h.signal(inhibitionEndedSignal, { sourceAlertId: 'cluster-down' });
  });
  expect(events).toEqual(['persist', 'record:inhibited', 'confirmHold', 'silenceInForce', 'notify:hook:ok', 'record:delivered']);
  expect(done.status).toBe('delivered');
});

it('woken by its source, held by another source of the same labels: records that hold, and its second look finds it resolved too', async () => {
  // Sources sharing the `equal` labels resolve together: the second one's wake may list before this record names it.
  const [first, other] = [await inhibitedBy('cluster-down'), await inhibitedBy('cluster-down-2')];
  let confirms = 0;
  const { done, events } = await run({
    suppressed: first, silenceAfterWake: () => other,
    confirmHold: () => (++confirms === 1 ? first : null),
  }, async (h) => {
    await suite.env.sleep('1 minute');
    await h.signal(inhibitionEndedSignal, { sourceAlertId: 'cluster-down' });
  });
  expect(events).toEqual(['persist', 'record:inhibited', 'confirmHold', 'silenceInForce', 'record:inhibited', 'confirmHold', 'notify:hook:ok', 'record:delivered']);
  expect(done.status).toBe('delivered');
  expect(done.suppressedBy).toMatchObject({ by: { alertId: 'cluster-down-2' } });
});

it('held back, and the hold ended before its record could be listed by the wake: the second look notifies at once, no wait', async () => {
  const { done, events, handle } = await run({ suppressed: await silence('s-1', 24 * 3_600_000), confirmHold: () => null });
  expect(events).toEqual(['persist', 'record:silenced', 'confirmHold', 'notify:hook:ok', 'record:delivered']);
  expect(done.status).toBe('delivered');
  // no wait for the silence's end: the closed run never started a timer (read from its history, not the shared clock)
  const types = ((await handle.fetchHistory()).events ?? []).map((e) => e.eventType);
  expect(types).toContain(temporal.api.enums.v1.EventType.EVENT_TYPE_MARKER_RECORDED);
  expect(types).not.toContain(temporal.api.enums.v1.EventType.EVENT_TYPE_TIMER_STARTED);
});

it('the second look finds another hold: that one is recorded and confirmed, then waited out', async () => {
  const second = await silence('s-2', 3_600_000);
  const { done, events } = await run({ suppressed: await silence('s-1', 2 * 3_600_000), confirmHold: () => second }, async (h) => {
    await suite.env.sleep('10 minutes');
    expect((await h.describe()).searchAttributes).toMatchObject({ AlertDeliveryStatus: ['silenced'], AlertSuppressedBy: ['silence:s-2'] });
  });
  expect(events).toEqual(['persist', 'record:silenced', 'confirmHold', 'record:silenced', 'confirmHold', 'silenceInForce', 'notify:hook:ok', 'record:delivered']);
  expect(done.status).toBe('delivered');
});

it('inhibited, grouped route: when the source resolves it joins its group then', async () => {
  const { done, events } = await run({ suppressed: await inhibitedBy('cluster-down'), group }, async (h) => {
    await suite.env.sleep('10 minutes');
    await h.signal(inhibitionEndedSignal, { sourceAlertId: 'cluster-down' });
  });
  expect(events).toEqual(['persist', 'record:inhibited', 'confirmHold', 'silenceInForce', 'join:firing', 'record:grouped']);
  expect(done.status).toBe('grouped');
});

it('inhibited, and the source went stale unresolved while its own incident went stale too: ends `inhibited`, never sent', async () => {
  const inhibit = await inhibitedBy('cluster-down', 3_600_000);
  const { done, events, attributes } = await run({ suppressed: inhibit, stillFiring: false });
  expect(events).toEqual(['persist', 'record:inhibited', 'confirmHold', 'incidentStillFiring', 'record:inhibited']);
  expect(done).toMatchObject({ status: 'inhibited', suppressedBy: inhibit });
  expect(attributes).toMatchObject({ AlertDeliveryStatus: ['inhibited'], AlertSuppressedBy: ['inhibit:cluster-down'] });
});

it('inhibited, and the source went stale while its own incident still fires: looks again and is notified', async () => {
  const { done, events } = await run({ suppressed: await inhibitedBy('cluster-down', 3_600_000), stillFiring: true });
  expect(events).toEqual(['persist', 'record:inhibited', 'confirmHold', 'incidentStillFiring', 'silenceInForce', 'notify:hook:ok', 'record:delivered']);
  expect(done.status).toBe('delivered');
});

it('inhibited, and its own incident resolved meanwhile: ends `inhibited`, never sent', async () => {
  const { done, events } = await run({ suppressed: await inhibitedBy('cluster-down') }, async (h) => {
    await suite.env.sleep('5 minutes');
    await h.signal(incidentResolvedSignal, { by: 'alerts:9-0' });
  });
  expect(events.filter((e) => e.startsWith('notify'))).toEqual([]);
  expect(done).toMatchObject({ status: 'inhibited', resolvedBy: 'alerts:9-0' });
});

it('a resolve that ended an inhibition source wakes the deliveries it held back, beside its own notifications', async () => {
  const resolve: IncidentClaim = { role: 'resolve', of: uid('alerts'), firingDeliveryId: 'alerts:0-1', reason: 'resolves the incident' };
  const { done, events } = await run({ incident: resolve, endsInhibitions: true });
  expect(events).toContain('wakeInhibited:a-1');
  expect(events.filter((e) => e.startsWith('notify'))).toEqual(['notify:hook:ok']);
  expect(done.status).toBe('delivered');
  // without endsInhibitions (the alert was no source): no wake
  const plain = await run({ incident: resolve });
  expect(plain.events).not.toContain('wakeInhibited:a-1');
});

it('silenced: open and `silenced` until the silence ends, then notified', async () => {
  const s = await silence('s-1', 2 * 3_600_000);
  const { done, events } = await run({ suppressed: s }, async (h, events) => {
    await suite.env.sleep('1 hour');
    expect(await h.query(statusQuery)).toMatchObject({ status: 'silenced', suppressedBy: { silenceId: 's-1' } });
    expect((await h.describe()).searchAttributes).toMatchObject({ AlertDeliveryStatus: ['silenced'], AlertSuppressedBy: ['silence:s-1'] });
    expect(events.filter((e) => e.startsWith('notify'))).toEqual([]);
  });
  expect(events).toEqual(['persist', 'record:silenced', 'confirmHold', 'silenceInForce', 'notify:hook:ok', 'record:delivered']);
  expect(done.status).toBe('delivered');
});

it('silence expired early (the signal of `silence expire`): looks again at once; another silence in force holds it on', async () => {
  let wakes = 0;
  const second = await silence('s-2', 3 * 3_600_000);
  const { done, events } = await run({ suppressed: await silence('s-1', 2 * 3_600_000), silenceAfterWake: () => (++wakes === 1 ? second : null) }, async (h, events) => {
    await suite.env.sleep('10 minutes');
    await h.signal(silenceEndedSignal, { silenceId: 'other' }); // another silence's end: ignored
    await suite.env.sleep('1 minute');
    expect(events).not.toContain('silenceInForce');
    await h.signal(silenceEndedSignal, { silenceId: 's-1' });
    await suite.env.sleep('1 minute');
    expect(await h.query(statusQuery)).toMatchObject({ status: 'silenced', suppressedBy: { silenceId: 's-2' } });
    expect((await h.describe()).searchAttributes).toMatchObject({ AlertSuppressedBy: ['silence:s-2'] });
  });
  expect(events).toEqual(['persist', 'record:silenced', 'confirmHold', 'silenceInForce', 'record:silenced', 'confirmHold', 'silenceInForce', 'notify:hook:ok', 'record:delivered']);
  expect(done.status).toBe('delivered');
});

it('silenced, and when the silence ends a firing source inhibits it: `inhibited` until that source resolves', async () => {
  const inhibit = await inhibitedBy('cluster-down');
  let wakes = 0;
  // the silence's end: held by the source; after the source's resolve: free
  const { done, events } = await run({ suppressed: await silence('s-1', 3_600_000), silenceAfterWake: () => (++wakes <= 1 ? inhibit : null) }, async (h, seen) => {
    await suite.env.sleep('2 hours');
    expect(seen).toEqual(['persist', 'record:silenced', 'confirmHold', 'silenceInForce', 'record:inhibited', 'confirmHold']);
    expect((await h.describe()).searchAttributes).toMatchObject({ AlertDeliveryStatus: ['inhibited'], AlertSuppressedBy: ['inhibit:cluster-down'] });
    await h.signal(inhibitionEndedSignal, { sourceAlertId: 'cluster-down' });
  });
  expect(events).toEqual(['persist', 'record:silenced', 'confirmHold', 'silenceInForce', 'record:inhibited', 'confirmHold', 'silenceInForce', 'notify:hook:ok', 'record:delivered']);
  expect(done.status).toBe('delivered');
});

it('silenced, and its incident resolved meanwhile: ends `silenced`, never sent', async () => {
  const { done, events } = await run({ suppressed: await silence('s-1', 2 * 3_600_000) }, async (h) => {
    await suite.env.sleep('5 minutes');
    await h.signal(incidentResolvedSignal, { by: 'alerts:9-0' });
  });
  expect(events.filter((e) => e.startsWith('notify'))).toEqual([]);
  expect(done).toMatchObject({ status: 'silenced', resolvedBy: 'alerts:9-0' });
});
