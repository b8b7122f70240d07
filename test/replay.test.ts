// Replay: every recorded history (one per deliverAlert path, recorded by scripts/record-histories.ts)
// must replay against the current workflow code without a non-determinism error.
//   test/histories/*.json                          — the current workflow (patch `one-task-delivery`: persist,
//                                                     first attempts and record in one workflow task, no ack)
//   test/histories/before-one-task/*.json          — started before that patch (local bookkeeping, the workflow
//                                                     acks, notify as a regular activity)
//   test/histories/before-local-bookkeeping/*.json — started before the `local-bookkeeping` patch.
//   test/histories/encrypted/*.json                — recorded with payload encryption (--encrypt, the fixed test key
//                                                     of test/helpers/replay-keys.ts): replayed with the codec; the
//                                                     plain ones replay with it too (a fleet half upgraded).
// Parked alerts can be open for days, so an upgrade must not break them.
// Deliberately reordered workflows prove the check can fail.
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { payloadDataConverter } from '../src/codec';
import { serviceWorkflowBundle } from './helpers/bundle';
import { REPLAY_TEST_KEYS, REPLAY_TEST_KEY_ID } from './helpers/replay-keys';

const current = path.join(__dirname, 'histories');
const beforeOneTask = path.join(current, 'before-one-task');
const beforePatch = path.join(current, 'before-local-bookkeeping');
const encrypted = path.join(current, 'encrypted');
const jsonIn = (dir: string) => fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
const PATHS = [
  'delivered.json', 'transient-then-delivered.json', 'failed-retried-delivered.json', 'failed-abandoned.json',
  'two-channels-one-failed-retried.json', 'redriven-delivered.json', 'gave-up.json', 'already-delivered.json', 'best-effort-failed.json',
];
/** Paths that exist since "no alert stuck, none confused" (current histories only). */
const NEW_PATHS = ['store-refused.json', 'already-finished.json', 'cancelled.json', 'abandoned-before-notify.json',
  'incident-duplicate.json', 'incident-resolve-sent.json', 'incident-escalated-acknowledged.json', 'incident-resolved-while-parked.json'];

/**
 * Storm control's paths (current histories only; decided by the persist result), and the group's own workflow.
 * storm-inhibited-before-waits.json was recorded before the inhibited-waits-for-source patch (an inhibited alert
 * ended at once): it must keep replaying, on its old path, and cannot be recorded again.
 */
const STORM_PATHS = ['storm-grouped.json', 'storm-inhibited-before-waits.json', 'storm-inhibited.json', 'storm-resolve-wakes-inhibited.json', 'storm-silenced-then-delivered.json', 'group-notified-resolved.json'];

function load(dir: string, file: string): unknown {
  return JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
}

interface HistoryEvent {
  eventId: string;
  eventType: string;
  [attributes: string]: any;
}

/** A JSON payload of a recorded history (base64 in `data`); null for a missing or binary/null one. */
const decode = (p?: { data?: string }): any => (p?.data ? JSON.parse(Buffer.from(p.data, 'base64').toString('utf8')) : null);

/**
 * What a recorded history shows the workflow did, in the same words for both kinds of histories
 * (local bookkeeping activities are markers, older ones regular activities):
 * bookkeeping steps, each notify outcome, AlertDeliveryStatus changes, operator updates, fired timers, the end.
 */
function story(dir: string, file: string) {
  const events = (load(dir, file) as { events: HistoryEvent[] }).events;
  const activityType = new Map<string, string>();
  const steps: string[] = [];
  let result: any = null;
  for (const e of events) {
    const t = e.eventType.replace('EVENT_TYPE_', '');
    if (t === 'ACTIVITY_TASK_SCHEDULED') {
      const name: string = e.activityTaskScheduledEventAttributes.activityType.name;
      activityType.set(e.eventId, name);
      if (name !== 'notifyChannel') steps.push(name);
    } else if (t === 'MARKER_RECORDED' && e.markerRecordedEventAttributes.markerName === 'core_local_activity') {
      const type: string = decode(e.markerRecordedEventAttributes.details.data.payloads[0]).activity_type;
      const failure = e.markerRecordedEventAttributes.failure;
      // a first attempt made locally (one-task delivery)
      if (type === 'notifyChannel') steps.push(failure ? `first attempt failed (${failure.cause?.applicationFailureInfo?.type ?? failure.applicationFailureInfo?.type})` : 'first attempt ok');
      else steps.push(type);
    } else if (t === 'ACTIVITY_TASK_COMPLETED' && activityType.get(e.activityTaskCompletedEventAttributes.scheduledEventId) === 'notifyChannel') {
      steps.push('notify ok');
    } else if (t === 'ACTIVITY_TASK_FAILED' && activityType.get(e.activityTaskFailedEventAttributes.scheduledEventId) === 'notifyChannel') {
      steps.push(`notify failed (${e.activityTaskFailedEventAttributes.failure.applicationFailureInfo?.type})`);
    } else if (t === 'UPSERT_WORKFLOW_SEARCH_ATTRIBUTES') {
      const f = e.upsertWorkflowSearchAttributesEventAttributes.searchAttributes.indexedFields;
      if (f.AlertDeliveryStatus) steps.push(`${decode(f.AlertDeliveryStatus)} [${(decode(f.AlertFailedChannels) ?? []).join(',')}]`);
    } else if (t === 'WORKFLOW_EXECUTION_UPDATE_ACCEPTED') {
      const input = e.workflowExecutionUpdateAcceptedEventAttributes.acceptedRequest.input;
      const args = (input.args?.payloads ?? []).map(decode).map((v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v)));
      steps.push(`update ${input.name}(${args.join(', ')})`);
    } else if (t === 'TIMER_FIRED') {
      steps.push('timer');
    } else if (t === 'SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED') {
      steps.push('hand-over failed');
    } else if (t === 'WORKFLOW_EXECUTION_SIGNALED') {
      const { signalName, input } = e.workflowExecutionSignaledEventAttributes;
      const member = signalName === 'join' ? decode(input.payloads[0]) : null;
      steps.push(member ? `signal join(${member.alertId} ${member.status})` : `signal ${signalName}`);
    } else if (t === 'WORKFLOW_EXECUTION_COMPLETED') {
      result = decode(e.workflowExecutionCompletedEventAttributes.result.payloads[0]);
      steps.push(`completed ${result.status}`);
    } else if (t.startsWith('WORKFLOW_EXECUTION_') && !['STARTED', 'UPDATE_COMPLETED'].some((k) => t.endsWith(k))) {
      steps.push(t.slice('WORKFLOW_EXECUTION_'.length).toLowerCase());
    }
  }
  const channels = (result?.channels ?? []).map((c: any) => `${c.channel}${c.required ? '' : ' (best effort)'}: ${c.status} after ${c.attempts}`);
  return { steps, channels, abandonReason: result?.abandonReason ?? null };
}

const START = ['persistAlert', 'ackMessage'];
/** Per path: what its history recorded before the one-task delivery must show (before-one-task/, before-local-bookkeeping/). */
const EXPECTED_BEFORE: Record<string, ReturnType<typeof story>> = {
  'delivered.json': {
    steps: [...START, 'notify ok', 'delivered []', 'recordOutcome', 'completed delivered'],
    channels: ['hook: delivered after 1'], abandonReason: null,
  },
  'transient-then-delivered.json': { // the transient failures are retries inside the one notify activity
    steps: [...START, 'notify ok', 'delivered []', 'recordOutcome', 'completed delivered'],
    channels: ['hook: delivered after 3'], abandonReason: null,
  },
  'failed-retried-delivered.json': {
    steps: [...START, 'notify failed (PermanentDeliveryError)', 'failed [hook]', 'recordOutcome', 'update retry()', 'notify ok', 'delivered []', 'recordOutcome', 'completed delivered'],
    channels: ['hook: delivered after 2'], abandonReason: null,
  },
  'failed-abandoned.json': {
    steps: [...START, 'notify failed (PermanentDeliveryError)', 'failed [hook]', 'recordOutcome', 'update abandon(receiver decommissioned)', 'abandoned [hook]', 'recordOutcome', 'completed abandoned'],
    channels: ['hook: failed after 1'], abandonReason: 'receiver decommissioned',
  },
  'two-channels-one-failed-retried.json': { // the retry re-runs only the failed channel
    steps: [...START, 'notify ok', 'notify failed (PermanentDeliveryError)', 'failed [pager]', 'recordOutcome', 'update retry()', 'notify ok', 'delivered []', 'recordOutcome', 'completed delivered'],
    channels: ['slack: delivered after 1', 'pager: delivered after 2'], abandonReason: null,
  },
  'redriven-delivered.json': { // no operator: the re-drive timer re-runs the channel
    steps: [...START, 'notify failed (PermanentDeliveryError)', 'failed [hook]', 'recordOutcome', 'timer', 'notify ok', 'delivered []', 'recordOutcome', 'completed delivered'],
    channels: ['hook: delivered after 2'], abandonReason: null,
  },
  'gave-up.json': { // no operator, no re-drive: the give-up timer abandons it
    steps: [...START, 'notify failed (PermanentDeliveryError)', 'failed [hook]', 'recordOutcome', 'timer', 'abandoned [hook]', 'recordOutcome', 'completed abandoned'],
    channels: ['hook: failed after 1'], abandonReason: expect.stringMatching(/^gave up: still failing .* after it was parked$/),
  },
  'already-delivered.json': { // the document says delivered: nothing is notified again
    steps: [...START, 'delivered []', 'completed delivered'],
    channels: [], abandonReason: null,
  },
  'best-effort-failed.json': { // a failed best-effort channel does not park the alert
    steps: [...START, 'notify ok', 'notify failed (PermanentDeliveryError)', 'delivered []', 'recordOutcome', 'completed delivered'],
    channels: ['hook: delivered after 1', 'chat (best effort): failed after 1'], abandonReason: null,
  },
  'store-refused.json': { // the store refuses the alert: acked, nothing sent, ends rejected
    steps: [...START, 'rejected []', 'completed rejected'],
    channels: [], abandonReason: null,
  },
  'already-finished.json': { // a replayed stream: the document already ended (abandoned): nothing sent, nothing recorded
    steps: [...START, 'abandoned []', 'completed abandoned'],
    channels: [], abandonReason: null,
  },
  'cancelled.json': { // cancelled while parked: the final state is recorded before the run ends cancelled
    steps: [...START, 'notify failed (PermanentDeliveryError)', 'failed [hook]', 'recordOutcome', 'cancel_requested', 'abandoned [hook]', 'recordOutcome', 'canceled'],
    channels: [], abandonReason: null,
  },
  'abandoned-before-notify.json': { // abandoned with the start (update-with-start): nothing is sent
    steps: ['update abandon(duplicate of another incident)', ...START, 'abandoned []', 'recordOutcome', 'completed abandoned'],
    channels: [], abandonReason: 'duplicate of another incident',
  },
  'incident-duplicate.json': { // its incident is already paged: recorded as a duplicate, nothing sent
    steps: [...START, 'duplicate []', 'recordOutcome', 'completed duplicate'],
    channels: [], abandonReason: null,
  },
  'incident-resolve-sent.json': { // a resolved event whose firing delivery has finished: it sends the resolved notifications itself
    steps: [...START, 'hand-over failed', 'planResolved', 'notify ok', 'delivered []', 'recordOutcome', 'completed delivered'],
    channels: ['hook: delivered after 1'], abandonReason: null,
  },
  'incident-escalated-acknowledged.json': { // level 1 after its timer; the acknowledgement stops level 2
    steps: [...START, 'notify ok', 'delivered []', 'recordOutcome', 'timer', 'notify ok', 'delivered []', 'recordOutcome',
      'update acknowledge({"by":"alice","via":"alertctl"})', 'recordAcknowledged', 'delivered []', 'recordOutcome', 'completed delivered'],
    channels: ['chat: delivered after 1', 'pager: delivered after 1'], abandonReason: null,
  },
  'incident-resolved-while-parked.json': { // resolved while parked: stops, and the channel it reached gets the resolved notification
    steps: [...START, 'notify ok', 'notify failed (PermanentDeliveryError)', 'failed [pager]', 'recordOutcome', 'signal incidentResolved',
      'abandoned [pager]', 'recordOutcome', 'notify ok', 'abandoned [pager]', 'recordOutcome', 'completed abandoned'],
    channels: ['slack: delivered after 1', 'pager: failed after 1', 'slack:resolved (best effort): delivered after 1'],
    abandonReason: 'incident resolved (by alerts:9-0) while failed channels were parked',
  },
};

/**
 * Per path: what its current history must show. No ack (the ingest acks); a notification's first attempt is a
 * local activity in the workflow task; a transient failure hands over to the regular activity after the
 * policy's first interval (the timer); a permanent one parks at once, as the activity's retries would.
 */
const EXPECTED: Record<string, ReturnType<typeof story>> = {
  'delivered.json': {
    steps: ['persistAlert', 'first attempt ok', 'delivered []', 'recordOutcome', 'completed delivered'],
    channels: ['hook: delivered after 1'], abandonReason: null,
  },
  'transient-then-delivered.json': { // attempt 1 locally; the regular activity makes attempts 2 and 3
    steps: ['persistAlert', 'first attempt failed (TransientDeliveryError)', 'timer', 'notify ok', 'delivered []', 'recordOutcome', 'completed delivered'],
    channels: ['hook: delivered after 3'], abandonReason: null,
  },
  'failed-retried-delivered.json': {
    steps: ['persistAlert', 'first attempt failed (PermanentDeliveryError)', 'failed [hook]', 'recordOutcome', 'update retry()', 'notify ok', 'delivered []', 'recordOutcome', 'completed delivered'],
    channels: ['hook: delivered after 2'], abandonReason: null,
  },
  'failed-abandoned.json': {
    steps: ['persistAlert', 'first attempt failed (PermanentDeliveryError)', 'failed [hook]', 'recordOutcome', 'update abandon(receiver decommissioned)', 'abandoned [hook]', 'recordOutcome', 'completed abandoned'],
    channels: ['hook: failed after 1'], abandonReason: 'receiver decommissioned',
  },
  'two-channels-one-failed-retried.json': { // the retry re-runs only the failed channel
    steps: ['persistAlert', 'first attempt ok', 'first attempt failed (PermanentDeliveryError)', 'failed [pager]', 'recordOutcome', 'update retry()', 'notify ok', 'delivered []', 'recordOutcome', 'completed delivered'],
    channels: ['slack: delivered after 1', 'pager: delivered after 2'], abandonReason: null,
  },
  'redriven-delivered.json': { // no operator: the re-drive timer re-runs the channel (a regular activity)
    steps: ['persistAlert', 'first attempt failed (PermanentDeliveryError)', 'failed [hook]', 'recordOutcome', 'timer', 'notify ok', 'delivered []', 'recordOutcome', 'completed delivered'],
    channels: ['hook: delivered after 2'], abandonReason: null,
  },
  'gave-up.json': {
    steps: ['persistAlert', 'first attempt failed (PermanentDeliveryError)', 'failed [hook]', 'recordOutcome', 'timer', 'abandoned [hook]', 'recordOutcome', 'completed abandoned'],
    channels: ['hook: failed after 1'], abandonReason: expect.stringMatching(/^gave up: still failing .* after it was parked$/),
  },
  'already-delivered.json': { steps: ['persistAlert', 'delivered []', 'completed delivered'], channels: [], abandonReason: null },
  'best-effort-failed.json': {
    steps: ['persistAlert', 'first attempt ok', 'first attempt failed (PermanentDeliveryError)', 'delivered []', 'recordOutcome', 'completed delivered'],
    channels: ['hook: delivered after 1', 'chat (best effort): failed after 1'], abandonReason: null,
  },
  'store-refused.json': { steps: ['persistAlert', 'rejected []', 'completed rejected'], channels: [], abandonReason: null },
  'already-finished.json': { steps: ['persistAlert', 'abandoned []', 'completed abandoned'], channels: [], abandonReason: null },
  'cancelled.json': {
    steps: ['persistAlert', 'first attempt failed (PermanentDeliveryError)', 'failed [hook]', 'recordOutcome', 'cancel_requested', 'abandoned [hook]', 'recordOutcome', 'canceled'],
    channels: [], abandonReason: null,
  },
  'abandoned-before-notify.json': {
    steps: ['update abandon(duplicate of another incident)', 'persistAlert', 'abandoned []', 'recordOutcome', 'completed abandoned'],
    channels: [], abandonReason: 'duplicate of another incident',
  },
  'incident-duplicate.json': { steps: ['persistAlert', 'duplicate []', 'recordOutcome', 'completed duplicate'], channels: [], abandonReason: null },
  'incident-resolve-sent.json': {
    steps: ['persistAlert', 'hand-over failed', 'planResolved', 'first attempt ok', 'delivered []', 'recordOutcome', 'completed delivered'],
    channels: ['hook: delivered after 1'], abandonReason: null,
  },
  'incident-escalated-acknowledged.json': { // escalation levels are regular activities
    steps: ['persistAlert', 'first attempt ok', 'delivered []', 'recordOutcome', 'timer', 'notify ok', 'delivered []', 'recordOutcome',
      'update acknowledge({"by":"alice","via":"alertctl"})', 'recordAcknowledged', 'delivered []', 'recordOutcome', 'completed delivered'],
    channels: ['chat: delivered after 1', 'pager: delivered after 1'], abandonReason: null,
  },
  'incident-resolved-while-parked.json': {
    steps: ['persistAlert', 'first attempt ok', 'first attempt failed (PermanentDeliveryError)', 'failed [pager]', 'recordOutcome', 'signal incidentResolved',
      'abandoned [pager]', 'recordOutcome', 'notify ok', 'abandoned [pager]', 'recordOutcome', 'completed abandoned'],
    channels: ['slack: delivered after 1', 'pager: failed after 1', 'slack:resolved (best effort): delivered after 1'],
    abandonReason: 'incident resolved (by alerts:9-0) while failed channels were parked',
  },
  // storm control: a grouped alert joins its group and sends nothing itself; an inhibited or silenced one waits
  'storm-grouped.json': { steps: ['persistAlert', 'joinGroup', 'grouped []', 'recordOutcome', 'completed grouped'], channels: [], abandonReason: null },
  'storm-inhibited-before-waits.json': { steps: ['persistAlert', 'inhibited []', 'recordOutcome', 'completed inhibited'], channels: [], abandonReason: null },
  // since inhibited-waits-for-source: open until the source's resolve signals it, then screened again and notified;
  // its hold is confirmed right after it is recorded (a wake may have listed before the record)
  'storm-inhibited.json': {
    steps: ['persistAlert', 'inhibited []', 'recordOutcome', 'confirmHold', 'signal inhibitionEnded', 'silenceInForce', 'first attempt ok', 'delivered []', 'recordOutcome', 'completed delivered'],
    channels: ['hook: delivered after 1'], abandonReason: null,
  },
  // the source's resolve wakes what it held back (a regular activity, beside its own resolved notification)
  'storm-resolve-wakes-inhibited.json': {
    steps: ['persistAlert', 'wakeInhibited', 'hand-over failed', 'planResolved', 'first attempt ok', 'delivered []', 'recordOutcome', 'completed delivered'],
    channels: ['hook: delivered after 1'], abandonReason: null,
  },
  'storm-silenced-then-delivered.json': {
    steps: ['persistAlert', 'silenced []', 'recordOutcome', 'confirmHold', 'timer', 'silenceInForce', 'first attempt ok', 'delivered []', 'recordOutcome', 'completed delivered'],
    channels: ['hook: delivered after 1'], abandonReason: null,
  },
  // the group: two joins, group_wait, one notification (status, then its members' documents); both resolve; the resolved notification; the end
  'group-notified-resolved.json': {
    steps: ['signal join(a-1 firing)', 'signal join(a-2 firing)', 'timer', 'notify ok', 'delivered []', 'recordGroupMembers',
      'signal join(a-1 resolved)', 'signal join(a-2 resolved)', 'timer', 'notify ok', 'delivered []', 'recordGroupMembers', 'completed delivered'],
    channels: ['hook: delivered after 1'], abandonReason: null,
  },
};

describe('replay of recorded histories', () => {
  it.each([['test/histories', current], ['test/histories/before-one-task', beforeOneTask], ['test/histories/before-local-bookkeeping', beforePatch]])('%s covers every path of the workflow', (_name, dir) => {
    expect(jsonIn(dir)).toEqual(expect.arrayContaining(dir === beforePatch ? PATHS : [...PATHS, ...NEW_PATHS]));
    expect(Object.keys(EXPECTED).sort()).toEqual([...PATHS, ...NEW_PATHS, ...STORM_PATHS].sort());
    if (dir === current) expect(jsonIn(dir)).toEqual(expect.arrayContaining(STORM_PATHS));
    expect(Object.keys(EXPECTED_BEFORE).sort()).toEqual([...PATHS, ...NEW_PATHS].sort());
  });

  // A file per path is not coverage: each history must actually show its path (a re-recording that went
  // another way, or a copy of delivered.json under another name, must fail here).
  it.each([
    ...[...PATHS, ...NEW_PATHS, ...STORM_PATHS].map((file) => [`test/histories/${file}`, current, file]),
    ...[...PATHS, ...NEW_PATHS].map((file) => [`test/histories/before-one-task/${file}`, beforeOneTask, file]),
    ...PATHS.map((file) => [`test/histories/before-local-bookkeeping/${file}`, beforePatch, file]),
  ])(
    '%s records its path',
    (_name, dir, file) => {
      expect(story(dir, file)).toEqual(dir === current ? EXPECTED[file] : EXPECTED_BEFORE[file]);
    },
  );

  it('a parked alert that continued as new: its first run ends in continue-as-new, the next run starts parked', () => {
    const types = (file: string) => (load(current, file) as { events: Array<{ eventType: string }> }).events.map((e) => e.eventType);
    expect(types('parked-continued-as-new-first-run.json').at(-1)).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW');
    expect(types('parked-continued-as-new.json').at(-1)).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');
    const first = story(current, 'parked-continued-as-new-first-run.json').steps;
    expect(first.slice(0, 4)).toEqual(['persistAlert', 'first attempt failed (PermanentDeliveryError)', 'failed [hook]', 'recordOutcome']);
    expect(first.filter((s) => s === 'timer').length).toBeGreaterThan(100); // re-drives until the history is long
    expect(first).not.toContain('notify ok');
    expect(first.at(-1)).toBe('continued_as_new');
    // the next run starts parked: no persist or ack again, its first step is the re-drive timer
    expect(story(current, 'parked-continued-as-new.json').steps).toEqual(['timer', 'notify ok', 'delivered []', 'recordOutcome', 'completed delivered']);
  });

  it('a delivered alert now takes one workflow task, no activity task, one patch marker and one status update', () => {
    const events = (dir: string, file = 'delivered.json') => (load(dir, file) as { events: Array<{ eventType: string }> }).events.map((e) => e.eventType);
    const count = (types: string[], type: string) => types.filter((t) => t === `EVENT_TYPE_${type}`).length;
    for (const file of ['delivered.json', 'incident-resolve-sent.json']) {
      expect(count(events(current, file), 'WORKFLOW_TASK_COMPLETED')).toBe(file === 'delivered.json' ? 1 : 2); // the hand-over signal's answer: a second task
      expect(count(events(current, file), 'ACTIVITY_TASK_SCHEDULED')).toBe(0);
    }
    expect(events(current)).toHaveLength(11);
    expect(count(events(current), 'MARKER_RECORDED')).toBe(4); // the patch + persist, first attempt, record
    expect(count(events(current), 'UPSERT_WORKFLOW_SEARCH_ATTRIBUTES')).toBe(2); // the patch's TemporalChangeVersion + the status
    // before: 2 workflow tasks, 1 activity task (notify), ack marker; before local bookkeeping: 4 activity tasks
    expect(count(events(beforeOneTask), 'WORKFLOW_TASK_COMPLETED')).toBe(2);
    expect(count(events(beforeOneTask), 'ACTIVITY_TASK_SCHEDULED')).toBe(1);
    expect(count(events(beforePatch), 'ACTIVITY_TASK_SCHEDULED')).toBe(4);
  });

  it('a paging delivery shows its incident state in the same search-attribute update as its status', () => {
    const upserts = (load(current, 'incident-escalated-acknowledged.json') as { events: HistoryEvent[] }).events
      .filter((e) => e.eventType === 'EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES')
      .map((e) => Object.keys(e.upsertWorkflowSearchAttributesEventAttributes.searchAttributes.indexedFields).sort());
    expect(upserts[0]).toEqual(['TemporalChangeVersion']);
    expect(upserts[1]).toEqual(['AlertDeliveryStatus', 'AlertFailedChannels', 'AlertState']);
  });

  it.each(jsonIn(current))('%s replays against the current workflow code', async (file) => {
    const workflowBundle = await serviceWorkflowBundle();
    await Worker.runReplayHistory({ workflowBundle }, load(current, file), file);
  });

  it.each(jsonIn(beforeOneTask))('%s (started before the one-task-delivery patch) replays against the current code', async (file) => {
    const workflowBundle = await serviceWorkflowBundle();
    await Worker.runReplayHistory({ workflowBundle }, load(beforeOneTask, file), `before-one-task/${file}`);
  });

  it.each(jsonIn(beforePatch))('%s (started before the local-bookkeeping patch) replays against the current code', async (file) => {
    const workflowBundle = await serviceWorkflowBundle();
    await Worker.runReplayHistory({ workflowBundle }, load(beforePatch, file), `before-patch/${file}`);
  });

  it('a non-deterministic change (ack before persist) is caught', async () => {
    const run = Worker.runReplayHistory({ workflowsPath: require.resolve('./workflows/reordered') }, load(beforeOneTask, 'delivered.json'), 'reordered');
    await expect(run).rejects.toBeInstanceOf(DeterminismViolationError);
  });

  it('the one-task shape without its patch (first attempt as a regular activity) is caught on a one-task history', async () => {
    const run = Worker.runReplayHistory({ workflowsPath: require.resolve('./workflows/regular-first-attempt') }, load(current, 'delivered.json'), 'regular-first-attempt');
    await expect(run).rejects.toBeInstanceOf(DeterminismViolationError);
  });

  describe('with payload encryption', () => {
    const withCodec = payloadDataConverter(REPLAY_TEST_KEYS);

    it('the encrypted histories hold ciphertext under the test key, the same paths as the plain ones', () => {
      expect(jsonIn(encrypted)).toEqual(['delivered.json', 'failed-retried-delivered.json']);
      for (const file of jsonIn(encrypted)) {
        const input = (load(encrypted, file) as { events: HistoryEvent[] }).events[0].workflowExecutionStartedEventAttributes.input.payloads[0];
        expect(Buffer.from(input.metadata.encoding, 'base64').toString()).toBe('binary/encrypted');
        expect(Buffer.from(input.metadata['encryption-key-id'], 'base64').toString()).toBe(REPLAY_TEST_KEY_ID);
        // the same path, event for event (workflow tasks aside: how many there are depends on timing)
        const types = (dir: string) => (load(dir, file) as { events: HistoryEvent[] }).events.map((e) => e.eventType).filter((t) => !t.includes('WORKFLOW_TASK'));
        expect(types(encrypted)).toEqual(types(current));
      }
    });

    it.each(jsonIn(encrypted))('encrypted/%s replays with the codec', async (file) => {
      const workflowBundle = await serviceWorkflowBundle();
      await Worker.runReplayHistory({ workflowBundle, dataConverter: withCodec }, load(encrypted, file), `encrypted/${file}`);
    });

    it.each([
      ['without the codec', {}, /binary\/encrypted/],
      ['with another key under another ID', payloadDataConverter({ currentKeyId: 'other', keys: new Map([['other', Buffer.alloc(32, 7)]]) }), new RegExp(`encryption key ${REPLAY_TEST_KEY_ID} is not configured`)],
      ['with another key under the same ID', payloadDataConverter({ currentKeyId: REPLAY_TEST_KEY_ID, keys: new Map([[REPLAY_TEST_KEY_ID, Buffer.alloc(32, 7)]]) }), /authentication failed/],
    ])('an encrypted history replayed %s fails', async (_how, dataConverter, why) => {
      const workflowBundle = await serviceWorkflowBundle();
      const run = Worker.runReplayHistory({ workflowBundle, dataConverter }, load(encrypted, 'delivered.json'), 'encrypted/delivered.json');
      await expect(run).rejects.toThrow(why);
    });

    it.each([...jsonIn(current).map((f) => [f, current]), ...jsonIn(beforeOneTask).map((f) => [`before-one-task/${f}`, beforeOneTask])])(
      '%s (plain) replays with the codec configured',
      async (file, dir) => {
        const workflowBundle = await serviceWorkflowBundle();
        await Worker.runReplayHistory({ workflowBundle, dataConverter: withCodec }, load(dir, path.basename(file)), `with-codec/${file}`);
      },
    );
  });
});
