// deliverAlert on the time-skipping test server, with scripted activities.
import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { ChannelPlan, ParkPolicy } from '../src/contracts/channels';
import { PARKED_HISTORY_LIMIT } from '../src/contracts/delivery';
import { abandonUpdate, retryUpdate, statusQuery } from '../src/contracts/messages';
import type { deliverAlert } from '../src/workflows';
import { mockActivities, plan, request, type Script } from '../tools/scripted-activities';
import { timeSkippingSuite } from './helpers/time-skipping-suite';
import { runToCompletion } from './helpers/workflow-run';

const suite = timeSkippingSuite();

type Handle = WorkflowHandleWithFirstExecutionRunId<typeof deliverAlert>;

/** One delivery to its end (a failed run fails the test); its result and what the scripted activities saw. */
async function run(channels: ChannelPlan[], script: Script, park?: ParkPolicy, body?: (h: Handle) => Promise<void>) {
  const mock = mockActivities(channels, script, park);
  const { result, handle, closed } = await runToCompletion<typeof deliverAlert>(suite, 'deliverAlert', { args: [request()], activities: mock.activities, body });
  return { result, handle, closed, ...mock };
}

describe('deliverAlert', () => {
  it('happy path: persist → notify → record, delivered (the ingest acks the entry, the workflow does not)', async () => {
    const { result, events, records } = await run([plan('hook')], () => 'ok');
    expect(result.status).toBe('delivered');
    expect(events).toEqual(['persist', 'notify:hook:ok', 'record:delivered']);
    expect(records.at(-1)!.channels).toEqual([expect.objectContaining({ channel: 'hook', status: 'delivered', attempts: 1, lastError: null })]);
  });

  it('transient failures are retried with backoff, then delivered', async () => {
    const { result, events } = await run([plan('hook')], (_c, _attempt, call) => (call < 3 ? 'transient' : 'ok'));
    expect(result.status).toBe('delivered');
    expect(result.channels[0]).toMatchObject({ status: 'delivered', attempts: 3 });
    expect(events.filter((e) => e.startsWith('notify'))).toEqual(['notify:hook:transient', 'notify:hook:transient', 'notify:hook:ok']);
  });

  it('a permanent failure parks the alert as failed; `retry` after the fix delivers it', async () => {
    let fixed = false;
    const { result, records } = await run([plan('hook')], () => (fixed ? 'ok' : 'permanent'), undefined, async (handle) => {
      const parked = await suite.until(handle, 'failed');
      expect(parked.channels[0]).toMatchObject({ status: 'failed', attempts: 1, lastErrorType: 'PermanentDeliveryError', lastError: 'hook: HTTP 404' });
      const desc = await handle.describe();
      expect(desc.searchAttributes).toMatchObject({ AlertDeliveryStatus: ['failed'], AlertFailedChannels: ['hook'] });
      fixed = true;
      const after = await handle.executeUpdate(retryUpdate);
      expect(after.status).toBe('delivered');
      expect(after.rounds).toBe(2);
    });
    expect(result.status).toBe('delivered');
    expect(records.map((r) => r.status)).toEqual(['failed', 'delivered']);
  });

  it('exhausted transient retries park the alert too', async () => {
    const { result } = await run([plan('hook')], () => 'transient', { redriveIntervalMs: 0, giveUpAfterMs: 3_600_000 });
    expect(result.status).toBe('abandoned');
    expect(result.channels[0]).toMatchObject({ status: 'failed', attempts: 3, lastErrorType: 'TransientDeliveryError' });
  });

  it('`abandon` ends a parked alert with the reason; `retry` is rejected once abandoned', async () => {
    const { result, records } = await run([plan('hook')], () => 'permanent', undefined, async (handle) => {
      await suite.until(handle, 'failed');
      const final = await handle.executeUpdate(abandonUpdate, { args: ['receiver decommissioned'] });
      expect(final).toMatchObject({ status: 'abandoned', abandonReason: 'receiver decommissioned' });
      // rejected by the validator, or (if the workflow already closed) because there is nothing to update
      const err = await handle.executeUpdate(retryUpdate).then(() => undefined, (e: Error) => e);
      expect(err?.name).toMatch(/^(WorkflowUpdateFailedError|WorkflowNotFoundError)$/);
    });
    expect(result.status).toBe('abandoned');
    expect(records.at(-1)!.status).toBe('abandoned');
  });

  it('automatic re-drive delivers once the receiver recovers (hours of timers, no wall time)', async () => {
    const t0 = Date.now();
    // fails in the first two rounds (one call each: permanent), succeeds in the third
    const { result } = await run([plan('hook')], (_c, _a, call) => (call <= 2 ? 'permanent' : 'ok'), { redriveIntervalMs: 3_600_000, giveUpAfterMs: 0 });
    expect(result).toMatchObject({ status: 'delivered', rounds: 3 });
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('the give-up deadline abandons an alert that keeps failing (days of timers)', async () => {
    const day = 86_400_000;
    const { result, calls } = await run([plan('hook')], () => 'permanent', { redriveIntervalMs: day, giveUpAfterMs: 3 * day });
    expect(result.status).toBe('abandoned');
    expect(result.abandonReason).toMatch(/gave up/);
    expect(calls.get('hook')).toBe(3); // first round + re-drives after day 1 and day 2; day 3 is the deadline
  });

  it('a long-parked alert continues as new before its history grows long; the next run keeps state, search attributes and operator commands', async () => {
    let fixed = false;
    const { result, events } = await run([plan('hook')], () => (fixed ? 'ok' : 'permanent'), { redriveIntervalMs: 60_000, giveUpAfterMs: 0 }, async (handle) => {
      let desc = await handle.describe();
      for (let i = 0; i < 100 && desc.runId === handle.firstExecutionRunId; i++) {
        await suite.env.sleep('30 minutes');
        desc = await handle.describe();
      }
      expect(desc.runId).not.toBe(handle.firstExecutionRunId);
      expect(desc.historyLength).toBeLessThan(PARKED_HISTORY_LIMIT);
      expect(desc.searchAttributes).toMatchObject({
        AlertDeliveryStatus: ['failed'], AlertFailedChannels: ['hook'], AlertSeverity: ['critical'], AlertRuleId: ['rule-cpu'],
      });
      const parked = await handle.query(statusQuery);
      expect(parked.status).toBe('failed');
      expect(parked.rounds).toBeGreaterThan(100); // the rounds of the first run were carried over
      expect(parked.channels[0]).toMatchObject({ channel: 'hook', status: 'failed', lastErrorType: 'PermanentDeliveryError' });
      fixed = true;
      const after = await handle.executeUpdate(retryUpdate); // by workflow ID: reaches the current run
      expect(after.status).toBe('delivered');
    });
    expect(result.status).toBe('delivered');
    expect(events.filter((e) => e === 'persist' || e === 'ack')).toEqual(['persist']); // never again in later runs
  });

  it('the give-up clock survives continue-as-new: it counts from when the alert was first parked', async () => {
    const { result, calls, events, handle, closed } = await run([plan('hook')], () => 'permanent', { redriveIntervalMs: 60_000, giveUpAfterMs: 6 * 3_600_000 });
    expect(closed.runId).not.toBe(handle.firstExecutionRunId); // it did continue as new
    expect(result).toMatchObject({ status: 'abandoned', abandonReason: expect.stringMatching(/gave up/) });
    expect(calls.get('hook')).toBe(360); // the first round + a re-drive every minute until the 6 h deadline, over several runs
    expect(result.rounds).toBe(360);
    expect(events.filter((e) => e === 'persist')).toHaveLength(1);
  });

  it('two channels, one failing: every channel settles before the record (ack-join); only the failed one is retried', async () => {
    let fixed = false;
    const script: Script = (c, _attempt, call) => (c === 'slack' ? (call < 3 ? 'transient' : 'ok') : fixed ? 'ok' : 'permanent');
    const { result, events } = await run([plan('slack'), plan('pager')], script, undefined, async (handle) => {
      const parked = await suite.until(handle, 'failed');
      expect(parked.channels.map((c) => [c.channel, c.status])).toEqual([['slack', 'delivered'], ['pager', 'failed']]);
      const desc = await handle.describe();
      expect(desc.searchAttributes.AlertFailedChannels).toEqual(['pager']);
      fixed = true;
      await handle.executeUpdate(retryUpdate);
    });
    expect(result.status).toBe('delivered');
    const firstRecord = events.indexOf('record:failed');
    expect(events.slice(0, firstRecord).filter((e) => e.startsWith('notify:slack'))).toHaveLength(3);
    expect(events.slice(0, firstRecord)).toContain('notify:pager:permanent');
    expect(events.slice(firstRecord).filter((e) => e.startsWith('notify:slack'))).toHaveLength(0);
  });

  it('a failing best-effort channel is recorded but does not park the alert', async () => {
    const { result } = await run([plan('hook'), plan('chat', { required: false })], (c) => (c === 'chat' ? 'permanent' : 'ok'));
    expect(result.status).toBe('delivered');
    expect(result.channels.find((c) => c.channel === 'chat')).toMatchObject({ status: 'failed', required: false });
  });
});
