// Service configuration from the environment, validated at start-up: every bad value is named at once.
import { envInt } from './env-int';
import os from 'node:os';
import path from 'node:path';
import { parseDuration } from './duration';
import { ConfigError } from './errors';
import { loadAckSecret } from './intake/ack-secret';
import { DEFAULT_TASK_QUEUE, type ParkPolicy } from './shared';
import { loadOpenSearchTarget, type OpenSearchTarget } from './connections/opensearch';
import { loadRedisTarget, type RedisTarget } from './connections/redis';
import { loadTemporalTarget, type TargetOverrides, type TemporalTarget } from './connections/temporal';

export interface ServiceConfig {
  /** REDIS_URL (redis://127.0.0.1:6379) */
  redisUrl: string;
  /** REDIS_URL plus REDIS_TLS_*, REDIS_PASSWORD_FILE, REDIS_SENTINELS, REDIS_CLUSTER_NODES (see connections/redis.ts). */
  redis: RedisTarget;
  /** ALERT_STREAM (alerts) */
  stream: string;
  /** ALERT_CONSUMER_GROUP (alert-processor) */
  group: string;
  /** INGEST_CONSUMER (the host name): this ingest's consumer name in the group. */
  consumer: string;
  /**
   * How to reach Temporal, loaded like the `temporal` CLI (see connections/temporal.ts): TEMPORAL_ADDRESS
   * (localhost:7233), TEMPORAL_NAMESPACE (default), TEMPORAL_API_KEY[_FILE], TEMPORAL_TLS_*, TEMPORAL_PROFILE,
   * temporal.toml.
   */
  temporal: TemporalTarget;
  /** The namespace (= temporal.namespace). */
  namespace: string;
  /** TEMPORAL_TASK_QUEUE (alert-delivery) */
  taskQueue: string;
  /** OPENSEARCH_URL (http://localhost:9200) */
  opensearchUrl: string;
  /** OPENSEARCH_URL plus OPENSEARCH_USERNAME/_PASSWORD[_FILE], OPENSEARCH_CA_FILE, index settings (see connections/opensearch.ts). */
  opensearch: OpenSearchTarget;
  /** ALERT_INDEX (alerts) */
  index: string;
  /** CHANNELS_FILE (config/channels.yaml in this package) */
  channelsFile: string;
  ingest: {
    /** INGEST_BATCH_SIZE (100): entries read per XREADGROUP. */
    batchSize: number;
    /** INGEST_CONCURRENCY (32): workflow starts in flight at once. */
    concurrency: number;
    /** INGEST_BLOCK (1s): how long one XREADGROUP waits for new entries. */
    blockMs: number;
    /** INGEST_RECLAIM_IDLE (60s): entries pending on another consumer this long are reclaimed (XAUTOCLAIM). */
    reclaimIdleMs: number;
    /** MAX_EVENT_BYTES (262144): larger `event` fields are rejected (Temporal caps payloads at 2 MB). */
    maxEventBytes: number;
    /**
     * INGEST_MAX_IN_FLIGHT (1000): new entries are read only while fewer deliveries than this are
     * in flight on the task queue (started, not yet recorded); 0 = no limit. A backlog then waits in
     * the stream (visible as the group's lag) instead of as open workflows that outgrow the worker's cache.
     */
    maxInFlight: number;
    /**
     * INGEST_MAX_ATTEMPTS (5): an entry whose own handling keeps failing (Temporal refuses its start, its
     * rejection cannot be recorded) is given up after this many deliveries (the stream's delivery count):
     * recorded as `rejected`, or else added to the dead-letter stream, then acked. Outages never count.
     */
    maxAttempts: number;
    /** INGEST_DEAD_LETTER_STREAM (`<stream>:dead-letter`): where an entry goes that can be recorded nowhere else. */
    deadLetterStream: string;
  };
  /** REDRIVE_INTERVAL (1h) and GIVE_UP_AFTER (7d): what a parked (failed) alert does by itself; 0 = never. */
  park: ParkPolicy;
  /**
   * RECONCILE_INTERVAL (30s; 0 = off): how often the worker records a final state in the documents of
   * deliveries whose workflow was terminated or timed out (no workflow code ran to record it).
   */
  reconcileIntervalMs: number;
  /** STARTUP_TIMEOUT (30s): how long start-up waits for Redis, Temporal and OpenSearch before failing. */
  startupTimeoutMs: number;
  /** METRICS_PORT (worker 9464, ingest 9465; 0 = off): Prometheus metrics and /healthz. */
  metricsPort: number;
  /** LOG_LEVEL (info) */
  logLevel: string;
  /**
   * ALERT_LIFECYCLE (on; worker): the incident lifecycle (one page per incident, resolve, escalation,
   * acknowledge). `off`: persistAlert claims no incident record, every firing event pages its routed channels
   * (no escalation, nothing to acknowledge) and a resolved event is recorded as `unmatched`, not sent.
   */
  lifecycle: boolean;
  /**
   * INCIDENT_TIMEOUT (24h): a firing incident that no event refreshed for this long is stale, and the next
   * firing of its alertId pages again as a new incident (for producers that never send `resolved`).
   */
  incidentTimeoutMs: number;
  /** ACK_LINK_BASE + ACK_SECRET[_FILE] (+ ACK_LINK_TTL; worker; both or neither): ack links in the messages of pages. */
  ackLinks?: AckLinkSettings;
  /** TEMPORAL_UI_URL (none): the Web UI's address, for the group notifications' link to the list of their alerts. */
  uiUrl?: string;
}

/** How the worker signs the ack links of its messages (verified by the intake with the same secret). */
export interface AckLinkSettings {
  /** ACK_LINK_BASE: the intake's public URL, without a trailing slash (links are `<base>/ack/<token>`). */
  base: string;
  /** ACK_LINK_TTL (7d): a link works until the delivery's receivedAt + this (so every attempt sends the same link). */
  ttlMs: number;
  /** ACK_SECRET or ACK_SECRET_FILE (>= 32 bytes). Not enumerable: a logged or serialised config does not show it. */
  readonly secret: Buffer;
}

/** The longest ACK_LINK_TTL (a link is a bearer credential for its delivery). */
const MAX_ACK_LINK_TTL_MS = 365 * 86_400_000;

type Env = Record<string, string | undefined>;

/** The package root, from src/ (ts) or dist/src/ (compiled). */
export const PACKAGE_ROOT = path.resolve(__dirname, path.basename(path.dirname(__dirname)) === 'dist' ? '../..' : '..');

export function loadConfig(role: 'worker' | 'ingest' | 'tool', env: Env = process.env, temporalOverrides: TargetOverrides = {}): ServiceConfig {
  const problems: string[] = [];
  let temporal: TemporalTarget | undefined;
  try {
    temporal = loadTemporalTarget(env, temporalOverrides);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    if (e.problems.length) problems.push(...e.problems); // payload encryption: one line per problem
    else problems.push(e.message.replace(/^Invalid Temporal connection settings: /, 'Temporal connection: '));
  }
  const str = (name: string, def: string, re?: RegExp, hint?: string): string => {
    const v = env[name] === undefined || env[name] === '' ? def : env[name];
    if (re && !re.test(v)) problems.push(`${name}=${JSON.stringify(v)}: ${hint}`);
    return v;
  };
  const url = (name: string, def: string, protocols: string[]): string => {
    const v = str(name, def);
    try {
      const u = new URL(v);
      if (!protocols.includes(u.protocol)) problems.push(`${name}: protocol ${u.protocol} is not one of ${protocols.join(', ')}`);
    } catch {
      problems.push(`${name}=${JSON.stringify(v)}: not a URL (expected e.g. ${def})`);
    }
    return v;
  };
  const int = (name: string, def: number, min: number, max: number): number => envInt(env, problems, name, def, min, max);
  const dur = (name: string, def: string): number => {
    const raw = env[name] === undefined || env[name] === '' ? def : env[name];
    const n = parseDuration(raw);
    if (n === undefined) problems.push(`${name}=${JSON.stringify(raw)}: expected a duration such as 500ms, 30s, 5m, 2h, 7d`);
    return n ?? 0;
  };
  const name = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/;
  const nameHint = 'letters, digits and . _ : - only (at most 200)';

  const cfg: ServiceConfig = {
    redisUrl: url('REDIS_URL', 'redis://127.0.0.1:6379', ['redis:', 'rediss:']),
    redis: undefined as unknown as RedisTarget, // below, once REDIS_URL is known
    stream: str('ALERT_STREAM', 'alerts', name, nameHint),
    group: str('ALERT_CONSUMER_GROUP', 'alert-processor', name, nameHint),
    consumer: str('INGEST_CONSUMER', os.hostname(), name, nameHint),
    temporal: temporal!,
    namespace: temporal?.namespace ?? 'default',
    taskQueue: str('TEMPORAL_TASK_QUEUE', DEFAULT_TASK_QUEUE, name, nameHint),
    opensearchUrl: url('OPENSEARCH_URL', 'http://localhost:9200', ['http:', 'https:']),
    opensearch: undefined as unknown as OpenSearchTarget, // below, once OPENSEARCH_URL is known
    index: str('ALERT_INDEX', 'alerts', /^[a-z0-9][a-z0-9._-]{0,199}$/, 'lower-case letters, digits and . _ - only'),
    channelsFile: path.resolve(str('CHANNELS_FILE', path.join(PACKAGE_ROOT, 'config', 'channels.yaml'))),
    ingest: {
      batchSize: int('INGEST_BATCH_SIZE', 100, 1, 10_000),
      concurrency: int('INGEST_CONCURRENCY', 32, 1, 1_000),
      blockMs: Math.max(dur('INGEST_BLOCK', '1s'), 1), // BLOCK 0 would block forever
      reclaimIdleMs: dur('INGEST_RECLAIM_IDLE', '60s'),
      maxEventBytes: int('MAX_EVENT_BYTES', 256 * 1024, 1024, 1024 * 1024),
      maxInFlight: int('INGEST_MAX_IN_FLIGHT', 1000, 0, 1_000_000),
      maxAttempts: int('INGEST_MAX_ATTEMPTS', 5, 1, 1000),
      deadLetterStream: '',
    },
    park: { redriveIntervalMs: dur('REDRIVE_INTERVAL', '1h'), giveUpAfterMs: dur('GIVE_UP_AFTER', '7d') },
    reconcileIntervalMs: dur('RECONCILE_INTERVAL', '30s'),
    startupTimeoutMs: dur('STARTUP_TIMEOUT', '30s'),
    metricsPort: int('METRICS_PORT', role === 'ingest' ? 9465 : role === 'worker' ? 9464 : 0, 0, 65_535),
    logLevel: str('LOG_LEVEL', 'info', /^(fatal|error|warn|info|debug|trace|silent)$/, 'one of fatal, error, warn, info, debug, trace, silent'),
    lifecycle: true,
    incidentTimeoutMs: Math.max(dur('INCIDENT_TIMEOUT', '24h'), 1),
    ...(env.TEMPORAL_UI_URL ? { uiUrl: str('TEMPORAL_UI_URL', '', /^https?:\/\/[^\s]+$/, 'expected an http(s) URL').replace(/\/+$/, '') } : {}),
  };
  cfg.ingest.deadLetterStream = str('INGEST_DEAD_LETTER_STREAM', `${cfg.stream}:dead-letter`, name, nameHint);
  cfg.redis = loadRedisTarget(env, cfg.redisUrl, problems);
  cfg.opensearch = loadOpenSearchTarget(env, cfg.opensearchUrl, problems);
  if (role === 'worker') {
    const lifecycle = str('ALERT_LIFECYCLE', 'on', /^(on|off)$/, 'expected on (the default) or off');
    cfg.lifecycle = lifecycle !== 'off';
    const ackLinks = loadAckLinks(env, problems, dur);
    if (ackLinks && !cfg.lifecycle) {
      problems.push('ACK_LINK_BASE: ack links need the incident lifecycle, and ALERT_LIFECYCLE=off leaves nothing to acknowledge: unset ACK_LINK_BASE and ACK_SECRET/ACK_SECRET_FILE, or turn the lifecycle on');
    } else if (ackLinks) {
      cfg.ackLinks = ackLinks;
    }
  }
  if (problems.length) throw new ConfigError('Invalid configuration (environment):', problems);
  return cfg;
}

/**
 * The worker's ack-link settings: ACK_LINK_BASE and ACK_SECRET/ACK_SECRET_FILE both set (links on) or neither
 * (off); one without the other is a problem. The secret is read as the intake reads it (src/intake/ack-secret.ts).
 */
function loadAckLinks(env: Env, problems: string[], dur: (name: string, def: string) => number): AckLinkSettings | undefined {
  const secret = loadAckSecret(env, problems);
  const raw = env.ACK_LINK_BASE ?? '';
  const secretName = env.ACK_SECRET ? 'ACK_SECRET' : 'ACK_SECRET_FILE';
  if (!raw && !secret) return undefined;
  if (!raw) {
    problems.push(`${secretName} is set but ACK_LINK_BASE is not: ack links need both. Set ACK_LINK_BASE to the intake's public URL (e.g. https://alerts.example.com), or unset ${secretName} for messages without ack links`);
    return undefined;
  }
  if (!secret) {
    problems.push('ACK_LINK_BASE is set but neither ACK_SECRET nor ACK_SECRET_FILE is: ack links need both (the intake\'s secret, to sign them), or unset ACK_LINK_BASE');
    return undefined;
  }
  let base = raw;
  try {
    const u = new URL(raw);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') problems.push(`ACK_LINK_BASE: protocol ${u.protocol} is not one of http:, https:`);
    else if (u.username || u.password || u.search || u.hash) problems.push('ACK_LINK_BASE: expected the intake\'s public URL without credentials, query or fragment (e.g. https://alerts.example.com)');
    else if (u.href.length > 512) problems.push(`ACK_LINK_BASE: ${u.href.length} characters, at most 512`);
    base = u.href.replace(/\/+$/, '');
  } catch {
    problems.push(`ACK_LINK_BASE=${JSON.stringify(raw)}: not a URL (expected the intake's public URL, e.g. https://alerts.example.com)`);
  }
  const ttlMs = dur('ACK_LINK_TTL', '7d');
  if (!(ttlMs > 0 && ttlMs <= MAX_ACK_LINK_TTL_MS) && parseDuration(env.ACK_LINK_TTL || '7d') !== undefined) problems.push(`ACK_LINK_TTL=${JSON.stringify(env.ACK_LINK_TTL)}: expected a duration above 0 and at most 365d`);
  const settings = { base, ttlMs } as AckLinkSettings;
  Object.defineProperty(settings, 'secret', { value: secret, enumerable: false });
  return settings;
}
