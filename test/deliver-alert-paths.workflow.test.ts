// deliverAlert's edge paths: store refusals, replayed streams, operator actions mid-round, timeouts and
// deadlines, Retry-After, cancellation, concurrent updates. Time-skipping server with scripted activities.
import { WithStartWorkflowOperation, WorkflowFailedError, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ChannelPlan, ParkPolicy } from '../src/contracts/channels';
import type { DeliveryState } from '../src/contracts/delivery';
import { abandonUpdate, retryUpdate } from '../src/contracts/messages';
import { SA_STATUS } from '../src/contracts/search-attributes';
import type { deliverAlert } from '../src/workflows';
import { mockActivities, plan, request, type MockOptions, type Script } from '../tools/scripted-activities';
import { devServerEnv, uid } from './helpers/stack';
import { timeSkippingSuite } from './helpers/time-skipping-suite';
import { runWorkflow, until, withWorker, type WorkflowServer } from './helpers/workflow-run';

const suite = timeSkippingSuite();

type Handle = WorkflowHandleWithFirstExecutionRunId<typeof deliverAlert>;
interface RunOptions extends MockOptions {
  park?: ParkPolicy;
  alreadyDelivered?: boolean;
  body?: (h: Handle, events: string[]) => Promise<void>;
}

/** Runs one delivery to its end; returns its result (or the error it ended with) and what the activities saw. */
async function run(channels: ChannelPlan[], script: Script, o: RunOptions = {}, server: WorkflowServer = suite) {
  const mock = mockActivities(channels, script, o.park, o.alreadyDelivered, o);
  const body = o.body;
  const { result, error, closed } = await runWorkflow<typeof deliverAlert>(server, 'deliverAlert', {
    args: [request('1-0')], activities: mock.activities, workflowId: `alerts:${uid('m')}`, ...(body ? { body: (h) => body(h, mock.events) } : {}),
  });
  return { result, error, status: closed.typedSearchAttributes.get(SA_STATUS), ...mock };
}


describe('deliverAlert: one ID end to end', () => {
  it('the request\'s stream-qualified delivery ID is the idempotency key of every channel and the document to record', async () => {
    const { result, persistArgs, notifyInputs, recordInputs } = await run([plan('hook')], () => 'ok');
    expect(result!.status).toBe('delivered');
    expect(persistArgs[0].deliveryId).toBe('alerts:1-0');
    expect(notifyInputs[0]).toMatchObject({ deliveryId: 'alerts:1-0', messageId: '1-0', receivedAt: '2026-11-23T00:00:00.000Z' });
    expect(recordInputs.map((r) => r.deliveryId)).toEqual(['alerts:1-0']);
  });
});

describe('deliverAlert: the store refuses', () => {
  it.each(['StoreRefusedError', 'AlertConflictError'] as const)('persist refused (%s): nothing sent, ends rejected with the reason (the ingest acks the entry)', async (type) => {
    const { result, events, status } = await run([plan('hook')], () => 'ok', { persistRefused: type });
    expect(events).toEqual(['persist']);
    expect(result).toMatchObject({ status: 'rejected', rejectReason: expect.stringContaining('mapper_parsing_exception') });
    expect(status).toBe('rejected');
  });

  it('the outcome refused (document gone): the run fails visibly, naming it; the search attribute keeps the delivery status', async () => {
    const { error, events, status } = await run([plan('hook')], () => 'ok', { recordRefusedFor: 'delivered' });
    expect(events).toEqual(['persist', 'notify:hook:ok', 'record:delivered']);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = (error as WorkflowFailedError).cause as ApplicationFailure;
    expect(cause.type).toBe('OutcomeNotRecorded');
    expect(cause.message).toMatch(/delivery delivered, but the outcome could not be recorded: .*document_missing_exception/);
    expect(status).toBe('delivered');
  });
});

describe('deliverAlert: a replayed stream never notifies a finished delivery again', () => {
  it.each(['failed', 'abandoned', 'rejected', 'terminated'])('document already %s: no notify, no record, ends with that status', async (finishedAs) => {
    const { result, events, status } = await run([plan('hook')], () => 'ok', { finishedAs });
    expect(events).toEqual(['persist']);
    expect(result!.status).toBe(finishedAs);
    expect(status).toBe(finishedAs);
  });

  it('document already delivered (alreadyDelivered): no notify, no record, delivered', async () => {
    const { result, events, status } = await run([plan('hook')], () => 'ok', { alreadyDelivered: true });
    expect(events).toEqual(['persist']);
    expect(result!.status).toBe('delivered');
    expect(status).toBe('delivered');
  });
});

describe('deliverAlert: operators mid-round', () => {
  it('abandon while a channel request is in flight cancels it (heartbeat) and records abandoned', async () => {
    const { result, events, records } = await run([plan('hook', { timeoutMs: 60_000, retry: { maximumAttempts: 1 } })], () => 'ok', {
      notifyDelayMs: 30_000,
      body: async (h, events) => {
        await until(() => events.includes('notify:hook:started')); // the request is running
        await h.executeUpdate(abandonUpdate, { args: ['receiver decommissioned'] });
      },
    });
    expect(result).toMatchObject({ status: 'abandoned', abandonReason: 'receiver decommissioned' });
    expect(result!.channels[0]).toMatchObject({ status: 'failed', lastErrorType: 'Cancelled' });
    expect(events).not.toContain('notify:hook:ok');
    expect(records.at(-1)!.status).toBe('abandoned');
  });

  it('two concurrent retry updates: the second joins the round in flight; both return the delivered state', async () => {
    let fixed = false;
    let answers: DeliveryState[] = [];
    const { result, calls } = await run([plan('hook')], () => (fixed ? 'ok' : 'permanent'), {
      body: async (h) => {
        await suite.until(h, 'failed');
        fixed = true;
        answers = await Promise.all([h.executeUpdate(retryUpdate), h.executeUpdate(retryUpdate)]);
      },
    });
    expect(answers.map((a) => a.status)).toEqual(['delivered', 'delivered']);
    expect(result!.rounds).toBe(2);
    expect(calls.get('hook')).toBe(2);
  });

  it('cancelling a parked delivery records a final state before the run ends cancelled', async () => {
    const { error, events, records } = await run([plan('hook')], () => 'permanent', {
      body: async (h) => {
        await suite.until(h, 'failed');
        await h.cancel();
      },
    });
    expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect(events.at(-1)).toBe('record:abandoned');
    expect(records.at(-1)).toMatchObject({ status: 'abandoned', abandonReason: expect.stringMatching(/^cancelled/) });
  });
});

describe('deliverAlert: time bounds', () => {
  /** Runs until the alert parks, returns the parked state (then abandons it so the run ends). */
  async function parked(channels: ChannelPlan[], script: Script, o: MockOptions = {}) {
    let state!: DeliveryState;
    const r = await run(channels, script, {
      ...o,
      body: async (h) => {
        state = await suite.until(h, 'failed');
        await h.executeUpdate(abandonUpdate, { args: ['test done'] });
      },
    });
    return { state, ...r };
  }

  it('an attempt that outlives its timeout counts as a timeout; the alert parks as failed', async () => {
    const { state } = await parked([plan('hook', { timeoutMs: 1_000, retry: { initialInterval: 100, maximumAttempts: 2 } })], () => 'ok', { notifyDelayMs: 5_000 });
    expect(state.channels[0]).toMatchObject({ status: 'failed', lastErrorType: 'Timeout', attempts: 2 });
  });

  it('"unlimited attempts" end at the channel deadline: the alert parks as failed instead of staying pending', async () => {
    const unlimited = plan('hook', { deadlineMs: 5_000, retry: { initialInterval: 250, backoffCoefficient: 1, nonRetryableErrorTypes: ['PermanentDeliveryError'] } });
    const { state, calls } = await parked([unlimited], () => 'transient');
    expect(state.channels[0]).toMatchObject({ status: 'failed', lastErrorType: 'DeadlineExceeded', lastError: 'delivery deadline of 5s passed; last error: hook: HTTP 503' });
    // about four attempts a second for five seconds: bounded by the deadline, not by a count
    expect(calls.get('hook')).toBeGreaterThan(5);
    expect(calls.get('hook')).toBeLessThan(40);
  });
});

describe('deliverAlert on the dev server (real time, features the time-skipping server lacks)', () => {
  let dev: TestWorkflowEnvironment;
  beforeAll(async () => {
    dev = await devServerEnv();
  });
  afterAll(async () => {
    await dev?.teardown();
  });

  const onDev = (): WorkflowServer => ({ env: dev, workflowBundle: suite.workflowBundle });

  it('abandon before notify started (update-with-start, handled before persist returns) sends nothing', async () => {
    const mock = mockActivities([plan('hook')], () => 'ok');
    const { state, final } = await withWorker(onDev(), mock.activities, async (taskQueue) => {
      const start = new WithStartWorkflowOperation<typeof deliverAlert>('deliverAlert', {
        taskQueue, workflowId: `alerts:${uid('m')}`, args: [request('1-0')], workflowIdConflictPolicy: 'FAIL',
      });
      const answer = await dev.client.workflow.executeUpdateWithStart(abandonUpdate, { args: ['duplicate of INC-7'], startWorkflowOperation: start });
      // Closed: nothing can be sent after this.
      return { state: answer, final: await (await start.workflowHandle()).result() };
    });
    expect(state).toMatchObject({ status: 'abandoned', abandonReason: 'duplicate of INC-7', rounds: 0 });
    expect(final).toMatchObject({ status: 'abandoned', rounds: 0, channels: [] });
    expect(mock.events).toEqual(['persist', 'record:abandoned']);
    expect(mock.notifyInputs).toEqual([]);
  });

  it('a receiver\'s Retry-After sets the delay before the next attempt (not the policy\'s 100 ms)', async () => {
    const seen: number[] = [];
    const script: Script = (_c, _attempt, call) => {
      seen.push(Date.now());
      return call < 2 ? 'transient' : 'ok';
    };
    const { result } = await run([plan('hook', { retry: { initialInterval: 100, maximumInterval: 200, maximumAttempts: 3 } })], script, { retryAfterMs: 2_000 }, onDev());
    expect(result!.status).toBe('delivered');
    expect(seen).toHaveLength(2);
    expect(seen[1] - seen[0]).toBeGreaterThanOrEqual(1_900);
  });
});
