// Trivial workflows for the smoke tests.
import { sleep } from '@temporalio/workflow';

export function hello(name: string): Promise<string> {
  return Promise.resolve(`hello ${name}`);
}

export async function sleepADay(): Promise<string> {
  await sleep('1 day');
  return 'woke up';
}
