// The one place tests learn how to reach the local servers (scripts/stack) and get unique names.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@opensearch-project/opensearch';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import Redis from 'ioredis';
import { SEARCH_ATTRIBUTES } from '../../src/contracts/search-attributes';
import { OPENSEARCH_URL, REDIS_URL, TEMPORAL_CONNECTION } from '../../tools/local-stack';

/** The local stack's addresses and the clean-up after a run: tools/local-stack.ts (shared with bench/ and scripts/). */
export { OPENSEARCH_URL, REDIS_URL, TEMPORAL_ADDRESS, TEMPORAL_CONNECTION, TEMPORAL_ENV, cleanup, terminateOpen } from '../../tools/local-stack';

export const ROOT = path.join(__dirname, '..', '..');
/** True on the real Temporal server profile (mTLS frontend), false on the dev server. */
export const REAL_TEMPORAL_SERVER = process.env.STACK_TEMPORAL === 'server';

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
