// Where the local stack's servers are (`scripts/stack env`: Redis, Temporal, OpenSearch) and how to clean up after a
// run on it: what the tests, the benchmark and the chaos and storm runs share. tools/ is the code test/, bench/ and
// scripts/ share: it imports only src/ and packages, never test/, bench/ or scripts/.
import type { Client as OpenSearch } from '@opensearch-project/opensearch';
import type { Client as TemporalClient } from '@temporalio/client';
import type Redis from 'ioredis';
import { loadTemporalTarget } from '../src/connections/temporal';
import { withTimeout } from '../src/startup';

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
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const OPENSEARCH_URL = process.env.OPENSEARCH_URL ?? 'http://127.0.0.1:9200';
/**
 * What `scripts/stack env` adds with the cluster profile (STACK_TEMPORAL=cluster): the sentinels that name the Redis
 * primary, and the index's replica. The service's processes get them; the harness's own Redis client follows them too.
 */
export const CLUSTER_ENV: Record<string, string> = Object.fromEntries(
  Object.entries(process.env).filter((e): e is [string, string] => /^(REDIS_SENTINELS|REDIS_SENTINEL_MASTER|OPENSEARCH_INDEX_REPLICAS)$/.test(e[0]) && e[1] !== undefined),
);

/** Deletes a run's stream keys and indices; ignores what is already gone. */
export async function cleanup(r: Redis | undefined, os: OpenSearch | undefined, keys: string[], indices: string[]): Promise<void> {
  if (r && keys.length) await withTimeout(r.del(...keys), 10_000).catch(() => undefined);
  // Each alert index has its incident index beside it (src/lifecycle/incidents.ts), and storm control's (src/storm/).
  if (os) for (const index of indices.flatMap((i) => [i, `${i}.incidents`, `${i}.inhibitors`, `${i}.silences`])) await os.indices.delete({ index }).catch(() => undefined);
}

/** Terminates the workflows still running on a run's own task queue (e.g. parked alerts), so none outlive it. */
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
