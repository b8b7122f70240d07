// The chaos run's faults (scripts/chaos.ts) beyond killing its own processes: a stack server stopped, and those of
// the cluster profile (STACK_TEMPORAL=cluster, scripts/lib/cluster.sh): kill -9 of the Temporal node that owns the
// most history shards, kill -9 of an OpenSearch node, a Redis Sentinel failover. Each says what it hit; the run
// restarts what it stopped afterwards (`scripts/stack up`) and measures the recovery.
import Redis from 'ioredis';
import { OPENSEARCH_URL, pidAlive, say, sleep, stackPid } from '../harness';

/** The stack runs the real Temporal server (STACK_TEMPORAL=server or cluster, see scripts/stack env). */
export const REAL_SERVER = process.env.STACK_TEMPORAL === 'server' || process.env.STACK_TEMPORAL === 'cluster';
export const CLUSTER = process.env.STACK_TEMPORAL === 'cluster';

export type ClusterFault = 'temporal-node' | 'opensearch-node' | 'redis-failover';
export const CLUSTER_FAULTS: ClusterFault[] = ['temporal-node', 'opensearch-node', 'redis-failover'];
export type FaultKind = 'worker' | 'ingest' | 'redis' | 'opensearch' | 'temporal' | ClusterFault;
export const KINDS: FaultKind[] = ['worker', 'ingest', 'redis', 'opensearch', 'temporal', ...CLUSTER_FAULTS];

const TEMPORAL_PORT = Number((process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233').split(':')[1]);
const OPENSEARCH_PORT = Number(new URL(OPENSEARCH_URL).port || 9200);

/** History shards each Temporal node owns now (its `numshards_gauge`, Prometheus on its port + 767). */
export async function shardsByNode(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const n of [1, 2, 3]) {
    try {
      const res = await fetch(`http://127.0.0.1:${TEMPORAL_PORT + 20 * n + 767}/metrics`, { signal: AbortSignal.timeout(3_000) });
      const line = (await res.text()).split('\n').find((l) => l.startsWith('numshards_gauge'));
      out[`temporal-${n}`] = line ? Number(line.trim().split(/\s+/).pop()) : 0;
    } catch {
      out[`temporal-${n}`] = 0; // down
    }
  }
  return out;
}

/** kill -9 of the Temporal node that owns the most history shards: which one, and the shards of each before. */
export async function killBusiestTemporalNode(): Promise<string> {
  const shards = await shardsByNode();
  const [node] = Object.entries(shards).sort((a, b) => b[1] - a[1])[0];
  await stopServer(node, 0);
  return `${node} (shards before: ${Object.entries(shards).map(([k, v]) => `${k} ${v}`).join(', ')})`;
}

async function osGet<T>(port: number, p: string): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${port}${p}`, { signal: AbortSignal.timeout(5_000) });
  if (!res.ok) throw new Error(`GET ${p}: ${res.status}`);
  return (await res.json()) as T;
}

/**
 * kill -9 of the OpenSearch node that is not the elected cluster manager. Two manager-eligible nodes keep one of them
 * in the voting configuration: losing that one leaves no cluster manager until it is back (docs/scaling.md); losing the
 * other, its primaries' replicas on the survivor are promoted and writes go on.
 */
export async function killOpenSearchNode(): Promise<string> {
  const [manager] = await osGet<{ node: string }[]>(OPENSEARCH_PORT + 1, '/_cat/cluster_manager?format=json');
  const victim = manager.node === 'os-1' ? 2 : 1;
  const shards = await osGet<{ node: string; prirep: string }[]>(OPENSEARCH_PORT + 1, '/_cat/shards?format=json&h=node,prirep');
  const primaries = shards.filter((s) => s.node === `os-${victim}` && s.prirep === 'p').length;
  await stopServer(`opensearch-${victim}`, 0);
  return `opensearch-${victim} (not the cluster manager; ${primaries} primary shards on it)`;
}

/** The sentinels fail the Redis primary over to its replica; returns once they name the new primary. */
export async function redisFailover(timeoutMs = 30_000): Promise<string> {
  const [host, port] = (process.env.REDIS_SENTINELS ?? '').split(',')[0].split(':');
  const master = process.env.REDIS_SENTINEL_MASTER ?? '';
  if (!host || !master) throw new Error('REDIS_SENTINELS / REDIS_SENTINEL_MASTER not set: the cluster profile runs the sentinels');
  const sentinel = new Redis({ host, port: Number(port), maxRetriesPerRequest: 3 });
  try {
    const primary = async () => ((await sentinel.call('SENTINEL', 'get-master-addr-by-name', master)) as string[])[1];
    const before = await primary();
    await sentinel.call('SENTINEL', 'FAILOVER', master);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const now = await primary();
      if (now !== before) return `primary ${before} → ${now}`;
      if (Date.now() > deadline) throw new Error(`the sentinels did not fail over within ${timeoutMs / 1000} s`);
      await sleep(100);
    }
  } finally {
    sentinel.disconnect();
  }
}

export function describe(kind: FaultKind): string {
  switch (kind) {
    case 'worker':
      return 'kill -9 of the worker (restarted at once)';
    case 'ingest':
      return 'kill -9 of the ingest (restarted at once)';
    case 'redis':
      return 'Redis restart (kill -TERM, then scripts/stack up)';
    case 'opensearch':
      return 'OpenSearch stopped (kill -TERM), started again after the outage with scripts/stack up';
    case 'temporal':
      return REAL_SERVER ? 'kill -9 of the Temporal server (PostgreSQL profile), then scripts/stack up' : 'Temporal dev server restart (kill -TERM, then scripts/stack up)';
    case 'temporal-node':
      return 'kill -9 of the Temporal node owning the most history shards (the other two take them over), restarted after the outage';
    case 'opensearch-node':
      return 'kill -9 of the OpenSearch node that is not the cluster manager (its replicas on the other promoted), restarted after the outage';
    case 'redis-failover':
      return 'Redis Sentinel failover (SENTINEL FAILOVER: the replica becomes the primary)';
  }
}

/** kill -TERM of a stack server by its pid file; waits until it is gone (kill -9 after `graceMs`; 0: kill -9 at once). */
export async function stopServer(name: string, graceMs: number): Promise<void> {
  const pid = stackPid(name);
  if (!pid) throw new Error(`${name} is not running from this checkout's pid file`);
  process.kill(pid, graceMs > 0 ? 'SIGTERM' : 'SIGKILL');
  const deadline = Date.now() + graceMs;
  while (pidAlive(pid)) {
    if (graceMs > 0 && Date.now() > deadline) {
      say('chaos', `${name} (pid ${pid}) still running ${graceMs / 1000} s after SIGTERM: kill -9`);
      process.kill(pid, 'SIGKILL');
    }
    await sleep(100);
  }
}
