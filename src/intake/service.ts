// What the intake process opens at start-up, in one place: settings (every bad value named at once), Redis
// (reachable, or the process stops naming it), the channel names, the Temporal client of the ack links and of
// silence expiry, the OpenSearch client of the silence and on-call APIs, the on-call file (ONCALL_FILE, watched), and
// the HTTP server; and how it all stops.
import type http from 'node:http';
import type { Client as OpenSearchClient } from '@opensearch-project/opensearch';
import { Client, Connection } from '@temporalio/client';
import { loadChannelsFile } from '../channels/config';
import type { ServiceConfig } from '../config';
import { createLogger, type Logger } from '../logger';
import { serveMetrics } from '../metrics';
import { connectRedis, redisErrorMessage, type RedisClient } from '../connections/redis';
import { opensearchClient } from '../connections/opensearch';
import type { OnCallDirectory } from '../oncall/directory';
import { openOnCallDirectory } from '../oncall/open';
import { OverrideStore } from '../oncall/overrides';
import { SilenceStore } from '../storm/silences';
import { HeldDeliveries } from '../storm/held';
import { wakeSilenced } from '../storm/wake';
import { checkRedis, withTimeout } from '../startup';
import { consoleDeps } from '../console/deps';
import { temporalAcknowledger } from './acknowledge';
import type { IntakeConfig } from './config';
import { buildIntakeServer, type IntakeApp } from './server';
import { ensureOnce } from './silences';
import { phoneCallbacksFor, type PhoneCallbacks } from './twilio-routes';
import { slackInteractionDeps } from './slack-deps';
import { StreamWriter } from './stream-writer';

/** How long a stop waits for requests in flight before closing their connections. */
const STOP_GRACE_MS = 10_000;

export class IntakeService {
  private stopping = false;
  private listening = false;
  private metrics?: http.Server;
  private stopWatching?: () => void;
  readonly app: IntakeApp;

  private constructor(
    readonly cfg: ServiceConfig,
    readonly intake: IntakeConfig,
    readonly log: Logger,
    private readonly redis: RedisClient,
    private readonly temporal: Connection,
    private readonly opensearch: OpenSearchClient,
    channels: string[],
    oncall: OnCallDirectory | undefined,
    phone?: PhoneCallbacks,
  ) {
    const client = new Client({ connection: temporal, namespace: cfg.namespace, dataConverter: cfg.temporal.dataConverter });
    const silences = new SilenceStore(opensearch, SilenceStore.indexFor(cfg.index));
    const held = new HeldDeliveries(opensearch, cfg.index);
    const writer = new StreamWriter(redis, cfg.stream, intake.redisTimeoutMs, intake.waitReplicas);
    const silenceIndex = ensureOnce(() => silences.ensureIndex(cfg.opensearch.index));
    const slackSecret = intake.slackSigningSecret;
    this.app = buildIntakeServer({
      cfg: intake,
      log,
      writer,
      limits: { maxEventBytes: cfg.ingest.maxEventBytes, channels: new Set(channels) },
      ...(intake.ackSecret ? { acknowledge: temporalAcknowledger(client, intake.ackTimeoutMs) } : {}),
      silences: {
        store: silences,
        // On the first silence request, not at start-up: the intake starts (and takes alerts) without OpenSearch.
        ensureIndex: silenceIndex,
        where: cfg.opensearch.describe,
        wake: (silenceId) => wakeSilenced(client, held, silenceId),
      },
      ...(oncall ? { oncall: this.oncallApi(oncall) } : {}),
      ...(phone ? { phone } : {}),
      ...(slackSecret ? { slack: slackInteractionDeps({
        intake: { ...intake, slackSigningSecret: slackSecret }, client, namespace: cfg.namespace, stream: cfg.stream, writer,
        silences: { store: silences, ensureIndex: silenceIndex }, redis, ...(oncall ? { oncall } : {}),
      }) } : {}),
      ...(intake.console ? { console: consoleDeps({ settings: intake.console, temporal: client, opensearch, namespace: cfg.namespace, index: cfg.index, uiUrl: cfg.uiUrl, incidentTimeoutMs: cfg.incidentTimeoutMs, actionTimeoutMs: intake.ackTimeoutMs }) } : {}),
      ready: () => this.ready,
    });
    this.stopWatching = oncall?.watch();
  }

  /** The on-call API over the on-call file in force and the overrides of `<ALERT_INDEX>.oncall-overrides`. */
  private oncallApi(directory: OnCallDirectory) {
    const overrides = new OverrideStore(this.opensearch, OverrideStore.indexFor(this.cfg.index), directory);
    return {
      directory, overrides, where: this.cfg.opensearch.describe,
      // On the first on-call request, as the silences' index: the intake starts (and takes alerts) without OpenSearch.
      ensureIndex: ensureOnce(() => overrides.ensureIndex(this.cfg.opensearch.index)),
      ...(this.intake.icalSecret ? { icalSecret: this.intake.icalSecret } : {}),
    };
  }

  /** Checks Redis with the settings (src/config/intake.ts); throws ConfigError or StartupCheckError naming what is wrong. */
  static async open({ cfg, intake }: { cfg: ServiceConfig; intake: IntakeConfig }): Promise<IntakeService> {
    const log = createLogger('intake', cfg.logLevel);
    const channelsFile = loadChannelsFile(cfg.channelsFile, cfg.channelsFileEnv);
    const channels = Object.keys(channelsFile.channels);
    // The sms and voice channels' callbacks (a key pressed, a status), verified with their auth tokens (the channels file).
    const phone = phoneCallbacksFor(channelsFile, intake.publicUrl, intake.ackSecret);
    if (phone.missing) log.warn(`sms and voice channels: without ${phone.missing} on the intake, "press 1" and the provider's status callbacks answer 404`);
    // The on-call API's file, checked against the channels file as the worker checks it (ONCALL_FILE; none: API off).
    const oncall = openOnCallDirectory(cfg.oncallFile, channelsFile, cfg.channelsFile, cfg.channelsFileEnv, log);
    const redis = connectRedis(cfg.redis, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 5_000 });
    redis.on('error', (e: Error) => log.warn({ err: redisErrorMessage(e) }, 'redis connection error'));
    try {
      await redis.connect().catch(() => undefined); // checkRedis reports it, after a bounded wait
      await checkRedis(redis, cfg.startupTimeoutMs, cfg.redis);
    } catch (e) {
      redis.disconnect();
      throw e;
    }
    // Temporal is needed only by ack links and by expiring a silence (to wake the deliveries it held back), and
    // only when one happens: a lazy connection, so the intake takes alerts while Temporal is down (an
    // acknowledgement then answers 503). OpenSearch likewise, for the silence API only (503 while unreachable).
    const temporal = Connection.lazy(cfg.temporal.connection);
    const opensearch = opensearchClient(cfg.opensearch);
    if (intake.auth === 'none') log.warn('INTAKE_AUTH=none: the API accepts alerts from anyone who can reach it (local use only)');
    log.info(
      { redis: cfg.redis.describe, stream: cfg.stream, auth: intake.auth, tokens: intake.tokens.length, ackLinks: intake.ackSecret ? `on (Temporal ${cfg.temporal.describe})` : 'off (no ACK_SECRET)', slackButtons: intake.slackSigningSecret ? 'on' : 'off (no SLACK_SIGNING_SECRET)', silences: `${SilenceStore.indexFor(cfg.index)} at ${cfg.opensearch.describe}`,
        oncall: oncall ? `${oncall.current().file} (overrides ${OverrideStore.indexFor(cfg.index)}; calendar feeds ${intake.icalSecret ? 'on' : 'off (no ONCALL_ICAL_SECRET)'})` : 'off (no ONCALL_FILE)',
        console: intake.console ? `on (/console; ${intake.console.users.length} token user(s)${intake.console.proxies ? `, login proxies ${intake.console.proxies.text.join(',')}` : ''})` : 'off (no CONSOLE_SESSION_SECRET)', bodyLimit: intake.bodyLimit, maxAlerts: intake.maxAlerts, channels },
      'start-up checks passed',
    );
    return new IntakeService(cfg, intake, log, redis, temporal, opensearch, channels, oncall, phone.callbacks);
  }

  get ready(): boolean {
    return this.listening && !this.stopping && this.redis.status === 'ready';
  }

  /** Listens on INTAKE_HOST:INTAKE_PORT (and METRICS_PORT); resolves with the address. */
  async listen(): Promise<string> {
    const address = await this.app.listen({ host: this.intake.host, port: this.intake.port });
    this.metrics = await serveMetrics(this.cfg.metricsPort, this.cfg.metricsHost, () => this.ready);
    this.listening = true;
    this.log.info({ address, metricsPort: this.cfg.metricsPort || 'off' }, 'intake listening');
    return address;
  }

  /** Stops taking requests (readyz 503, new connections refused), finishes those in flight, closes everything. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.stopWatching?.();
    await withTimeout(this.app.close(), STOP_GRACE_MS).catch((e: Error) => this.log.warn({ err: e.message }, 'requests still running at the end of the grace period'));
    this.metrics?.close();
    await this.temporal.close().catch(() => undefined);
    await this.opensearch.close().catch(() => undefined);
    await withTimeout(this.redis.quit(), 2_000).catch(() => this.redis.disconnect());
  }
}
