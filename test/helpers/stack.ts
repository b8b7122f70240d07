// The one place tests learn how to reach the local servers (scripts/stack) and get unique names.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@opensearch-project/opensearch';
import type { Client as TemporalClient } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import Redis from 'ioredis';
import { SEARCH_ATTRIBUTES } from '../../src/shared';
import { withTimeout } from '../../src/startup';
import { loadTemporalTarget } from '../../src/connections/temporal';

export const ROOT = path.join(__dirname, '..', '..');
export const TEMPORAL_ADDRESS = process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
/**
 * The TEMPORAL_* connection variables of `scripts/stack env` (the dev server's address, or the real server's
 * address and mTLS files with STACK_TEMPORAL=server): what the service's processes get.
 */
export const TEMPORAL_ENV: Record<string, string> = Object.fromEntries(
  Object.entries({ TEMPORAL_ADDRESS, ...process.env }).filter((e): e is [string, string] => /^TEMPORAL_(ADDRESS|NAMESPACE|API_KEY|TLS(_.*)?)$/.test(e[0]) && e[1] !== undefined),
);
/** The same settings as connection options, read the way the service reads them. */
export const TEMPORAL_CONNECTION = loadTemporalTarget({ ...TEMPORAL_ENV, HOME: '/nonexistent' }).connection;
/** True on the real Temporal server profile (mTLS frontend), false on the dev server. */
export const REAL_TEMPORAL_SERVER = process.env.STACK_TEMPORAL === 'server';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const OPENSEARCH_URL = process.env.OPENSEARCH_URL ?? 'http://127.0.0.1:9200';

/** kill -9 of the stack's Temporal server, then `scripts/stack up` starts it again (same data). */
export function restartTemporal(): void {
  const home = process.env.ALERT_STACK_HOME ?? path.join(ROOT, '.stack');
  const pid = Number(fs.readFileSync(path.join(home, 'run', 'temporal.pid'), 'utf8').trim());
  process.kill(pid, 'SIGKILL');
  execFileSync(path.join(ROOT, 'scripts', 'stack'), ['up'], { stdio: 'ignore', timeout: 120_000 });
}

/** A unique, lower-case name for this test's stream, group, index and task queue. */
export function uid(prefix = 'test'): string {
  return `${prefix}-${randomUUID()}`;
}

let testServerPath: string | undefined;
export function testServerBinary(): string {
  testServerPath ??= process.env.TEMPORAL_TEST_SERVER ?? execFileSync(path.join(ROOT, 'scripts', 'stack'), ['path', 'test-server']).toString().trim();
  return testServerPath;
}

/**
 * A fresh time-skipping test server for this suite (started by the SDK from the stack's binary),
 * with the service's search attributes registered as on the real server.
 */
export async function timeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: testServerBinary() } } });
  const types = temporal.api.enums.v1.IndexedValueType;
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(
      SEARCH_ATTRIBUTES.map((k) => [k.name, { KEYWORD_LIST: types.INDEXED_VALUE_TYPE_KEYWORD_LIST, INT: types.INDEXED_VALUE_TYPE_INT, KEYWORD: types.INDEXED_VALUE_TYPE_KEYWORD }[k.type as string] ?? types.INDEXED_VALUE_TYPE_KEYWORD]),
    ),
  });
  return env;
}

/** The stack's Temporal server (the one the Web UI shows): the dev server, or the real one over mTLS. */
export function devServerEnv(): Promise<TestWorkflowEnvironment> {
  const { address, ...connectionOptions } = TEMPORAL_CONNECTION;
  return TestWorkflowEnvironment.createFromExistingServer({ address, connectionOptions });
}

export function redis(): Redis {
  return new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
}

export function opensearch(): Client {
  return new Client({ node: OPENSEARCH_URL, requestTimeout: 10_000 });
}

/** Deletes the test's stream keys and indices; ignores what is already gone. */
export async function cleanup(r: Redis | undefined, os: Client | undefined, keys: string[], indices: string[]): Promise<void> {
  if (r && keys.length) await withTimeout(r.del(...keys), 10_000).catch(() => undefined);
  // Each alert index has its incident index beside it (src/lifecycle/incidents.ts), and storm control's (src/storm/).
  if (os) for (const index of indices.flatMap((i) => [i, `${i}.incidents`, `${i}.inhibitors`, `${i}.silences`])) await os.indices.delete({ index }).catch(() => undefined);
}

/** Terminates the workflows still running on a test's own task queue (e.g. parked alerts), so none outlive it. */
export async function terminateOpen(client: TemporalClient, taskQueue: string, limit = 100_000): Promise<number> {
  let n = 0;
  try {
    for await (const wf of client.workflow.list({ query: `TaskQueue="${taskQueue}" AND ExecutionStatus="Running"` })) {
      await client.workflow.getHandle(wf.workflowId, wf.runId).terminate('test/bench clean-up').catch(() => undefined);
      if (++n >= limit) break;
    }
  } catch {
    // visibility unavailable: nothing more to do
  }
  return n;
}
