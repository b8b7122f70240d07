// Replay: every recorded history must replay against the current workflow code without a non-determinism error.
//   test/histories/<version>/*.json            one history per path of deliverAlert (and the group's workflow), recorded
//                                              by scripts/record-histories.ts from that version's workflow: a released
//                                              version's histories are its running workflows, never recorded again
//                                              (docs/development.md: changing a running workflow)
//   test/histories/<version>/encrypted/*.json  recorded with payload encryption (the fixed test key of
//                                              tools/replay-keys.ts): replayed with the codec; the plain ones replay
//                                              with it too (a fleet half upgraded)
// Each configuration replays all of them in one pass (Worker.runReplayHistories). Each 1.0 history must also show
// its path (its story). Deliberately changed workflows prove the check can fail.
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { payloadDataConverter } from '../src/codec';
import { REPLAY_TEST_KEYS, REPLAY_TEST_KEY_ID } from '../tools/replay-keys';
import { serviceWorkflowBundle } from './helpers/bundle';
import { HISTORIES as root, eventsOf, jsonIn, load, recordedHistories, replayAll, story } from './helpers/history-story';

jest.setTimeout(120_000);

/**
 * 1.1's new paths (on call, docs/oncall.md): who is resolved when the level fires (resolvePage, a local activity),
 * the person's first contact is a local first attempt under the person's key; the acknowledgement stops their later
 * step (mail, 10 min) and level 2; a resolve while paging tells the person through the contact that reached them;
 * nobody on call: the policy's fallback channel is notified instead.
 */
const EXPECTED_1_1: Record<string, ReturnType<typeof story>> = {
  'oncall-paged-acknowledged.json': {
    steps: ['persistAlert', 'delivered []', 'recordOutcome', 'resolvePage', 'delivered []', 'first attempt ok', 'recordOutcome', 'delivered []', 'recordOutcome',
      'update acknowledge({"by":"alice","via":"alertctl"})', 'recordAcknowledged', 'delivered []', 'recordOutcome', 'completed delivered'],
    channels: ['alice:chat:1 (best effort): delivered after 1'], abandonReason: null,
  },
  'oncall-resolved-while-paging.json': { // the resolve stops the mail step; alice hears of it where the page reached her
    steps: ['persistAlert', 'delivered []', 'recordOutcome', 'resolvePage', 'delivered []', 'first attempt ok', 'recordOutcome', 'delivered []', 'recordOutcome',
      'signal incidentResolved', 'planResolved', 'notify ok', 'delivered []', 'recordOutcome', 'completed delivered'],
    channels: ['alice:chat:1 (best effort): delivered after 1', 'alice:chat:resolved (best effort): delivered after 1'], abandonReason: null,
  },
  'oncall-nobody-fallback.json': {
    steps: ['persistAlert', 'delivered []', 'recordOutcome', 'resolvePage', 'notify ok', 'delivered []', 'recordOutcome', 'completed delivered'],
    channels: ['ops: delivered after 1'], abandonReason: null,
  },
};

/** The baseline: version 1.0's workflow. */
const v1 = path.join(root, '1.0');
const { plain, encrypted } = recordedHistories();

/**
 * Per 1.0 history: what it must show. No ack (the ingest acks); a notification's first attempt is a local activity
 * in the workflow task; a transient failure hands over to the regular activity after the policy's first interval
 * (the timer); a permanent one parks at once, as the activity's retries would.
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
  // open until the source's resolve signals it, then screened again and notified; its hold is confirmed right after
  // it is recorded (a wake may have listed before the record)
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
  // A file per path is not coverage: each history must actually show its path (a re-recording that went
  // another way, or a copy of delivered.json under another name, must fail here).
  it('1.0 has a history of every path, and no other', () => {
    expect(jsonIn(v1)).toEqual([...Object.keys(EXPECTED), 'parked-continued-as-new-first-run.json', 'parked-continued-as-new.json'].sort());
    expect(jsonIn(path.join(v1, 'encrypted'))).toEqual(['delivered.json', 'failed-retried-delivered.json']);
  });

  it.each(Object.keys(EXPECTED))('1.0/%s records its path', (file) => {
    expect(story(v1, file)).toEqual(EXPECTED[file]);
  });

  it.each(Object.keys(EXPECTED_1_1))('1.1/%s records its path', (file) => {
    expect(story(path.join(root, '1.1'), file)).toEqual(EXPECTED_1_1[file]);
  });

  it('a parked alert that continued as new: its first run ends in continue-as-new, the next run starts parked', () => {
    const types = (file: string) => eventsOf(v1, file).map((e) => e.eventType);
    expect(types('parked-continued-as-new-first-run.json').at(-1)).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW');
    expect(types('parked-continued-as-new.json').at(-1)).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');
    const first = story(v1, 'parked-continued-as-new-first-run.json').steps;
    expect(first.slice(0, 4)).toEqual(['persistAlert', 'first attempt failed (PermanentDeliveryError)', 'failed [hook]', 'recordOutcome']);
    expect(first.filter((s) => s === 'timer').length).toBeGreaterThan(100); // re-drives until the history is long
    expect(first).not.toContain('notify ok');
    expect(first.at(-1)).toBe('continued_as_new');
    // the next run starts parked: nothing persisted again, its first step is the re-drive timer; it records locally
    expect(story(v1, 'parked-continued-as-new.json').steps).toEqual(['timer', 'notify ok', 'delivered []', 'recordOutcome', 'completed delivered']);
    expect(types('parked-continued-as-new.json').filter((t) => t === 'EVENT_TYPE_MARKER_RECORDED')).toHaveLength(1);
  });

  it('a delivered alert takes one workflow task, no activity task, three markers and one status update', () => {
    const count = (file: string, type: string) => eventsOf(v1, file).filter((e) => e.eventType === `EVENT_TYPE_${type}`).length;
    expect(count('delivered.json', 'WORKFLOW_TASK_COMPLETED')).toBe(1);
    expect(count('incident-resolve-sent.json', 'WORKFLOW_TASK_COMPLETED')).toBe(2); // the hand-over signal's answer: a second task
    for (const file of ['delivered.json', 'incident-resolve-sent.json']) expect(count(file, 'ACTIVITY_TASK_SCHEDULED')).toBe(0);
    expect(eventsOf(v1, 'delivered.json')).toHaveLength(9);
    expect(count('delivered.json', 'MARKER_RECORDED')).toBe(3); // persist, first attempt, record
    expect(count('delivered.json', 'UPSERT_WORKFLOW_SEARCH_ATTRIBUTES')).toBe(1); // the status
  });

  it('a paging delivery shows its incident state in the same search-attribute update as its status', () => {
    const upserts = eventsOf(v1, 'incident-escalated-acknowledged.json')
      .filter((e) => e.eventType === 'EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES')
      .map((e) => Object.keys(e.upsertWorkflowSearchAttributesEventAttributes.searchAttributes.indexedFields).sort());
    expect(upserts[0]).toEqual(['AlertDeliveryStatus', 'AlertFailedChannels', 'AlertState']);
  });

  it('every recorded history replays against the current workflow code', async () => {
    expect(await replayAll({ workflowBundle: await serviceWorkflowBundle() }, plain)).toEqual({});
  });

  it.each([
    ['record before persist', 'reordered'],
    ['the first attempt as a regular activity instead of a local one', 'regular-first-attempt'],
  ])('a non-deterministic change (%s) is caught on the 1.0 history', async (_what, dir) => {
    const failed = await replayAll({ workflowsPath: require.resolve(`./workflows/${dir}`) }, ['1.0/delivered.json']);
    expect(Object.keys(failed)).toEqual(['1.0/delivered.json']);
    expect(failed['1.0/delivered.json']).toMatch(new RegExp(`^${DeterminismViolationError.name}`));
  });

  describe('with payload encryption', () => {
    const withCodec = payloadDataConverter(REPLAY_TEST_KEYS);

    it('the encrypted histories hold ciphertext under the test key, the same paths as the plain ones', () => {
      for (const file of encrypted) {
        const events = eventsOf(root, file);
        const input = events[0].workflowExecutionStartedEventAttributes.input.payloads[0];
        expect(Buffer.from(input.metadata.encoding, 'base64').toString()).toBe('binary/encrypted');
        expect(Buffer.from(input.metadata['encryption-key-id'], 'base64').toString()).toBe(REPLAY_TEST_KEY_ID);
        // the same path, event for event (workflow tasks aside: how many there are depends on timing)
        const types = (f: string) => eventsOf(root, f).map((e) => e.eventType).filter((t) => !t.includes('WORKFLOW_TASK'));
        expect(types(file)).toEqual(types(file.replace('/encrypted/', '/')));
      }
      expect(encrypted).toEqual(['1.0/encrypted/delivered.json', '1.0/encrypted/failed-retried-delivered.json']);
    });

    it('every history, encrypted or plain, replays with the codec configured', async () => {
      expect(await replayAll({ workflowBundle: await serviceWorkflowBundle(), dataConverter: withCodec }, [...encrypted, ...plain])).toEqual({});
    });

    it.each([
      ['without the codec', {}, /binary\/encrypted/],
      ['with another key under another ID', payloadDataConverter({ currentKeyId: 'other', keys: new Map([['other', Buffer.alloc(32, 7)]]) }), new RegExp(`encryption key ${REPLAY_TEST_KEY_ID} is not configured`)],
      ['with another key under the same ID', payloadDataConverter({ currentKeyId: REPLAY_TEST_KEY_ID, keys: new Map([[REPLAY_TEST_KEY_ID, Buffer.alloc(32, 7)]]) }), /authentication failed/],
    ])('an encrypted history replayed %s fails', async (_how, dataConverter, why) => {
      const workflowBundle = await serviceWorkflowBundle();
      const run = Worker.runReplayHistory({ workflowBundle, dataConverter }, load(root, '1.0/encrypted/delivered.json'), 'encrypted/delivered.json');
      await expect(run).rejects.toThrow(why);
    });
  });
});
