// Where things are, the clients: what every bench and chaos module starts from.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Client as OpenSearch } from '@opensearch-project/opensearch';
import { Client as TemporalClient, Connection } from '@temporalio/client';
import Redis from 'ioredis';
import { PACKAGE_ROOT } from '../../src/config';
import { withTimeout } from '../../src/startup';
import { connectRedis, loadRedisTarget } from '../../src/connections/redis';
import { CLUSTER_ENV, OPENSEARCH_URL, REDIS_URL, TEMPORAL_ADDRESS, TEMPORAL_CONNECTION, TEMPORAL_ENV, cleanup, terminateOpen } from '../../tools/local-stack';

/** Deletes stream keys and indices; ignores what is already gone (the tests' clean-up, tools/local-stack.ts). */
export { cleanup as dropData, terminateOpen, withTimeout };

// ---------------------------------------------------------------------------------------------
// Where things are

/** The checkout (works from bench/ and from dist/bench/). */
export const ROOT = PACKAGE_ROOT;
export const STACK_HOME = process.env.ALERT_STACK_HOME ?? path.join(ROOT, '.stack');
export const STACK_RUN = path.join(STACK_HOME, 'run');
export const RESULTS_DIR = path.join(ROOT, 'bench', 'results');
/** TEMPORAL_ENV: the TEMPORAL_* connection variables of `scripts/stack env`, as the service's processes get them. */
export { OPENSEARCH_URL, REDIS_URL, TEMPORAL_ADDRESS, TEMPORAL_ENV };

for (const [name, url] of [['REDIS_URL', REDIS_URL], ['OPENSEARCH_URL', OPENSEARCH_URL], ['TEMPORAL_ADDRESS', `tcp://${TEMPORAL_ADDRESS}`]]) {
  const host = new URL(url).hostname;
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(host)) {
    throw new Error(`${name} points at ${host}: the chaos run and the benchmark only run against the local stack (127.0.0.1)`);
  }
}

/** A short unique lower-case suffix for stream, index and task-queue names. */
export function runId(): string {
  return randomUUID().slice(0, 8);
}

export function stamp(d = new Date()): string {
  return d.toISOString().replace(/[:.]/g, '-').replace(/-\d{3}Z$/, 'Z');
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function say(tag: string, msg: string): void {
  process.stdout.write(`[${tag}] ${new Date().toISOString().slice(11, 23)} ${msg}\n`);
}

// ---------------------------------------------------------------------------------------------
// Clients

export function redisClient(): Redis {
  // maxRetriesPerRequest null: commands wait through a Redis restart instead of failing. Through the sentinels when
  // the stack has them (cluster profile), as the service's processes: a failover moves the client to the new primary.
  const problems: string[] = [];
  const target = loadRedisTarget(CLUSTER_ENV, REDIS_URL, problems);
  if (problems.length) throw new Error(`Redis settings of the stack: ${problems.join('; ')}`);
  const r = connectRedis(target, { maxRetriesPerRequest: null, connectTimeout: 5_000 }) as Redis;
  r.on('error', () => undefined);
  return r;
}

export function opensearchClient(): OpenSearch {
  return new OpenSearch({ node: OPENSEARCH_URL, requestTimeout: 30_000 });
}

export async function temporalClient(): Promise<{ client: TemporalClient; close: () => Promise<void> }> {
  const connection = await Connection.connect({ ...TEMPORAL_CONNECTION, connectTimeout: 10_000 });
  return { client: new TemporalClient({ connection }), close: () => connection.close() };
}
