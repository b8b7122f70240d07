// Replay: every recorded history (one per deliverAlert path, recorded by scripts/record-histories.ts)
// must replay against the current workflow code without a non-determinism error.
//   test/histories/*.json                          — the current workflow (local bookkeeping activities)
//   test/histories/before-local-bookkeeping/*.json — workflows started before the `local-bookkeeping`
//                                                     patch: parked alerts can be open for days, so an
//                                                     upgrade must not break them.
// Deliberately reordered workflows prove the check can fail.
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { serviceWorkflowBundle } from './helpers/bundle';

const current = path.join(__dirname, 'histories');
const beforePatch = path.join(current, 'before-local-bookkeeping');
const jsonIn = (dir: string) => fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
const PATHS = [
  'delivered.json', 'transient-then-delivered.json', 'failed-retried-delivered.json', 'failed-abandoned.json',
  'two-channels-one-failed-retried.json', 'redriven-delivered.json', 'gave-up.json', 'already-delivered.json', 'best-effort-failed.json',
];

function load(dir: string, file: string): unknown {
  return JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
}

describe('replay of recorded histories', () => {
  it.each([['test/histories', current], ['test/histories/before-local-bookkeeping', beforePatch]])('%s covers every path of the workflow', (_name, dir) => {
    expect(jsonIn(dir)).toEqual(expect.arrayContaining(PATHS));
  });

  it('a parked alert that continued as new: its first run ends in continue-as-new, the next run starts parked', () => {
    const types = (file: string) => (load(current, file) as { events: Array<{ eventType: string }> }).events.map((e) => e.eventType);
    expect(types('parked-continued-as-new-first-run.json').at(-1)).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW');
    expect(types('parked-continued-as-new.json').at(-1)).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');
  });

  it('the current histories use local bookkeeping activities, the older ones regular activities', () => {
    const events = (dir: string) => (load(dir, 'delivered.json') as { events: Array<{ eventType: string }> }).events.map((e) => e.eventType);
    expect(events(current).filter((t) => t === 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED')).toHaveLength(1); // notify only
    expect(events(current).filter((t) => t === 'EVENT_TYPE_MARKER_RECORDED')).toHaveLength(4); // patch + persist, ack, record
    expect(events(beforePatch).filter((t) => t === 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED')).toHaveLength(4);
  });

  it.each(jsonIn(current))('%s replays against the current workflow code', async (file) => {
    const workflowBundle = await serviceWorkflowBundle();
    await Worker.runReplayHistory({ workflowBundle }, load(current, file), file);
  });

  it.each(jsonIn(beforePatch))('%s (started before the local-bookkeeping patch) replays against the current code', async (file) => {
    const workflowBundle = await serviceWorkflowBundle();
    await Worker.runReplayHistory({ workflowBundle }, load(beforePatch, file), `before-patch/${file}`);
  });

  it('a non-deterministic change (ack before persist) is caught', async () => {
    const run = Worker.runReplayHistory({ workflowsPath: require.resolve('./workflows/reordered') }, load(current, 'delivered.json'), 'reordered');
    await expect(run).rejects.toBeInstanceOf(DeterminismViolationError);
  });
});
