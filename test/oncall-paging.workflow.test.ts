// Paging people in deliverAlert (docs/oncall.md), on the time-skipping test server with scripted activities: who is
// resolved when each level fires, each person's rules run on durable timers (day-long ones in seconds of wall time),
// stop at acknowledge or resolve, each contact under its own key; nobody on call falls back, or parks — never silence.
import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
type History = temporal.api.history.v1.IHistory;
import type { ChannelPlan } from '../src/contracts/channels';
import type { EscalationPlan } from '../src/contracts/delivery';
import { acknowledgeUpdate, incidentResolvedSignal, statusQuery } from '../src/contracts/messages';
import type { PageResolution, PagedPerson, ResolvePageInput } from '../src/contracts/oncall';
import type { deliverAlert } from '../src/workflows';
import { mockActivities, plan, request, type Script } from '../tools/scripted-activities';
import { timeSkippingSuite } from './helpers/time-skipping-suite';
import { runToCompletion } from './helpers/workflow-run';

const suite = timeSkippingSuite();
type Handle = WorkflowHandleWithFirstExecutionRunId<typeof deliverAlert>;
const MIN = 60_000;

/** Page the on-call of `primary` at once; page the team lead after 30 minutes. */
const policy: EscalationPlan = {
  policy: 'oncall', initial: [], repeat: 0,
  levels: [{ afterMs: 0, channels: [], notify: [{ schedule: 'primary' }] }, { afterMs: 30 * MIN, channels: [], notify: [{ person: 'lead' }] }],
};
const channels = [plan('ops-email')];

/** Chat at once, email after 2 minutes, push after 5 minutes (each through its own channel plan). */
function person(name: string, input: ResolvePageInput, via: PagedPerson['via'] = { schedule: 'primary' }): PagedPerson {
  return {
    person: name, via, level: input.level, at: input.at,
    steps: [{ contact: 'chat', afterMs: 0, channel: plan('slack', { required: false }) }, { contact: 'mail', afterMs: 2 * MIN, channel: plan('email', { required: false }) }, { contact: 'push', afterMs: 5 * MIN, channel: plan('push', { required: false }) }],
  };
}
const onCall = (who: (input: ResolvePageInput) => string) => (input: ResolvePageInput): PageResolution => ({ paged: [person(who(input), input, input.level === 2 ? { person: 'lead' } : undefined)], nobody: [], fallbackChannels: [] });

async function run(page: (i: ResolvePageInput) => PageResolution, body: (h: Handle) => Promise<void>, script: Script = () => 'ok', escalation = policy, resolvedPlans?: () => ChannelPlan[]) {
  const mock = mockActivities(channels, script, undefined, false, { incident: { role: 'page' }, escalation, page, ...(resolvedPlans ? { resolvedPlans } : {}) });
  const { result, handle } = await runToCompletion<typeof deliverAlert>(suite, 'deliverAlert', { args: [request()], activities: mock.activities, body });
  return { result, history: await handle.fetchHistory(), ...mock };
}
/** The durable timers the run started, in seconds. */
const timersOf = (history: History) =>
  history.events!.filter((e) => e.timerStartedEventAttributes).map((e) => Math.round(Number(e.timerStartedEventAttributes!.startToFireTimeout!.seconds) + (e.timerStartedEventAttributes!.startToFireTimeout!.nanos ?? 0) / 1e9));
const contacts = (inputs: { deliveryId: string; channel: string }[]) => inputs.map((n) => [n.deliveryId, n.channel]);

it("each step at its time under its own key; the acknowledgement stops the person's later steps", async () => {
  const { result, notifyInputs, pageInputs } = await run(onCall(() => 'alice'), async (handle) => {
    await suite.env.sleep('3 minutes'); // chat at 0, mail at 2 min
    expect((await handle.describe()).searchAttributes).toMatchObject({ AlertPagedPeople: ['alice'] });
    await handle.executeUpdate(acknowledgeUpdate, { args: [{ by: 'alice', via: 'ack-link' }] });
  });
  expect(contacts(notifyInputs)).toEqual([['alerts:1-0:alice:1', 'slack'], ['alerts:1-0:alice:2', 'email']]); // push (5 min) never
  expect(notifyInputs.map((n) => n.contact)).toEqual([{ person: 'alice', contact: 'chat' }, { person: 'alice', contact: 'mail' }]);
  expect(pageInputs.map((p) => [p.level, p.targets, p.urgency])).toEqual([[1, [{ schedule: 'primary' }], 'high']]); // level 2 never fired
  expect(result.paging).toEqual([{ level: 1, at: expect.any(String), paged: [{ person: 'alice', via: { schedule: 'primary' }, contacts: ['chat', 'mail', 'push'] }], nobody: [], fallbackChannels: [] }]);
  expect(result.channels.map((c) => [c.channel, c.status, c.required])).toEqual([['alice:chat:1', 'delivered', false], ['alice:mail:2', 'delivered', false]]);
});

it('nobody answers: every step, then the next level resolves again and pages whoever it finds then', async () => {
  const { result, notifyInputs, pageInputs, history } = await run(onCall((i) => (i.level === 1 ? 'alice' : 'lead')), async () => {});
  expect(contacts(notifyInputs).map(([key]) => key)).toEqual(['alerts:1-0:alice:1', 'alerts:1-0:alice:2', 'alerts:1-0:alice:3', 'alerts:1-0:lead:1', 'alerts:1-0:lead:2', 'alerts:1-0:lead:3']);
  // each level resolves at its own time: 30 minutes apart in workflow time
  const apart = Date.parse(pageInputs[1].at) - Date.parse(pageInputs[0].at);
  expect(apart).toBeGreaterThanOrEqual(30 * MIN);
  expect(apart).toBeLessThan(30 * MIN + 5_000);
  expect(result.escalationLevel).toBe(2);
  // durable timers (alice's, level 2, the lead's), no polling; to 10 s (an activity's own seconds shorten the next wait)
  expect(timersOf(history).map((t) => Math.round(t / 10) * 10).sort((a, b) => a - b)).toEqual([120, 120, 180, 180, 1800]);
});

it('day-long rules: a step a day later is sent a day later (time-skipping), and the resolve stops the rest', async () => {
  const daily = (input: ResolvePageInput): PageResolution => ({
    paged: [{ ...person('alice', input), steps: [{ contact: 'mail', afterMs: 0, channel: plan('email') }, { contact: 'push', afterMs: 24 * 60 * MIN, channel: plan('push') }, { contact: 'chat', afterMs: 48 * 60 * MIN, channel: plan('slack') }] }],
    nobody: [], fallbackChannels: [],
  });
  const { notifyInputs } = await run(daily, async (handle) => {
    await suite.env.sleep('25 hours');
    expect((await handle.query(statusQuery)).channels.map((c) => c.channel)).toEqual(['alice:mail:1', 'alice:push:2']);
    await handle.signal(incidentResolvedSignal, { by: 'alerts:9-0' });
  }, () => 'ok', { ...policy, levels: [policy.levels[0]] });
  expect(notifyInputs.filter((n) => n.contact).map((n) => n.contact!.contact)).toEqual(['mail', 'push']); // chat (48 h) never
});

it('a contact that fails for good brings the next step forward', async () => {
  const { notifyInputs, history } = await run(onCall(() => 'alice'), async () => {}, (channel) => (channel === 'slack' ? 'permanent' : 'ok'), { ...policy, levels: [policy.levels[0]] });
  expect(contacts(notifyInputs)).toEqual([['alerts:1-0:alice:1', 'slack'], ['alerts:1-0:alice:2', 'email'], ['alerts:1-0:alice:3', 'push']]);
  expect(timersOf(history).map((t) => Math.round(t / 10) * 10)).toEqual([300]); // mail at once after chat failed; push 5 min after the page
});

it('nobody on call and no fallback: the alert parks as failed, saying why (never silence)', async () => {
  const nobody = (i: ResolvePageInput): PageResolution => ({ paged: [], nobody: [{ target: i.targets[0], reason: 'nobody is on call for schedule "primary"', fallback: [] }], fallbackChannels: [] });
  const { records } = await run(nobody, async (handle) => {
    const failed = await suite.until(handle, 'failed');
    expect(failed.channels).toEqual([expect.objectContaining({ channel: 'nobody:schedule:primary', status: 'failed', required: true, lastError: 'nobody is on call for schedule "primary"' })]);
    await handle.signal(incidentResolvedSignal, { by: 'alerts:9-0' });
  }, () => 'ok', { ...policy, levels: [policy.levels[0]] });
  expect(records.at(-1)!.paging![0].nobody).toHaveLength(1);
});

it("nobody on call with a fallback: the policy's fallback channels are notified at that level", async () => {
  const nobody = (i: ResolvePageInput): PageResolution => ({ paged: [], nobody: [{ target: i.targets[0], reason: 'nobody', fallback: ['ops-email'] }], fallbackChannels: ['ops-email'] });
  const { result, notifyInputs } = await run(nobody, async () => {}, () => 'ok', { ...policy, levels: [policy.levels[0]] });
  expect(contacts(notifyInputs)).toEqual([['alerts:1-0', 'ops-email']]);
  expect(result).toMatchObject({ status: 'delivered', escalationLevel: 1 });
});

it('resolved while the page is open: each person paged hears of it through the contact that reached them, under <delivery ID>:<person>:resolved', async () => {
  const aliceChat = { ...plan('slack', { required: false }), name: 'alice:chat', reaches: { person: 'alice', contact: 'chat', via: 'slack' } };
  const { result, notifyInputs, events } = await run(onCall(() => 'alice'), async (handle) => {
    await suite.env.sleep('1 minute'); // chat sent; mail (2 min) not yet
    await handle.signal(incidentResolvedSignal, { by: 'alerts:9-0' });
  }, () => 'ok', { ...policy, levels: [policy.levels[0]] }, () => [plan('ops-email'), aliceChat]);
  expect(events).toContain('planResolved');
  expect(notifyInputs.map((n) => [n.deliveryId, n.channel, n.contact?.person, n.resolves?.deliveryId])).toEqual([
    ['alerts:1-0:alice:1', 'slack', 'alice', undefined],
    ['alerts:1-0:alice:resolved', 'slack', 'alice', 'alerts:1-0'], // the channel plan (ops-email) was never reached: only the person
  ]);
  expect(result.channels.map((c) => [c.channel, c.status])).toEqual([['alice:chat:1', 'delivered'], ['alice:chat:resolved', 'delivered']]);
});
