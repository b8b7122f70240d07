// What both processes open at start-up, in one place: config, logger, channels, connections,
// and the fail-loud checks. Anything wrong throws before the process does any work.
import { loadChannelsFile } from './channels/config';
import { ChannelRegistry } from './channels/registry';
import { loadConfig, type ServiceConfig } from './config';
import { ConfigError, StartupCheckError } from './errors';
import { createLogger, type Logger } from './logger';
import { connectRedis, redisErrorMessage, type RedisClient } from './connections/redis';
import { checkRedis, checkStore, checkTemporal } from './startup';
import { opensearchClient } from './connections/opensearch';
import type { OnCallDirectory } from './oncall/directory';
import { openOnCallDirectory } from './oncall/open';
import { AlertStore } from './store';
import type { SilenceLookup } from './storm/screen';
import { startTracing, type Tracing } from './tracing/sdk';

export interface Service {
  cfg: ServiceConfig;
  log: Logger;
  redis: RedisClient;
  store: AlertStore;
  channels: ChannelRegistry;
  /** The active silences (storm control), read by the persist step. */
  silences?: SilenceLookup;
  /** The on-call file in force (ONCALL_FILE; worker and combined), watched for changes until close(); absent: none. */
  oncall?: OnCallDirectory;
  /** OpenTelemetry, when OTEL_* turns it on (src/tracing/sdk.ts); flushed by close(). */
  tracing?: Tracing;
  close(): Promise<void>;
}

/** `combined`: the worker and the ingest in one process (src/combined.ts): the worker's settings, its metrics port. */
export async function openService(role: 'worker' | 'ingest' | 'combined'): Promise<Service> {
  const cfg = loadConfig(role);
  const log = createLogger(role, cfg.logLevel);
  const tracing = startTracing(role, cfg.tracing, log);
  const channelsFile = loadChannelsFile(cfg.channelsFile, cfg.channelsFileEnv);
  // The worker's: who levels page, checked against the channels file (the ingest pages nobody).
  const oncall = role === 'ingest' ? undefined : openOnCallDirectory(cfg.oncallFile, channelsFile, cfg.channelsFile, cfg.channelsFileEnv, log);
  const teamPolicy = (team: string) => oncall?.team(team)?.escalation; // the file in force: a reload changes it
  const channels = new ChannelRegistry(channelsFile, cfg.taskQueue, { linkBase: cfg.alertLinkBase, smtpTlsInsecure: cfg.smtpTlsInsecure, teamPolicy });
  if (cfg.smtpTlsInsecure) log.warn('SMTP_TLS_INSECURE=1: email channels do not check the SMTP server\'s certificate (test servers only)');
  const escalations = channels.escalationPolicies();
  if (role !== 'ingest' && !cfg.lifecycle && escalations.length) {
    // Without incidents nothing can be acknowledged, and every level of a policy would page at once.
    throw new ConfigError('Invalid configuration (environment):', [
      `ALERT_LIFECYCLE=off: the routes of ${cfg.channelsFile} use escalation policies (${escalations.join(', ')}), which need the incident lifecycle (acknowledgement, one page per incident): turn it on, or route to channels without a policy`,
    ]);
  }
  const redis = connectRedis(cfg.redis, { lazyConnect: true, maxRetriesPerRequest: null, connectTimeout: 5_000 });
  redis.on('error', (e: Error) => log.warn({ err: redisErrorMessage(e) }, 'redis connection error'));
  const store = new AlertStore(opensearchClient(cfg.opensearch), cfg.index, { ...cfg.opensearch.index, incidentTimeoutMs: cfg.incidentTimeoutMs, inhibitRules: channels.inhibitRules() });
  const stopWatching = oncall?.watch();
  const close = async () => {
    stopWatching?.();
    redis.disconnect();
    await store.client.close();
    await tracing?.shutdown();
  };
  try {
    await redis.connect().catch(() => undefined); // checkRedis reports it, after a bounded wait
    await checkRedis(redis, cfg.startupTimeoutMs, cfg.redis);
    await checkTemporal(cfg.temporal, cfg.startupTimeoutMs);
    await checkStore(store, cfg.opensearch.describe, cfg.startupTimeoutMs);
  } catch (e) {
    await close();
    throw e;
  }
  log.info({ temporal: cfg.temporal.describe, redis: cfg.redis.describe, opensearch: cfg.opensearch.describe, stream: cfg.stream, group: cfg.group, taskQueue: cfg.taskQueue, index: cfg.index, channels: channels.names() }, 'start-up checks passed');
  if (tracing) log.info(tracing.describe, 'tracing on: spans exported over OpenTelemetry');
  return { cfg, log, redis, store, channels, silences: store.silences, ...(oncall ? { oncall } : {}), ...(tracing ? { tracing } : {}), close };
}

/** Prints a start-up failure plainly (no stack trace for expected problems) and exits non-zero. */
export function exitOnStartupError(role: string, e: unknown): never {
  if (e instanceof ConfigError || e instanceof StartupCheckError) {
    process.stderr.write(`${role}: cannot start.\n${e.message}\n`);
  } else {
    process.stderr.write(`${role}: failed: ${(e as Error)?.stack ?? String(e)}\n`);
  }
  process.exit(1);
}
