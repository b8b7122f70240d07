// How the ingest, the worker, the intake and alertctl reach Redis, managed or not: standalone (REDIS_URL), through
// Redis Sentinel (REDIS_SENTINELS) or a Redis Cluster (REDIS_CLUSTER_NODES: seed nodes; the rest are discovered,
// MOVED/ASK followed; REDIS_URL then gives only the scheme, user and password, used on every node), each with TLS
// and ACL users. The variables: src/config/schema.ts (docs/configuration.md).
// On a Cluster, every command the service sends names one key: XGROUP/XREADGROUP/XAUTOCLAIM/XPENDING/XINFO/XACK
// on the stream, XADD to the stream (alertctl) or to the dead-letter stream (its own key, possibly in another
// slot: nothing writes both in one command or transaction). No MULTI, no pipeline, no script. So no hash tag is
// needed; the stream's slot decides which primary carries the whole ingest (one stream = one shard). ioredis
// cannot tell the key of XGROUP and XINFO (subcommands): it sends them to any primary and follows the MOVED.
// When the stream's slot moves, a blocked XREADGROUP ends with UNBLOCKED (one failed pass); the next follows MOVED.
// Secrets never appear in `describe`.
import type { ClusterOptions, RedisOptions } from 'ioredis';
import Redis, { Cluster, SentinelConnector, type SentinelConnectionOptions } from 'ioredis';
import type { ErrorEmitter } from 'ioredis/built/connectors/AbstractConnector';
import StandaloneConnector, { type StandaloneConnectionOptions } from 'ioredis/built/connectors/StandaloneConnector';
import type { NetStream } from 'ioredis/built/types';
import { isSet, readSettingFile, readVariables, type Env } from '../config/read';

/** A client of one Redis (standalone or through Sentinel) or of a Redis Cluster: the commands the service uses are the same. */
export type RedisClient = Redis | Cluster;

export interface RedisTarget {
  /** REDIS_URL without Sentinel or Cluster; undefined with them (then `options.sentinels` or `cluster` says where). */
  url?: string;
  /** REDIS_CLUSTER_NODES: the seed nodes of a Redis Cluster; `options` then apply to every node. */
  cluster?: Array<{ host: string; port: number }>;
  options: RedisOptions;
  /** For logs and errors: where and how, never a password. */
  describe: string;
}

/** Reads the Redis settings besides REDIS_URL (read by the caller, as `url`); every problem is pushed to `problems` (named, without secrets). */
export function loadRedisTarget(env: Env, url: string, problems: string[]): RedisTarget {
  const s = readVariables(env, ['REDIS_CLUSTER_NODES', 'REDIS_SENTINELS', 'REDIS_SENTINEL_MASTER', 'REDIS_SENTINEL_PASSWORD', 'REDIS_PASSWORD_FILE',
    'REDIS_TLS_CA_FILE', 'REDIS_TLS_CERT_FILE', 'REDIS_TLS_KEY_FILE', 'REDIS_TLS_SERVER_NAME'], problems);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { url, options: {}, describe: url }; // REDIS_URL itself is reported by the caller
  }
  const tlsWanted = parsed.protocol === 'rediss:';
  const ca = readSettingFile('REDIS_TLS_CA_FILE', s.REDIS_TLS_CA_FILE, problems);
  const cert = readSettingFile('REDIS_TLS_CERT_FILE', s.REDIS_TLS_CERT_FILE, problems);
  const key = readSettingFile('REDIS_TLS_KEY_FILE', s.REDIS_TLS_KEY_FILE, problems);
  if (Boolean(s.REDIS_TLS_CERT_FILE) !== Boolean(s.REDIS_TLS_KEY_FILE)) problems.push('REDIS_TLS_CERT_FILE and REDIS_TLS_KEY_FILE go together (a client certificate and its key)');
  if (!tlsWanted && (s.REDIS_TLS_CA_FILE || s.REDIS_TLS_CERT_FILE)) problems.push('REDIS_TLS_* is set but REDIS_URL is not rediss://');
  // Set, even with a bad entry (named in the problems): the other checks then speak of the Cluster meant.
  const clusterNodes = isSet(env, 'REDIS_CLUSTER_NODES') ? (s.REDIS_CLUSTER_NODES ?? []) : undefined;
  // A Cluster's nodes each have their own address: without REDIS_TLS_SERVER_NAME each is verified against its own.
  const servername = s.REDIS_TLS_SERVER_NAME || (clusterNodes ? undefined : parsed.hostname);
  const tls = tlsWanted ? { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}), ...(servername ? { servername } : {}) } : undefined;
  const passwordFromFile = readSettingFile('REDIS_PASSWORD_FILE', s.REDIS_PASSWORD_FILE, problems)?.toString('utf8').trim();
  const username = decodeURIComponent(parsed.username) || undefined;
  const password = passwordFromFile ?? (decodeURIComponent(parsed.password) || undefined);
  const auth = [tls ? (cert ? 'mTLS' : 'TLS') : 'plaintext', ...(username ? [`user ${username}`] : []), ...(password ? ['password'] : [])].join(', ');

  if (clusterNodes) {
    if (isSet(env, 'REDIS_SENTINELS')) problems.push('REDIS_CLUSTER_NODES and REDIS_SENTINELS exclude each other: a Cluster finds its primaries itself');
    if (!['', '/', '/0'].includes(parsed.pathname)) problems.push(`REDIS_URL: database ${parsed.pathname.slice(1)}: a Redis Cluster has database 0 only`);
    return {
      cluster: clusterNodes,
      options: { ...(username ? { username } : {}), ...(password ? { password } : {}), ...(tls ? { tls } : {}) },
      describe: `cluster ${clusterNodes.map((n) => `${n.host}:${n.port}`).join(',')} (${auth})`,
    };
  }
  const sentinels = isSet(env, 'REDIS_SENTINELS') ? (s.REDIS_SENTINELS ?? []) : undefined;
  if (sentinels) {
    const name = s.REDIS_SENTINEL_MASTER;
    return {
      options: {
        sentinels,
        name,
        ...(username ? { username } : {}),
        ...(password ? { password } : {}),
        ...(s.REDIS_SENTINEL_PASSWORD ? { sentinelPassword: s.REDIS_SENTINEL_PASSWORD } : {}),
        ...(tls ? { tls, enableTLSForSentinelMode: true } : {}),
      },
      describe: `sentinel ${sentinels.map((n) => `${n.host}:${n.port}`).join(',')} master ${name} (${auth})`,
    };
  }
  return {
    url: `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`,
    options: { ...(username ? { username } : {}), ...(password ? { password } : {}), ...(tls ? { tls } : {}) },
    describe: `${parsed.protocol}//${parsed.host} (${auth})`,
  };
}

/**
 * A client for the target, with the caller's behaviour options (timeouts, retries) on top. With a Cluster
 * they apply to each node's connection (`lazyConnect` to the cluster client, a numeric `maxRetriesPerRequest`
 * also to reaching the cluster at all); with TLS the nodes' names are connected to as given (no DNS lookup
 * first), so each certificate is checked against the name it was made for.
 */
export function connectRedis(target: RedisTarget, extra: RedisOptions = {}): RedisClient {
  if (target.cluster) {
    const { lazyConnect, ...node } = extra;
    const retries = extra.maxRetriesPerRequest;
    const options: ClusterOptions = {
      lazyConnect,
      redisOptions: { ...target.options, ...node, Connector: GuardedStandalone },
      // bounded retries (alertctl): an unreachable cluster fails the command instead of queueing it forever
      ...(typeof retries === 'number' ? { clusterRetryStrategy: (times: number) => (times > retries ? null : Math.min(100 * times, 2_000)) } : {}),
      ...(target.options.tls ? { dnsLookup: (address, callback) => callback(null, address) } : {}),
    };
    return new Cluster(target.cluster, options);
  }
  const options = { ...target.options, ...extra, Connector: target.options.sentinels ? GuardedSentinel : GuardedStandalone };
  return target.url ? new Redis(target.url, options) : new Redis(options);
}

/**
 * ioredis listens for its socket's first 'error' only (`once`). A TLS socket refused in its handshake may emit a
 * second one (ECONNRESET after the server's "certificate required" alert; redis/ioredis#961, not fixed there),
 * which, unheard, is thrown and ends the process instead of the start-up check naming Redis. The first error is
 * ioredis's (it reports it on the client and reconnects on 'close'); later ones on the same socket are its echo.
 */
const hearLaterErrors = (stream: NetStream): NetStream => stream.on('error', () => {});
class GuardedStandalone extends StandaloneConnector {
  constructor(options: unknown) {
    super(options as StandaloneConnectionOptions);
  }
  override async connect(emit: ErrorEmitter): Promise<NetStream> {
    return hearLaterErrors(await super.connect(emit));
  }
}
class GuardedSentinel extends SentinelConnector {
  constructor(options: unknown) {
    super(options as SentinelConnectionOptions);
  }
  override async connect(emit: ErrorEmitter): Promise<NetStream> {
    return hearLaterErrors(await super.connect(emit));
  }
}

/** An error event's message; a Cluster's ("Failed to refresh slots cache.") with the node's reason, e.g. WRONGPASS. */
export function redisErrorMessage(e: Error): string {
  const node = (e as Error & { lastNodeError?: unknown }).lastNodeError;
  return node instanceof Error ? `${e.message} ${node.message}` : e.message;
}

/** Each Cluster seed node asked alone (PING, as one node; all at once, ≤ timeoutMs): `seed host:port: reason` for each that fails. */
export async function probeClusterSeeds(target: RedisTarget, timeoutMs = 3_000): Promise<string[]> {
  const probeOne = async ({ host, port }: { host: string; port: number }): Promise<string | undefined> => {
    const probe = new Redis({ ...target.options, Connector: GuardedStandalone, host, port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, enableOfflineQueue: false, connectTimeout: timeoutMs });
    let failure: Error | undefined;
    probe.on('error', (e: Error) => (failure ??= e));
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        probe.connect().then(() => probe.ping()),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs))),
      ]);
      return undefined;
    } catch (e) {
      return `seed ${host}:${port}: ${(failure ?? (e as Error)).message}`;
    } finally {
      clearTimeout(timer);
      probe.disconnect();
    }
  };
  return (await Promise.all((target.cluster ?? []).map(probeOne))).filter((r) => r !== undefined);
}
