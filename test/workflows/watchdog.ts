// Workflows for the workflow-thread watchdog's test (test/workflow-watchdog.test.ts).
import { sleep } from '@temporalio/workflow';

export function greet(name: string): Promise<string> {
  return Promise.resolve(`hello ${name}`);
}

/** Never yields: workflow code the watchdog must stop. */
export function spin(): Promise<string> {
  let n = 0;
  for (;;) n = (n + 1) % 1_000_000_007;
}

/** Waits a day: a workflow whose stack trace can be asked for. */
export async function nap(): Promise<string> {
  await sleep('1 day');
  return 'rested';
}
