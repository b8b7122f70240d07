// Escalation and acknowledgement in deliverAlert, on the time-skipping test server with scripted activities:
// an hour-long policy runs in well under a minute of wall time, each level exactly when it is due.
import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { EscalationPlan } from '../src/contracts/delivery';
import { acknowledgeUpdate, incidentResolvedSignal, statusQuery } from '../src/contracts/messages';
import type { deliverAlert } from '../src/workflows';
import { mockActivities, plan, request } from '../tools/scripted-activities';
import { timeSkippingSuite } from './helpers/time-skipping-suite';
import { runToCompletion } from './helpers/workflow-run';

const suite = timeSkippingSuite();
type Handle = WorkflowHandleWithFirstExecutionRunId<typeof deliverAlert>;

/** Slack at once, PagerDuty after 5 minutes, the manager's email after 15 minutes. */
const policy: EscalationPlan = { policy: 'standard', initial: ['chat'], levels: [{ afterMs: 5 * 60_000, channels: ['pager'] }, { afterMs: 15 * 60_000, channels: ['manager'] }], repeat: 0 };
const channels = [plan('chat'), plan('pager'), plan('manager')];

async function run(escalation: EscalationPlan, body: (h: Handle) => Promise<void>) {
  const mock = mockActivities(channels, () => 'ok', undefined, false, { incident: { role: 'page' }, escalation });
  const { result } = await runToCompletion<typeof deliverAlert>(suite, 'deliverAlert', { args: [request()], activities: mock.activities, body });
  return { result, ...mock };
}

const notified = (events: string[]) => events.filter((e) => e.startsWith('notify:')).map((e) => e.split(':')[1]);

it('nobody acknowledges: each level is notified when it is due, then the delivery ends', async () => {
  const { result, events, notifyInputs } = await run(policy, async (handle) => {
    await suite.env.sleep('4 minutes');
    expect(await handle.query(statusQuery)).toMatchObject({ incidentState: 'firing', status: 'delivered' });
    expect((await handle.query(statusQuery)).escalationLevel).toBeUndefined();
    await suite.env.sleep('2 minutes'); // 6 min: level 1 (pager) is due since 5 min
    expect((await handle.query(statusQuery)).escalationLevel).toBe(1);
    expect((await handle.describe()).searchAttributes).toMatchObject({ AlertState: ['firing'], AlertEscalationLevel: [1] });
    await suite.env.sleep('8 minutes'); // 14 min: level 2 not yet
    expect((await handle.query(statusQuery)).escalationLevel).toBe(1);
  });
  expect(notified(events)).toEqual(['chat', 'pager', 'manager']);
  expect(result).toMatchObject({ escalationLevel: 2, incidentState: 'firing', status: 'delivered' });
  expect(notifyInputs.map((n) => n.deliveryId)).toEqual(['alerts:1-0', 'alerts:1-0', 'alerts:1-0']);
});

it('an acknowledgement stops the escalation: later levels are never notified; who and how is recorded', async () => {
  const { result, events, records } = await run(policy, async (handle) => {
    await suite.env.sleep('6 minutes');
    const refused = await handle.executeUpdate(acknowledgeUpdate, { args: [{ by: '  ' }] }).catch((e: Error) => e);
    expect((refused as Error & { cause?: Error }).cause?.message).toMatch(/acknowledge needs `by`/);
    const acked = await handle.executeUpdate(acknowledgeUpdate, { args: [{ by: 'alice', via: 'alertctl', note: 'on it' }] });
    expect(acked).toMatchObject({ incidentState: 'acknowledged', ack: { by: 'alice', via: 'alertctl', note: 'on it' } });
    expect((await handle.describe()).searchAttributes).toMatchObject({ AlertState: ['acknowledged'], AlertAckedBy: ['alice'] });
    // Nothing is left to escalate: the delivery ends at once (a later acknowledgement finds it closed).
    await handle.result();
    await expect(handle.executeUpdate(acknowledgeUpdate, { args: [{ by: 'bob' }] })).rejects.toThrow();
  });
  expect(notified(events)).toEqual(['chat', 'pager']);
  expect(events).toContain('acknowledged:alice');
  expect(result).toMatchObject({ escalationLevel: 1, incidentState: 'acknowledged' });
  expect(records.at(-1)!.ack?.by).toBe('alice');
});

it('resolved while escalating: no further level; every channel reached gets the resolved notification', async () => {
  const { result, events, notifyInputs } = await run(policy, async (handle) => {
    await suite.env.sleep('6 minutes');
    await handle.signal(incidentResolvedSignal, { by: 'alerts:9-0' });
  });
  expect(notified(events).slice(0, 2)).toEqual(['chat', 'pager']); // manager (level 2) never
  expect(notified(events).slice(2).sort()).toEqual(['chat', 'pager']); // the resolved notifications, in parallel
  const resolvedNotes = notifyInputs.filter((n) => n.resolves).sort((a, b) => a.channel.localeCompare(b.channel));
  expect(resolvedNotes.map((n) => [n.channel, n.deliveryId])).toEqual([['chat', 'alerts:1-0:resolved'], ['pager', 'alerts:1-0:resolved']]);
  expect(result).toMatchObject({ incidentState: 'resolved', resolvedBy: 'alerts:9-0', escalationLevel: 1 });
});

it('repeat: the levels run again, a channel reached before is notified under a level key', async () => {
  const { result, notifyInputs } = await run({ ...policy, levels: [{ afterMs: 60_000, channels: ['pager'] }], repeat: 2 }, () => Promise.resolve());
  expect(notifyInputs.map((n) => [n.channel, n.deliveryId])).toEqual([
    ['chat', 'alerts:1-0'], ['pager', 'alerts:1-0'], ['pager', 'alerts:1-0:level-2'], ['pager', 'alerts:1-0:level-3'],
  ]);
  expect(result.escalationLevel).toBe(3);
  expect(result.channels.find((c) => c.channel === 'pager:level-2')).toMatchObject({ required: false, status: 'delivered' });
});
