// Fail loud: before doing any work, both processes check that every dependency is there and set up
// the way the service needs it. Anything wrong stops the process with a message naming it.
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { StartupCheckError } from './errors';
import { probeClusterSeeds, redisErrorMessage, type RedisClient, type RedisTarget } from './connections/redis';
import { SEARCH_ATTRIBUTES } from './contracts/search-attributes';
import type { AlertStore } from './store';
import type { TemporalTarget } from './connections/temporal';

/** Retries `fn` until it succeeds or `timeoutMs` passes; then throws StartupCheckError naming the component. */
export async function waitFor<T>(component: string, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (let delay = 200; ; delay = Math.min(delay * 2, 3000)) {
    try {
      return await withTimeout(fn(), Math.max(Math.min(5_000, deadline - Date.now()), 200));
    } catch (e) {
      if (e instanceof StartupCheckError) throw e;
      last = e;
    }
    if (Date.now() + delay > deadline) {
      throw new StartupCheckError(component, `not reachable after ${Math.round(timeoutMs / 1000)}s: ${(last as Error)?.message ?? last}`);
    }
    await new Promise((r) => setTimeout(r, delay));
  }
}

/** One attempt may hang (a client queueing commands while it reconnects): bound it. */
export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * PING answered. An attempt also ends at the client's next 'error' event: a Redis Cluster client keeps a
 * refused login to itself and queues the PING, so the event is where the reason is. Some reasons (a TLS
 * certificate refused) a Cluster client does not pass on at all: then each seed node is asked directly.
 */
export async function checkRedis(redis: RedisClient, timeoutMs: number, target?: RedisTarget): Promise<void> {
  try {
    await waitFor('Redis', timeoutMs, () => new Promise<string>((resolve, reject) => {
      const onError = (e: Error) => reject(new Error(redisErrorMessage(e)));
      redis.once('error', onError);
      redis.ping().then(resolve, reject).finally(() => redis.off('error', onError));
    }));
  } catch (e) {
    const seeds = target?.cluster ? await probeClusterSeeds(target) : [];
    if (!(e instanceof StartupCheckError) || !seeds.length) throw e;
    throw new StartupCheckError('Redis', `${e.message.replace(/^Redis: /, '')}; ${seeds.join('; ')}`);
  }
}

const SA_TYPE_NAMES: Record<string, number> = {
  KEYWORD: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  KEYWORD_LIST: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
  INT: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
};

/** How to add a missing search attribute, for where the namespace lives. */
export function searchAttributeFix(target: TemporalTarget): string {
  if (target.cloud) {
    return `Fix: add them in the Temporal Cloud UI (Namespaces → ${target.namespace} → Custom Search Attributes) or with \`tcld namespace search-attributes add --namespace ${target.namespace} --search-attribute "<Name>=<Type>"\`.`;
  }
  return `Fix: temporal operator search-attribute create --namespace ${target.namespace} --name <Name> --type <Type> (with the same connection settings; scripts/stack registers them on its servers).`;
}

/** Connects to Temporal and verifies the search attributes of the contract exist with the right types. */
export async function checkTemporal(target: TemporalTarget, timeoutMs: number): Promise<void> {
  const { namespace } = target;
  const connection = await waitFor('Temporal', timeoutMs, () => Connection.connect({ ...target.connection, connectTimeout: 5_000 }));
  try {
    const res = await waitFor('Temporal', timeoutMs, () => connection.operatorService.listSearchAttributes({ namespace }));
    const custom = res.customAttributes ?? {};
    const problems: string[] = [];
    for (const key of SEARCH_ATTRIBUTES) {
      const found = custom[key.name];
      const expected = SA_TYPE_NAMES[key.type];
      if (found === undefined) problems.push(`search attribute ${key.name} is missing (expected ${key.type})`);
      else if (Number(found) !== expected) problems.push(`search attribute ${key.name} has type ${temporal.api.enums.v1.IndexedValueType[found]}, expected ${key.type}`);
    }
    if (problems.length) {
      throw new StartupCheckError('Temporal', `namespace "${namespace}" at ${target.describe}: ${problems.join('; ')}. ${searchAttributeFix(target)}`);
    }
  } finally {
    await connection.close();
  }
}

/**
 * Reachable, credentials accepted, index present with our mapping (created if absent). Index-level calls
 * only (HEAD /<index>, create, get mapping): a least-privilege user without cluster rights passes.
 */
export async function checkStore(store: AlertStore, where: string, timeoutMs: number): Promise<void> {
  await waitFor('OpenSearch', timeoutMs, async () => {
    try {
      return await store.client.indices.exists({ index: store.index });
    } catch (e) {
      const status = (e as { meta?: { statusCode?: number } }).meta?.statusCode;
      if (status === 401 || status === 403) throw new StartupCheckError('OpenSearch', `${where} refused the credentials (HTTP ${status}): check OPENSEARCH_USERNAME and OPENSEARCH_PASSWORD[_FILE]`);
      throw e;
    }
  });
  await store.ensureIndex();
}
