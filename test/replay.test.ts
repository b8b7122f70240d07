// Replay: every recorded history (one per deliverAlert path, test/histories/*.json, recorded by
// scripts/record-histories.ts) must replay against the current workflow code without a
// non-determinism error. A deliberately reordered workflow proves the check can fail.
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { serviceWorkflowBundle } from './helpers/bundle';

const dir = path.join(__dirname, 'histories');
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

function load(file: string): unknown {
  return JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
}

describe('replay of recorded histories', () => {
  it('covers every path of the workflow', () => {
    expect(files).toEqual(expect.arrayContaining([
      'delivered.json', 'transient-then-delivered.json', 'failed-retried-delivered.json', 'failed-abandoned.json',
      'two-channels-one-failed-retried.json', 'redriven-delivered.json', 'gave-up.json', 'already-delivered.json',
    ]));
  });

  it.each(files)('%s replays against the current workflow code', async (file) => {
    const workflowBundle = await serviceWorkflowBundle();
    await Worker.runReplayHistory({ workflowBundle }, load(file), file);
  });

  it('a non-deterministic change (ack before persist) is caught', async () => {
    const run = Worker.runReplayHistory({ workflowsPath: require.resolve('./workflows/reordered') }, load('delivered.json'), 'reordered');
    await expect(run).rejects.toBeInstanceOf(DeterminismViolationError);
  });
});
