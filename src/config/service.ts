// The configuration of the worker, the ingest, the combined process and alertctl (and what the intake shares with
// them), from the environment through the schema (./schema.ts), validated at start-up: every bad value is named
// at once. Each process sees only the variables the schema says it reads.
import type { AckLinkSettings } from '../ack-links';
import { ConfigError } from '../errors';
import type { ParkPolicy } from '../contracts/channels';
import type { FairnessBy } from '../contracts/priority';
import { loadOpenSearchTarget, type OpenSearchTarget } from '../connections/opensearch';
import { loadRedisTarget, type RedisTarget } from '../connections/redis';
import { loadTemporalTarget, type TargetOverrides, type TemporalTarget } from '../connections/temporal';
import { tracingSettings, type TracingSettings } from '../tracing/sdk';
import { loadAckLinks } from './ack-links';
import { environmentOf, readVariables, type Env } from './read';
import type { ProcessName } from './schema';

/** The settings of a service process; each field names its variables (defaults, and who reads them: ./schema.ts). */
export interface ServiceConfig {
  /** REDIS_URL */
  redisUrl: string;
  /** REDIS_URL plus REDIS_TLS_*, REDIS_PASSWORD_FILE, REDIS_SENTINELS, REDIS_CLUSTER_NODES (see connections/redis.ts). */
  redis: RedisTarget;
  /** ALERT_STREAM */
  stream: string;
  /** ALERT_CONSUMER_GROUP */
  group: string;
  /** INGEST_CONSUMER: this ingest's consumer name in the group. */
  consumer: string;
  /**
   * How to reach Temporal, loaded like the `temporal` CLI (see connections/temporal.ts): TEMPORAL_ADDRESS,
   * TEMPORAL_NAMESPACE, TEMPORAL_API_KEY[_FILE], TEMPORAL_TLS_*, TEMPORAL_PROFILE, temporal.toml.
   */
  temporal: TemporalTarget;
  /** The namespace (= temporal.namespace). */
  namespace: string;
  /** TEMPORAL_TASK_QUEUE */
  taskQueue: string;
  /** OPENSEARCH_URL */
  opensearchUrl: string;
  /** OPENSEARCH_URL plus OPENSEARCH_USERNAME/_PASSWORD[_FILE], OPENSEARCH_CA_FILE, index settings (see connections/opensearch.ts). */
  opensearch: OpenSearchTarget;
  /** ALERT_INDEX */
  index: string;
  /** CHANNELS_FILE */
  channelsFile: string;
  /** ONCALL_FILE (worker, combined, intake): people, schedules and teams; absent: levels page channels only. */
  oncallFile?: string;
  ingest: {
    /** INGEST_BATCH_SIZE: entries read per XREADGROUP. */
    batchSize: number;
    /** INGEST_CONCURRENCY: workflow starts in flight at once. */
    concurrency: number;
    /** INGEST_BLOCK: how long one XREADGROUP waits for new entries. */
    blockMs: number;
    /** INGEST_RECLAIM_IDLE: entries pending on another consumer this long are reclaimed (XAUTOCLAIM). */
    reclaimIdleMs: number;
    /** MAX_EVENT_BYTES: larger `event` fields are rejected (Temporal caps payloads at 2 MB). */
    maxEventBytes: number;
    /**
     * INGEST_MAX_IN_FLIGHT: new entries are read only while fewer deliveries than this are
     * in flight on the task queue (started, not yet recorded); 0 = no limit. A backlog then waits in
     * the stream (visible as the group's lag) instead of as open workflows that outgrow the worker's cache.
     */
    maxInFlight: number;
    /**
     * INGEST_MAX_ATTEMPTS: an entry whose own handling keeps failing (Temporal refuses its start, its
     * rejection cannot be recorded) is given up after this many deliveries (the stream's delivery count):
     * recorded as `rejected`, or else added to the dead-letter stream, then acked. Outages never count.
     */
    maxAttempts: number;
    /** INGEST_READ_AHEAD: entries read and held (pending) until started, highest severity first. */
    readAhead: number;
    /** INGEST_DEAD_LETTER_STREAM: where an entry goes that can be recorded nowhere else. */
    deadLetterStream: string;
  };
  /** REDRIVE_INTERVAL and GIVE_UP_AFTER: what a parked (failed) alert does by itself; 0 = never. */
  park: ParkPolicy;
  /**
   * RECONCILE_INTERVAL (0 = off): how often the worker records a final state in the documents of
   * deliveries whose workflow was terminated or timed out (no workflow code ran to record it).
   */
  reconcileIntervalMs: number;
  /** WORKFLOW_WATCHDOG: `thread` (one watchdog for the workflow threads, src/workflow-runtime/watchdog.ts) or `node` (Node's per-call timeout). */
  workflowWatchdog: 'thread' | 'node';
  /** WORKFLOW_STACK_TRACES: the SDK's promise hook for the `__stack_trace` query (off, the default: left out, with the thread watchdog). */
  workflowStackTraces: boolean;
  /** DELIVERY_FAIRNESS: where a delivery's fairness key comes from (its severity gives the priority key). */
  fairnessBy: FairnessBy;
  /** STARTUP_TIMEOUT: how long start-up waits for Redis, Temporal and OpenSearch before failing. */
  startupTimeoutMs: number;
  /** METRICS_PORT (0 = off): Prometheus metrics and /healthz. */
  metricsPort: number;
  /** METRICS_HOST: where the metrics endpoints listen. */
  metricsHost: string;
  /** TEMPORAL_METRICS_PORT (worker): Temporal's own worker metrics; 0 = off. */
  temporalMetricsPort: number;
  /** OTEL_* (worker, ingest, combined): whether and how spans are exported. */
  tracing: TracingSettings;
  /** LOG_LEVEL */
  logLevel: string;
  /**
   * ALERT_LIFECYCLE (worker): the incident lifecycle (one page per incident, resolve, escalation,
   * acknowledge). `off`: persistAlert claims no incident record, every firing event pages its routed channels
   * (no escalation, nothing to acknowledge) and a resolved event is recorded as `unmatched`, not sent.
   */
  lifecycle: boolean;
  /**
   * INCIDENT_TIMEOUT: a firing incident that no event refreshed for this long is stale, and the next
   * firing of its alertId pages again as a new incident (for producers that never send `resolved`).
   */
  incidentTimeoutMs: number;
  /** ACK_LINK_BASE + ACK_SECRET[_FILE] (+ ACK_LINK_TTL; worker; both or neither): ack links in the messages of pages. */
  ackLinks?: AckLinkSettings;
  /** TEMPORAL_UI_URL: the Web UI's address, for group notifications' link to the list of their alerts. */
  uiUrl?: string;
  /** ALERT_LINK_BASE (worker): where a notification's link points. */
  alertLinkBase: string;
  /** SMTP_TLS_INSECURE (worker): email channels do not check the SMTP server's certificate. */
  smtpTlsInsecure: boolean;
  /**
   * The whole environment, for the `${VAR}` references of the channels file and the on-call file (which name
   * variables of the operator's choosing). Not enumerable: a logged or serialised config does not show it.
   */
  readonly channelsFileEnv: Env;
}

/** Who loads the configuration: a process, or `tool` (scripts and benchmarks: the ingest's variables, no metrics endpoint). */
export type ServiceRole = Extract<ProcessName, 'worker' | 'ingest' | 'combined' | 'intake' | 'alertctl'> | 'tool';

/** What a ServiceConfig is made of; each role reads those its process reads (the others keep their defaults). */
const SERVICE_VARIABLES = ['REDIS_URL', 'ALERT_STREAM', 'ALERT_CONSUMER_GROUP', 'INGEST_CONSUMER', 'TEMPORAL_TASK_QUEUE', 'OPENSEARCH_URL', 'ALERT_INDEX', 'CHANNELS_FILE', 'ONCALL_FILE',
  'INGEST_BATCH_SIZE', 'INGEST_CONCURRENCY', 'INGEST_BLOCK', 'INGEST_RECLAIM_IDLE', 'MAX_EVENT_BYTES', 'INGEST_MAX_IN_FLIGHT', 'INGEST_READ_AHEAD', 'INGEST_MAX_ATTEMPTS', 'INGEST_DEAD_LETTER_STREAM', 'DELIVERY_FAIRNESS',
  'REDRIVE_INTERVAL', 'GIVE_UP_AFTER', 'RECONCILE_INTERVAL', 'WORKFLOW_WATCHDOG', 'WORKFLOW_STACK_TRACES', 'STARTUP_TIMEOUT', 'METRICS_PORT', 'METRICS_HOST', 'TEMPORAL_METRICS_PORT', 'LOG_LEVEL', 'ALERT_LIFECYCLE',
  'INCIDENT_TIMEOUT', 'TEMPORAL_UI_URL', 'ALERT_LINK_BASE', 'SMTP_TLS_INSECURE'] as const;

/**
 * The configuration of `role` from `env` (the process's environment by default): the variables its process reads,
 * checked together. Throws one ConfigError naming every problem.
 */
export function loadConfig(role: ServiceRole, env: Env = process.env, temporalOverrides: TargetOverrides = {}): ServiceConfig {
  const problems: string[] = [];
  const reader: ProcessName | undefined = role === 'tool' ? undefined : role;
  const own = environmentOf(env, reader ?? 'ingest');
  let temporal: TemporalTarget | undefined;
  try {
    temporal = loadTemporalTarget(own, temporalOverrides);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    if (e.problems.length) problems.push(...e.problems); // payload encryption: one line per problem
    else problems.push(e.message.replace(/^Invalid Temporal connection settings: /, 'Temporal connection: '));
  }
  const s = readVariables(own, SERVICE_VARIABLES, problems, reader);
  const metricsPort = s.METRICS_PORT ?? 0;
  const cfg = {
    redisUrl: s.REDIS_URL,
    redis: loadRedisTarget(own, s.REDIS_URL, problems),
    stream: s.ALERT_STREAM,
    group: s.ALERT_CONSUMER_GROUP,
    consumer: s.INGEST_CONSUMER,
    temporal: temporal!,
    namespace: temporal?.namespace ?? 'default',
    taskQueue: s.TEMPORAL_TASK_QUEUE,
    opensearchUrl: s.OPENSEARCH_URL,
    opensearch: loadOpenSearchTarget(own, s.OPENSEARCH_URL, problems),
    index: s.ALERT_INDEX,
    channelsFile: s.CHANNELS_FILE,
    ...(s.ONCALL_FILE ? { oncallFile: s.ONCALL_FILE } : {}),
    ingest: {
      batchSize: s.INGEST_BATCH_SIZE,
      concurrency: s.INGEST_CONCURRENCY,
      blockMs: s.INGEST_BLOCK,
      reclaimIdleMs: s.INGEST_RECLAIM_IDLE,
      maxEventBytes: s.MAX_EVENT_BYTES,
      maxInFlight: s.INGEST_MAX_IN_FLIGHT,
      maxAttempts: s.INGEST_MAX_ATTEMPTS,
      readAhead: s.INGEST_READ_AHEAD,
      deadLetterStream: s.INGEST_DEAD_LETTER_STREAM ?? `${s.ALERT_STREAM}:dead-letter`,
    },
    park: { redriveIntervalMs: s.REDRIVE_INTERVAL, giveUpAfterMs: s.GIVE_UP_AFTER },
    reconcileIntervalMs: s.RECONCILE_INTERVAL,
    workflowWatchdog: s.WORKFLOW_WATCHDOG,
    workflowStackTraces: s.WORKFLOW_STACK_TRACES,
    fairnessBy: s.DELIVERY_FAIRNESS as FairnessBy,
    startupTimeoutMs: s.STARTUP_TIMEOUT,
    metricsPort,
    metricsHost: s.METRICS_HOST,
    temporalMetricsPort: s.TEMPORAL_METRICS_PORT ?? (metricsPort ? metricsPort + 10 : 0),
    tracing: readTracing(own, problems),
    logLevel: s.LOG_LEVEL,
    lifecycle: s.ALERT_LIFECYCLE,
    incidentTimeoutMs: s.INCIDENT_TIMEOUT,
    ...(s.TEMPORAL_UI_URL ? { uiUrl: s.TEMPORAL_UI_URL } : {}),
    alertLinkBase: s.ALERT_LINK_BASE,
    smtpTlsInsecure: s.SMTP_TLS_INSECURE,
  } as Omit<ServiceConfig, 'channelsFileEnv'> as ServiceConfig;
  Object.defineProperty(cfg, 'channelsFileEnv', { value: env, enumerable: false });
  // The worker's alone (the intake reads ACK_SECRET for itself, src/intake/config.ts).
  const ackLinks = role === 'worker' || role === 'combined' ? loadAckLinks(own, problems, cfg.lifecycle) : undefined;
  if (ackLinks) cfg.ackLinks = ackLinks;
  if (problems.length) throw new ConfigError('Invalid configuration (environment):', problems);
  return cfg;
}

/** OTEL_* (in the environment of the worker, the ingest and the combined process only). */
function readTracing(env: Env, problems: string[]): TracingSettings {
  try {
    return tracingSettings(env);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    problems.push(...e.problems);
    return { enabled: false };
  }
}
