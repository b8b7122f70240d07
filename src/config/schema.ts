// The one schema of the service's environment: every variable any of its processes reads, with the schema of
// its value (./values.ts), its default, a one-line description and the processes that read it. Nothing reads a
// variable another way: each process's loader (./service.ts, ./intake.ts, ./codec.ts, ./alertctl.ts, ./receiver.ts,
// the only modules of src/ that touch process.env) hands on only the variables listed here for it
// (environmentOf), and every settings reader takes them through readVariables (./read.ts). The reference in
// docs/configuration.md is generated from this list (npm run docs:config; test/config-reference.test.ts fails
// when the two differ).
import os from 'node:os';
import path from 'node:path';
import { SEVERITIES } from '../contracts/alert';
import { DEFAULT_TASK_QUEUE } from '../contracts/ids';
import { FAIRNESS_BY_PATTERN } from '../contracts/priority';
import * as v from './values';

/** The processes, as the reference names them (`combined`: the worker and the ingest in one process). */
export const PROCESSES = ['worker', 'ingest', 'combined', 'intake', 'codec', 'alertctl', 'receiver'] as const;
export type ProcessName = (typeof PROCESSES)[number];

/** The package root, from src/config (ts) or dist/src/config (compiled). */
export const PACKAGE_ROOT = path.resolve(__dirname, path.basename(path.resolve(__dirname, '../..')) === 'dist' ? '../../..' : '../..');

/** The reference's sections, in order: a title and one line saying where the subject is explained. */
export const SECTIONS = {
  redis: { title: 'Redis', intro: 'How the processes reach the stream\'s Redis: standalone, Sentinel or Cluster, with TLS and ACL users ([connecting.md](connecting.md#redis)).' },
  temporal: { title: 'Temporal', intro: 'Read as the `temporal` CLI reads them (through the SDK\'s envconfig), so one `temporal.toml` serves both ([connecting.md](connecting.md#temporal)).' },
  encryption: { title: 'Payload encryption', intro: 'The same keys in every process with a Temporal client; the codec endpoint needs them ([encryption.md](encryption.md)).' },
  opensearch: { title: 'OpenSearch', intro: 'Where alert, incident and silence documents live ([connecting.md](connecting.md#opensearch)).' },
  stream: { title: 'The stream and the ingest', intro: 'From the stream to one workflow per entry ([delivery.md](delivery.md#from-the-stream-to-a-workflow)).' },
  delivery: { title: 'Delivery', intro: 'Where alerts go is the channels file\'s ([channels.md](channels.md)); these say how the worker sends and what it does with failures ([delivery.md](delivery.md)).' },
  oncall: { title: 'On call', intro: 'Who is on call and how each person is reached: the on-call file, its schedules and their calendar feeds ([oncall.md](oncall.md)).' },
  incidents: { title: 'Incidents and ack links', intro: 'One page per incident, acknowledged through a link ([incidents.md](incidents.md)).' },
  intake: { title: 'Intake', intro: 'The HTTP API and Alertmanager\'s webhook in front of the stream ([intake.md](intake.md)).' },
  console: { title: 'Operator console', intro: 'The browser console the intake serves under `/console`: who may log in, and how ([console.md](console.md)).' },
  codec: { title: 'Codec endpoint', intro: 'Decodes payloads for the Web UI and the CLI with the service\'s keys ([encryption.md](encryption.md#the-codec-endpoint)).' },
  operations: { title: 'Start-up, logs and metrics', intro: 'What every long-running process shares ([operating.md](operating.md#metrics-health-logs)).' },
  tracing: { title: 'Tracing', intro: 'OpenTelemetry\'s standard `OTEL_*` variables; tracing is off unless an endpoint or an exporter is set ([operating.md](operating.md#traces-opentelemetry)).' },
  tools: { title: 'alertctl and the local receiver', intro: 'The operator\'s tool ([operating.md](operating.md#alertctl)) and the demo receiver of the default channels file.' },
} as const;
export type SectionId = keyof typeof SECTIONS;

/** The default of a variable: its text (parsed like a given value), per process where they differ, or computed. */
export type DefaultValue = string | Partial<Record<ProcessName, string>> | (() => string);

export interface Variable<T = unknown, Defaulted extends boolean = boolean> {
  section: SectionId;
  /** Its value's schema: the text in, the value the code uses out. */
  value: v.ValueSchema<T>;
  /** Taken when the variable is unset or empty. None: the value is undefined (see `defaultText`). */
  default?: DefaultValue;
  /** The default as the reference shows it (Markdown), where it is not the literal text: computed, or a consequence. */
  defaultText?: string;
  /** One line of Markdown; a link to the subject's page for more. */
  description: string;
  readBy: readonly ProcessName[];
  /** Never shown in a problem (nor anywhere else). */
  secret?: boolean;
  /** Read from the process's environment by a library, not by our code (the reference says which). */
  readThrough?: string;
  /** A family of variables: every name starting with this prefix (the key shows the pattern). */
  prefix?: string;
  /** Type only: whether the value is always there (a default applies in every process). */
  readonly defaulted?: Defaulted;
}

function variable<T>(spec: Variable<T> & { default: string | (() => string) }): Variable<T, true>;
function variable<T>(spec: Variable<T>): Variable<T, false>;
function variable<T>(spec: Variable<T>): Variable<T> {
  return spec;
}

const SERVICE = ['worker', 'ingest', 'combined'] as const;
const WORKER = ['worker', 'combined'] as const;
const INGEST = ['ingest', 'combined'] as const;
/** The processes that reach Redis, Temporal and OpenSearch. */
const CONNECTED = [...SERVICE, 'intake', 'alertctl'] as const;
const OTEL_SDK = 'the OpenTelemetry SDK';
const CHANNEL_LINK = '([channels.md](channels.md#egress-through-a-proxy))';

export const OTLP_PROTOCOLS = ['http/protobuf', 'http/json', 'grpc'] as const;
export type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number];

const DEFAULT_ALERT_LINK_BASE = 'http://127.0.0.1:8233/namespaces/default/workflows';

/** Every variable, by name, in the reference's order. */
export const VARIABLES = {
  // --- Redis
  REDIS_URL: variable({ section: 'redis', value: v.url(['redis:', 'rediss:'], 'redis://127.0.0.1:6379'), default: 'redis://127.0.0.1:6379', readBy: CONNECTED,
    description: 'the stream\'s Redis: `redis://`, or `rediss://` for TLS; an ACL user and password as `rediss://user:password@host:port`' }),
  REDIS_PASSWORD_FILE: variable({ section: 'redis', value: v.file(), readBy: CONNECTED, description: 'the password, from a file (instead of the URL\'s)' }),
  REDIS_TLS_CA_FILE: variable({ section: 'redis', value: v.file(), defaultText: 'the system\'s CAs', readBy: CONNECTED, description: 'a CA for the server\'s certificate (`rediss://`)' }),
  REDIS_TLS_CERT_FILE: variable({ section: 'redis', value: v.file(), readBy: CONNECTED, description: 'a client certificate, for servers that ask for one (`tls-auth-clients`); with `REDIS_TLS_KEY_FILE`' }),
  REDIS_TLS_KEY_FILE: variable({ section: 'redis', value: v.file(), readBy: CONNECTED, description: 'the client certificate\'s key' }),
  REDIS_TLS_SERVER_NAME: variable({ section: 'redis', value: v.text(), defaultText: 'the URL\'s host (a Cluster: each node\'s)', readBy: CONNECTED, description: 'the name the server\'s certificate is verified against' }),
  REDIS_SENTINELS: variable({ section: 'redis', value: v.hostPorts(), readBy: CONNECTED, description: 'find the primary through Redis Sentinel: the sentinels, `host:port,host:port`' }),
  REDIS_SENTINEL_MASTER: variable({ section: 'redis', value: v.text(), default: 'mymaster', readBy: CONNECTED, description: 'the primary\'s name at the sentinels' }),
  REDIS_SENTINEL_PASSWORD: variable({ section: 'redis', value: v.text(), secret: true, readBy: CONNECTED, description: 'the sentinels\' own password' }),
  REDIS_CLUSTER_NODES: variable({ section: 'redis', value: v.hostPorts(), readBy: CONNECTED,
    description: 'a Redis Cluster\'s seed nodes, `host:port,host:port` (`REDIS_URL` then gives only the scheme, user and password); excludes `REDIS_SENTINELS`' }),

  // --- Temporal (envconfig applies the defaults: a temporal.toml profile's values come between them and these)
  TEMPORAL_ADDRESS: variable({ section: 'temporal', value: v.text(), defaultText: '`localhost:7233`', readBy: CONNECTED, description: 'the Temporal frontend, `host:port`' }),
  TEMPORAL_NAMESPACE: variable({ section: 'temporal', value: v.text(), defaultText: '`default`', readBy: [...CONNECTED, 'codec'], description: 'the namespace (the codec endpoint: the one namespace it serves)' }),
  TEMPORAL_API_KEY: variable({ section: 'temporal', value: v.text(), secret: true, readBy: CONNECTED, description: 'an API key (Temporal Cloud, or a cluster behind an authorizing proxy); turns TLS on' }),
  TEMPORAL_API_KEY_FILE: variable({ section: 'temporal', value: v.file(), readBy: CONNECTED, description: 'the API key, from a file' }),
  TEMPORAL_TLS: variable({ section: 'temporal', value: v.text(), defaultText: 'on with an API key or any `TEMPORAL_TLS_*`, else off', readBy: CONNECTED, description: '`true` (or `1`) turns TLS on, anything else off' }),
  TEMPORAL_TLS_CLIENT_CERT_PATH: variable({ section: 'temporal', value: v.file(), readBy: CONNECTED, description: 'mTLS: the client certificate' }),
  TEMPORAL_TLS_CLIENT_KEY_PATH: variable({ section: 'temporal', value: v.file(), readBy: CONNECTED, description: 'mTLS: the client certificate\'s key' }),
  TEMPORAL_TLS_CLIENT_CERT_DATA: variable({ section: 'temporal', value: v.text(), readBy: CONNECTED, description: 'the client certificate as PEM text (instead of the path)' }),
  TEMPORAL_TLS_CLIENT_KEY_DATA: variable({ section: 'temporal', value: v.text(), secret: true, readBy: CONNECTED, description: 'its key as PEM text' }),
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: variable({ section: 'temporal', value: v.file(), defaultText: 'the system\'s CAs', readBy: CONNECTED, description: 'a CA for the server\'s certificate' }),
  TEMPORAL_TLS_SERVER_CA_CERT_DATA: variable({ section: 'temporal', value: v.text(), readBy: CONNECTED, description: 'the CA as PEM text' }),
  TEMPORAL_TLS_SERVER_NAME: variable({ section: 'temporal', value: v.text(), defaultText: 'the address\'s host', readBy: CONNECTED, description: 'the name the server\'s certificate is verified against' }),
  TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: variable({ section: 'temporal', value: v.text(), defaultText: '`false`', readBy: CONNECTED,
    description: '`true` turns off the check that the server\'s certificate names the server: anyone on the path can then pose as it (tests only)' }),
  'TEMPORAL_GRPC_META_<NAME>': variable({ section: 'temporal', value: v.text(), prefix: 'TEMPORAL_GRPC_META_', readBy: CONNECTED, description: 'a header sent with every call to Temporal (its name from `<NAME>`, lower case, `_` as `-`)' }),
  TEMPORAL_PROFILE: variable({ section: 'temporal', value: v.text(), defaultText: '`default`', readBy: CONNECTED, description: 'a profile of the CLI\'s TOML file; the variables above override its values' }),
  TEMPORAL_CONFIG_FILE: variable({ section: 'temporal', value: v.file(), defaultText: '`temporalio/temporal.toml` in `XDG_CONFIG_HOME`', readBy: CONNECTED, description: 'the CLI\'s TOML file of connection profiles (none there: no profile)' }),
  XDG_CONFIG_HOME: variable({ section: 'temporal', value: v.text(), defaultText: '`$HOME/.config`', readBy: CONNECTED, description: 'where the default `temporal.toml` is looked for' }),
  HOME: variable({ section: 'temporal', value: v.text(), defaultText: 'the user\'s home', readBy: CONNECTED, description: 'the home directory, for the default of `XDG_CONFIG_HOME`' }),
  TEMPORAL_TASK_QUEUE: variable({ section: 'temporal', value: v.name(), default: DEFAULT_TASK_QUEUE, readBy: SERVICE, description: 'the worker\'s task queue (a rate-limited channel\'s notifications run on `<queue>.channel.<name>`)' }),

  // --- Payload encryption
  PAYLOAD_ENCRYPTION_KEYS: variable({ section: 'encryption', value: v.text(), secret: true, defaultText: 'none: payloads plain', readBy: [...CONNECTED, 'codec'],
    description: 'the keys, `id:base64key,id:base64key` (32 random bytes each); never logged ([encryption.md](encryption.md#turning-it-on))' }),
  PAYLOAD_ENCRYPTION_KEYS_FILE: variable({ section: 'encryption', value: v.file(), readBy: [...CONNECTED, 'codec'], description: 'the keys from a file, one `id:base64key` a line (`#` comments)' }),
  PAYLOAD_ENCRYPTION_KEY_ID: variable({ section: 'encryption', value: v.text(), defaultText: 'the first listed', readBy: [...CONNECTED, 'codec'],
    description: 'the key that encrypts new payloads; the others only decrypt ([encryption.md](encryption.md#rotating-a-key))' }),

  // --- OpenSearch
  OPENSEARCH_URL: variable({ section: 'opensearch', value: v.url(['http:', 'https:'], 'http://localhost:9200'), default: 'http://localhost:9200', readBy: CONNECTED,
    description: 'OpenSearch, `http://` or `https://` (`user:password@` in it works too)' }),
  OPENSEARCH_USERNAME: variable({ section: 'opensearch', value: v.text(), readBy: CONNECTED, description: 'basic auth: the user' }),
  OPENSEARCH_PASSWORD: variable({ section: 'opensearch', value: v.text(), secret: true, readBy: CONNECTED, description: 'basic auth: the password' }),
  OPENSEARCH_PASSWORD_FILE: variable({ section: 'opensearch', value: v.file(), readBy: CONNECTED, description: 'the password, from a file (wins over `OPENSEARCH_PASSWORD`)' }),
  OPENSEARCH_CA_FILE: variable({ section: 'opensearch', value: v.file(), defaultText: 'the system\'s CAs', readBy: CONNECTED, description: 'a CA for the server\'s certificate (`https://`)' }),
  OPENSEARCH_AWS_REGION: variable({ section: 'opensearch', value: v.text(), readBy: CONNECTED,
    description: 'Amazon OpenSearch Service: sign every request with AWS SigV4 for this region (credentials from the AWS SDK\'s default chain); excludes `OPENSEARCH_USERNAME`' }),
  OPENSEARCH_AWS_SERVICE: variable({ section: 'opensearch', value: v.oneOf(['es', 'aoss'], 'expected es or aoss'), default: 'es', readBy: CONNECTED, description: '`es` (managed domains) or `aoss` (Serverless)' }),
  OPENSEARCH_INDEX_SHARDS: variable({ section: 'opensearch', value: v.wholeNumber(1, 1024), default: '1', readBy: CONNECTED, description: 'shards of the index the service creates (rollover mode: of its index template)' }),
  OPENSEARCH_INDEX_REPLICAS: variable({ section: 'opensearch', value: v.wholeNumber(0, 16), default: '0', readBy: CONNECTED, description: 'replicas of that index' }),
  OPENSEARCH_INDEX_ROLLOVER: variable({ section: 'opensearch', value: v.trueOrFalse(), default: 'false', readBy: CONNECTED,
    description: '`true`: `ALERT_INDEX` is a write alias over rolled-over indices ([index-lifecycle.md](index-lifecycle.md))' }),
  ALERT_INDEX: variable({ section: 'opensearch', value: v.matching(/^[a-z0-9][a-z0-9._-]{0,199}$/, 'lower-case letters, digits and . _ - only'), default: 'alerts', readBy: CONNECTED,
    description: 'the index of alert documents (rollover mode: the write alias); also the prefix of the incident, silence and inhibitor indices' }),

  // --- The stream and the ingest
  ALERT_STREAM: variable({ section: 'stream', value: v.name(), default: 'alerts', readBy: CONNECTED, description: 'the stream\'s key' }),
  ALERT_CONSUMER_GROUP: variable({ section: 'stream', value: v.name(), default: 'alert-processor', readBy: SERVICE, description: 'the consumer group (created if absent, from the start of the stream)' }),
  INGEST_CONSUMER: variable({ section: 'stream', value: v.name(), default: () => os.hostname(), defaultText: 'the host name', readBy: INGEST, description: 'this ingest\'s consumer name in the group (one per ingest)' }),
  INGEST_BATCH_SIZE: variable({ section: 'stream', value: v.wholeNumber(1, 10_000), default: '100', readBy: INGEST, description: 'entries read per `XREADGROUP`' }),
  INGEST_CONCURRENCY: variable({ section: 'stream', value: v.wholeNumber(1, 1_000), default: '32', readBy: INGEST, description: 'workflow starts in flight at once (one batch at a time)' }),
  INGEST_BLOCK: variable({ section: 'stream', value: v.duration({ atLeast1ms: true }), default: '1s', readBy: INGEST, description: 'how long one read waits for new entries' }),
  INGEST_RECLAIM_IDLE: variable({ section: 'stream', value: v.duration(), default: '60s', readBy: INGEST, description: 'entries pending this long on another consumer are reclaimed (`XAUTOCLAIM`)' }),
  INGEST_MAX_IN_FLIGHT: variable({ section: 'stream', value: v.wholeNumber(0, 1_000_000), default: '1000', readBy: INGEST,
    description: 'new entries are read only while fewer deliveries are `pending`, across all ingests of the stream; `0` = no limit ([delivery.md](delivery.md#from-the-stream-to-a-workflow))' }),
  INGEST_READ_AHEAD: variable({ section: 'stream', value: v.wholeNumber(1, 1_000_000), default: '10000', readBy: INGEST,
    description: 'entries read ahead of the in-flight budget and held, pending, until started, highest severity first; beyond them a backlog waits in the stream ([delivery.md](delivery.md#priority-and-fairness))' }),
  INGEST_MAX_ATTEMPTS: variable({ section: 'stream', value: v.wholeNumber(1, 1_000), default: '5', readBy: INGEST,
    description: 'an entry whose own handling keeps failing is given up after this many deliveries of it ([delivery.md](delivery.md#from-the-stream-to-a-workflow))' }),
  DELIVERY_FAIRNESS: variable({ section: 'stream', value: v.matching(FAIRNESS_BY_PATTERN, 'expected rule, scope, view, none or label:<name>'), default: 'rule', readBy: SERVICE,
    description: 'where a delivery\'s fairness key comes from (its severity gives its priority): `rule`, `scope`, `view`, `label:<name>` or `none` ([delivery.md](delivery.md#priority-and-fairness))' }),
  INGEST_DEAD_LETTER_STREAM: variable({ section: 'stream', value: v.name(), defaultText: '`<ALERT_STREAM>:dead-letter`', readBy: INGEST, description: 'where an entry goes that could not even be recorded as rejected' }),
  MAX_EVENT_BYTES: variable({ section: 'stream', value: v.wholeNumber(1024, 1024 * 1024), default: '262144', readBy: [...INGEST, 'intake'],
    description: 'larger `event` fields are rejected (Temporal caps a payload at 2 MB)' }),

  // --- Delivery
  CHANNELS_FILE: variable({ section: 'delivery', value: v.absolutePath(), default: () => path.join(PACKAGE_ROOT, 'config', 'channels.yaml'), defaultText: '`config/channels.yaml` in the package',
    readBy: [...SERVICE, 'intake'], description: 'the channels and routes; its `${VAR}` references are filled in from the environment ([channels.md](channels.md))' }),
  DEFAULT_WEBHOOK_URL: variable({ section: 'delivery', value: v.text(), defaultText: '`http://127.0.0.1:8787/alerts`', readThrough: 'the default channels file', readBy: [...SERVICE, 'intake'],
    description: 'the one webhook of the default channels file: the local receiver' }),
  ALERT_LINK_BASE: variable({ section: 'delivery', value: v.url(['http:', 'https:'], DEFAULT_ALERT_LINK_BASE), default: DEFAULT_ALERT_LINK_BASE, readBy: WORKER,
    description: 'the `link` of a notification is `<base>/<workflow ID>` ([channels.md](channels.md#templates))' }),
  REDRIVE_INTERVAL: variable({ section: 'delivery', value: v.duration(), default: '1h', readBy: WORKER,
    description: 'a parked (failed) alert re-runs its failed channels this often; `0` = never ([delivery.md](delivery.md#failed-alerts-parked-retried-abandoned))' }),
  GIVE_UP_AFTER: variable({ section: 'delivery', value: v.duration(), default: '7d', readBy: WORKER, description: 'a parked alert is abandoned this long after it was parked; `0` = never' }),
  RECONCILE_INTERVAL: variable({ section: 'delivery', value: v.duration(), default: '30s', readBy: WORKER,
    description: 'how often the worker records `terminated` for deliveries terminated outside the workflow; `0` = off ([delivery.md](delivery.md#queries-updates-cancel-and-terminate))' }),
  WORKFLOW_WATCHDOG: variable({ section: 'delivery', value: v.oneOf(['thread', 'node'], 'expected thread (the default) or node'), default: 'thread', readBy: WORKER,
    description: 'what stops workflow code that does not yield: `thread`, one watchdog for the workflow threads (a stuck thread stops the worker); `node`, Node\'s timeout on each call (fails the task, costs a thread start per call) ([operating.md](operating.md#the-workflow-threads-watchdog))' }),
  WORKFLOW_STACK_TRACES: variable({ section: 'delivery', value: v.oneOf(['on', 'off'], 'expected on or off (the default)').transform((x) => x === 'on'), default: 'off', readBy: WORKER,
    description: '`on`: a stack trace captured for each promise of workflow code, for the Web UI\'s "Stack Trace" tab (its `__stack_trace` query); `off` (with `WORKFLOW_WATCHDOG=thread`) leaves that cost out ([operating.md](operating.md#the-workflow-threads-watchdog))' }),
  TEMPORAL_UI_URL: variable({ section: 'delivery', value: v.httpUrl(), default: { alertctl: 'http://127.0.0.1:8233' }, defaultText: 'none; alertctl: `http://127.0.0.1:8233`', readBy: [...WORKER, 'alertctl', 'intake'],
    description: 'the Web UI: a group notification links to the list of its alerts there; alertctl\'s and the console\'s links point there' }),
  HTTPS_PROXY: variable({ section: 'delivery', value: v.text(), readThrough: 'undici', readBy: WORKER, description: `the HTTP channels' \`https://\` requests go through this forward proxy (\`https_proxy\` too) ${CHANNEL_LINK}` }),
  HTTP_PROXY: variable({ section: 'delivery', value: v.text(), readThrough: 'undici', readBy: WORKER, description: 'and their `http://` requests through this one (`http_proxy` too)' }),
  NO_PROXY: variable({ section: 'delivery', value: v.text(), readThrough: 'undici', readBy: WORKER, description: 'the hosts they reach directly, `host,.domain` (`no_proxy` too)' }),
  SMTP_TLS_INSECURE: variable({ section: 'delivery', value: v.flag(), default: '0', readBy: WORKER,
    description: '`1` turns off the email channels\' check of the SMTP server\'s certificate: anyone on the path can then read and change the mail and take the SMTP password. For a test server with a self-signed certificate only; the worker logs a warning' }),

  // --- On call
  ONCALL_FILE: variable({ section: 'oncall', value: v.absolutePath(), defaultText: 'none: escalation levels page channels only', readBy: [...WORKER, 'intake'],
    description: 'the on-call file (YAML: people, their contacts and rules, schedules, teams), reloaded on change and on SIGHUP; its `${VAR}` references are filled in from the environment' }),
  ONCALL_ICAL_SECRET: variable({ section: 'oncall', value: v.text(), secret: true, defaultText: 'none: no calendar feeds', readBy: ['intake', 'alertctl'],
    description: 'the key of the calendar feeds\' tokens (an HMAC of each feed\'s path), at least 32 characters; a new one revokes every feed URL' }),
  ONCALL_ICAL_SECRET_FILE: variable({ section: 'oncall', value: v.file(), readBy: ['intake', 'alertctl'], description: 'the key, from a file' }),

  // --- Incidents and ack links
  ALERT_LIFECYCLE: variable({ section: 'incidents', value: v.oneOf(['on', 'off'], 'expected on (the default) or off').transform((s) => s === 'on'), default: 'on', readBy: WORKER,
    description: '`off` turns the incident lifecycle off: every firing event pages ([incidents.md](incidents.md#turning-the-lifecycle-off))' }),
  INCIDENT_TIMEOUT: variable({ section: 'incidents', value: v.duration({ atLeast1ms: true }), default: '24h', readBy: [...SERVICE, 'intake'],
    description: 'a firing incident no event refreshed for this long is stale, and its next firing pages again ([incidents.md](incidents.md#the-incident-record))' }),
  ACK_LINK_BASE: variable({ section: 'incidents', value: v.text(), defaultText: 'none: no ack links', readBy: [...WORKER, 'intake'],
    description: 'the intake\'s public URL: pages carry ack links `<base>/ack/<token>`; needs `ACK_SECRET` ([incidents.md](incidents.md#ack-links)). The intake: the SMS and voice provider\'s callbacks are signed over URLs starting with it ([channels.md](channels.md#sms-and-voice))' }),
  ACK_SECRET: variable({ section: 'incidents', value: v.text(), secret: true, readBy: [...WORKER, 'intake'],
    description: 'the ack links\' signing secret, at least 32 bytes: the worker signs with it, the intake verifies (without it the intake answers ack links 404)' }),
  ACK_SECRET_FILE: variable({ section: 'incidents', value: v.file(), readBy: [...WORKER, 'intake'], description: 'the secret, from a file' }),
  ACK_LINK_TTL: variable({ section: 'incidents', value: v.duration({ max: [365 * 86_400_000, '365d'] }), default: '7d', readBy: WORKER,
    description: 'how long an ack link works after the delivery\'s `receivedAt` (at most `365d`)' }),

  // --- Intake
  INTAKE_HOST: variable({ section: 'intake', value: v.text(), default: '0.0.0.0', readBy: ['intake'], description: 'the address the API listens on' }),
  INTAKE_PORT: variable({ section: 'intake', value: v.port(), default: '8088', readBy: ['intake'], description: 'its port (`0`: any free port)' }),
  INTAKE_AUTH: variable({ section: 'intake', value: v.oneOf(['bearer', 'none'], 'expected bearer (the default) or none'), default: 'bearer', readBy: ['intake'],
    description: '`none` turns the token check off, for local use only (logged as a warning; excludes `INTAKE_TOKEN`)' }),
  INTAKE_TOKEN: variable({ section: 'intake', value: v.text(), secret: true, defaultText: 'none: **start-up fails**', readBy: ['intake', 'alertctl'],
    description: 'the accepted bearer tokens, 16+ printable characters, several separated by commas or new lines ([intake.md](intake.md#the-intake-api)); `alertctl oncall` sends the first' }),
  INTAKE_TOKEN_FILE: variable({ section: 'intake', value: v.file(), readBy: ['intake', 'alertctl'], description: 'the tokens, from a file' }),
  INTAKE_BODY_LIMIT: variable({ section: 'intake', value: v.byteSize(64), default: '1mb', readBy: ['intake'], description: 'the largest request body: bytes, or with `kb` / `mb` (1 KiB to 64 MiB)' }),
  INTAKE_MAX_ALERTS: variable({ section: 'intake', value: v.wholeNumber(1, 100_000), default: '1000', readBy: ['intake'], description: 'most alerts in one request' }),
  INTAKE_REDIS_TIMEOUT: variable({ section: 'intake', value: v.duration({ above0: true }), default: '5s', readBy: ['intake'], description: 'a write to the stream taking longer answers 503' }),
  INTAKE_WAIT_REPLICAS: variable({ section: 'intake', value: v.wholeNumber(0, 16), default: '0', readBy: ['intake'],
    description: 'replicas that must have a request\'s alerts before it is answered 202 (Redis `WAIT`, within `INTAKE_REDIS_TIMEOUT`; fewer: 503, and the sender retries). With a replica and Sentinel, `1`: an accepted alert survives a failover. Not with `REDIS_CLUSTER_NODES`' }),
  INTAKE_ACK_TIMEOUT: variable({ section: 'intake', value: v.duration({ above0: true }), default: '10s', readBy: ['intake'], description: 'how long an acknowledgement waits for the workflow\'s answer (then 503)' }),
  SLACK_SIGNING_SECRET: variable({ section: 'intake', value: v.text(), secret: true, defaultText: 'none: no Slack buttons (404)', readBy: ['intake'],
    description: 'the Slack app\'s signing secret: the intake verifies the button presses Slack posts to `/slack/interactions` with it ([channels.md](channels.md#slack-as-an-app))' }),
  SLACK_SIGNING_SECRET_FILE: variable({ section: 'intake', value: v.file(), readBy: ['intake'], description: 'the secret, from a file' }),
  SLACK_RESPONSE_URLS: variable({ section: 'intake', value: v.list(), default: 'https://hooks.slack.com/', readBy: ['intake'],
    description: 'the prefixes a press\'s `response_url` must start with before the intake posts the redrawn message there' }),
  INTAKE_AM_SEVERITY_LABEL: variable({ section: 'intake', value: promLabel(), default: 'severity', readBy: ['intake'],
    description: 'Alertmanager: the label whose value gives the severity ([intake.md](intake.md#prometheus-alertmanager))' }),
  INTAKE_AM_SEVERITY_MAP: variable({ section: 'intake', value: v.mapTo(SEVERITIES, 'severity'), readBy: ['intake'], description: 'more or other severity values: `p0=critical,sev-a=high` (case-insensitive)' }),
  INTAKE_AM_DEFAULT_SEVERITY: variable({ section: 'intake', value: v.member(SEVERITIES), default: 'high', readBy: ['intake'], description: 'the severity of an alert without the label, or with an unknown value' }),
  INTAKE_AM_VIEW_LABEL: variable({ section: 'intake', value: promLabel(), default: 'view', readBy: ['intake'], description: 'the label giving `view`' }),
  INTAKE_AM_DEFAULT_VIEW: variable({ section: 'intake', value: printable(), default: 'alertmanager', readBy: ['intake'], description: '`view` without that label' }),
  INTAKE_AM_SCOPE_LABEL: variable({ section: 'intake', value: promLabel(), default: 'instance', readBy: ['intake'], description: 'the label giving `scope`' }),
  INTAKE_AM_DEFAULT_SCOPE: variable({ section: 'intake', value: printable(), default: 'global', readBy: ['intake'], description: '`scope` without that label' }),
  INTAKE_AM_RULE_ID_LABEL: variable({ section: 'intake', value: promLabel(), default: 'alertname', readBy: ['intake'], description: 'the label giving `ruleId` (without it: `alertmanager`)' }),
  INTAKE_AM_RULE_NAME_LABEL: variable({ section: 'intake', value: promLabel(), default: 'alertname', readBy: ['intake'], description: 'the label giving `ruleName` (without it: `alertmanager`)' }),
  INTAKE_AM_TITLE_ANNOTATIONS: variable({ section: 'intake', value: v.list(), default: 'summary,title', readBy: ['intake'], description: 'the annotations giving `title`; the first non-empty one wins' }),
  INTAKE_AM_DESCRIPTION_ANNOTATIONS: variable({ section: 'intake', value: v.list(), default: 'description,message', readBy: ['intake'], description: 'the annotations giving `description`, likewise' }),

  // --- Operator console
  CONSOLE_USERS: variable({ section: 'console', value: v.text(), secret: true, defaultText: 'none: no token login', readBy: ['intake'],
    description: 'who may log in with a personal token: `name:<SHA-256 of the token, hex>`, several separated by commas or new lines ([console.md](console.md#logging-in)); the tokens themselves are never stored' }),
  CONSOLE_USERS_FILE: variable({ section: 'console', value: v.file(), readBy: ['intake'], description: 'the users, from a file' }),
  CONSOLE_PROXY_ADDRESSES: variable({ section: 'console', value: v.list(), defaultText: 'none: no proxy login', readBy: ['intake'],
    description: 'the reverse proxies (oauth2-proxy) whose `X-Forwarded-User` / `X-Forwarded-Email` headers name the person: addresses or CIDR ranges, `10.0.0.5,10.1.0.0/16`; from any other address the headers are ignored' }),
  CONSOLE_SESSION_SECRET: variable({ section: 'console', value: v.text(), secret: true, defaultText: 'none: **the console is off** (404)', readBy: ['intake'],
    description: 'signs the console\'s session and CSRF cookies, at least 32 characters; a new one logs everybody out. Needs `CONSOLE_USERS` or `CONSOLE_PROXY_ADDRESSES`' }),
  CONSOLE_SESSION_SECRET_FILE: variable({ section: 'console', value: v.file(), readBy: ['intake'], description: 'the secret, from a file' }),
  CONSOLE_SESSION_TTL: variable({ section: 'console', value: v.duration({ above0: true, max: [30 * 86_400_000, '30d'] }), default: '12h', readBy: ['intake'], description: 'how long a token login lasts' }),

  // --- Codec endpoint
  CODEC_HOST: variable({ section: 'codec', value: v.text(), default: '127.0.0.1', readBy: ['codec'], description: 'the address it listens on: the Web UI calls it from the browser, so it must be reachable from there' }),
  CODEC_PORT: variable({ section: 'codec', value: v.port(), default: '8089', readBy: ['codec'], description: 'its port (`0`: any free port)' }),
  CODEC_AUTH: variable({ section: 'codec', value: v.oneOf(['bearer', 'none'], 'expected bearer (the default) or none'), default: 'bearer', readBy: ['codec'],
    description: '`none` turns the token check off, for local use only (logged as a warning; excludes `CODEC_TOKENS`)' }),
  CODEC_TOKENS: variable({ section: 'codec', value: v.text(), secret: true, defaultText: 'none: **start-up fails**', readBy: ['codec'],
    description: 'the accepted bearer tokens, 16+ printable characters, several separated by commas or new lines' }),
  CODEC_TOKENS_FILE: variable({ section: 'codec', value: v.file(), readBy: ['codec'], description: 'the tokens, from a file' }),
  CODEC_CORS_ORIGINS: variable({ section: 'codec', value: v.origins(), default: 'http://127.0.0.1:8233,http://localhost:8233', readBy: ['codec'],
    description: 'the Web UI origins allowed to call it from a browser, `scheme://host:port`' }),
  CODEC_BODY_LIMIT: variable({ section: 'codec', value: v.byteSize(256), default: '8mb', readBy: ['codec'], description: 'larger bodies are refused (413)' }),
  CODEC_METRICS_PORT: variable({ section: 'codec', value: v.port(), default: '0', readBy: ['codec'], description: 'its `/metrics`; `0` = off' }),

  // --- Start-up, logs and metrics
  STARTUP_TIMEOUT: variable({ section: 'operations', value: v.duration(), default: '30s', readBy: [...SERVICE, 'intake'],
    description: 'how long start-up waits for its dependencies (the intake: Redis) before it fails' }),
  LOG_LEVEL: variable({ section: 'operations', value: v.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'one of fatal, error, warn, info, debug, trace, silent'),
    default: 'info', readBy: [...SERVICE, 'intake', 'codec'], description: 'the least severe level logged; logs are JSON lines (pino)' }),
  METRICS_PORT: variable({ section: 'operations', value: v.port(), default: { worker: '9464', combined: '9464', ingest: '9465', intake: '9466' }, readBy: [...SERVICE, 'intake'],
    description: '`/metrics`, `/healthz` and `/readyz`; `0` = off' }),
  METRICS_HOST: variable({ section: 'operations', value: v.text(), default: '127.0.0.1', readBy: [...SERVICE, 'intake', 'codec'], description: 'the address the metrics endpoints listen on' }),
  TEMPORAL_METRICS_PORT: variable({ section: 'operations', value: v.port(), defaultText: '`METRICS_PORT` + 10 (off with `METRICS_PORT=0`)', readBy: WORKER,
    description: 'Temporal\'s own worker metrics (task latencies, slots, polls); `0` = off' }),

  // --- Tracing (the SDK reads most of these itself)
  OTEL_SDK_DISABLED: variable({ section: 'tracing', value: v.text().transform((s) => s.trim().toLowerCase() === 'true'), default: 'false', readBy: SERVICE, description: '`true`: tracing off, whatever else is set' }),
  OTEL_TRACES_EXPORTER: variable({ section: 'tracing', value: otelExporter(), defaultText: '`otlp` with an endpoint, else none', readBy: SERVICE,
    description: '`otlp`, `console` (spans printed to stdout) or `none` (off even with an endpoint)' }),
  OTEL_EXPORTER_OTLP_ENDPOINT: variable({ section: 'tracing', value: otelEndpoint(), defaultText: 'none: tracing off', readBy: SERVICE,
    description: 'export traces over OTLP to this collector (`http://collector:4318`; `/v1/traces` is added); setting it turns tracing on' }),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: variable({ section: 'tracing', value: otelEndpoint(), readBy: SERVICE, description: 'the same for traces alone, used as given (wins)' }),
  OTEL_EXPORTER_OTLP_PROTOCOL: variable({ section: 'tracing', value: otelProtocol(), default: 'http/protobuf', readBy: SERVICE,
    description: '`http/protobuf`, `http/json` or `grpc` (then the endpoint is the collector\'s gRPC port, `http://collector:4317`)' }),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: variable({ section: 'tracing', value: otelProtocol(), readBy: SERVICE, description: 'the same for traces alone (wins)' }),
  OTEL_EXPORTER_OTLP_HEADERS: variable({ section: 'tracing', value: v.text(), secret: true, readThrough: OTEL_SDK, readBy: SERVICE,
    description: 'headers of every export, `key=value,…` (a collector\'s API key goes here; never logged)' }),
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: variable({ section: 'tracing', value: v.text(), secret: true, readThrough: OTEL_SDK, readBy: SERVICE, description: 'the same for traces alone' }),
  OTEL_EXPORTER_OTLP_TIMEOUT: variable({ section: 'tracing', value: v.text(), defaultText: '`10000`', readThrough: OTEL_SDK, readBy: SERVICE, description: 'how long an export may take, in milliseconds' }),
  OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: variable({ section: 'tracing', value: v.text(), readThrough: OTEL_SDK, readBy: SERVICE, description: 'the same for traces alone' }),
  OTEL_EXPORTER_OTLP_COMPRESSION: variable({ section: 'tracing', value: v.text(), defaultText: 'none', readThrough: OTEL_SDK, readBy: SERVICE, description: '`gzip` compresses the exports' }),
  OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: variable({ section: 'tracing', value: v.text(), readThrough: OTEL_SDK, readBy: SERVICE, description: 'the same for traces alone' }),
  OTEL_SERVICE_NAME: variable({ section: 'tracing', value: v.text(), defaultText: '`alert-delivery-<process>`', readThrough: OTEL_SDK, readBy: SERVICE, description: 'the `service.name` of every span' }),
  OTEL_RESOURCE_ATTRIBUTES: variable({ section: 'tracing', value: v.text(), readThrough: OTEL_SDK, readBy: SERVICE, description: 'more attributes of every span\'s resource, `key=value,…`' }),
  OTEL_TRACES_SAMPLER: variable({ section: 'tracing', value: v.text(), defaultText: '`parentbased_always_on`', readThrough: OTEL_SDK, readBy: SERVICE,
    description: 'which traces are sampled, e.g. `parentbased_traceidratio`; a producer\'s sampled flag is honoured' }),
  OTEL_TRACES_SAMPLER_ARG: variable({ section: 'tracing', value: v.text(), readThrough: OTEL_SDK, readBy: SERVICE, description: 'the sampler\'s argument, e.g. the ratio `0.1`' }),
  OTEL_BSP_SCHEDULE_DELAY: variable({ section: 'tracing', value: v.text(), defaultText: '`5000`', readThrough: OTEL_SDK, readBy: SERVICE, description: 'milliseconds between two exports of the batch span processor' }),
  OTEL_BSP_MAX_QUEUE_SIZE: variable({ section: 'tracing', value: v.text(), defaultText: '`2048`', readThrough: OTEL_SDK, readBy: SERVICE, description: 'spans waiting at most; a full queue drops spans, never blocks a delivery' }),
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: variable({ section: 'tracing', value: v.text(), defaultText: '`512`', readThrough: OTEL_SDK, readBy: SERVICE, description: 'spans per export' }),
  OTEL_BSP_EXPORT_TIMEOUT: variable({ section: 'tracing', value: v.text(), defaultText: '`30000`', readThrough: OTEL_SDK, readBy: SERVICE, description: 'milliseconds an export may take' }),
  OTEL_PROPAGATORS: variable({ section: 'tracing', value: v.text(), defaultText: '`tracecontext,baggage`', readThrough: OTEL_SDK, readBy: SERVICE,
    description: 'the trace headers the channels\' requests carry (`b3`, `b3multi`, `jaeger` too); the stream entry\'s field is always W3C `traceparent`' }),

  // --- alertctl and the local receiver
  ALERTCTL_DEBUG: variable({ section: 'tools', value: v.flag(), default: '0', readBy: ['alertctl'], description: '`1`: an unexpected error is printed with its stack trace' }),
  USER: variable({ section: 'tools', value: v.text(), defaultText: 'the login name', readBy: ['alertctl'], description: 'who expires a silence, makes or removes an override, for `alertctl silence expire` and `alertctl oncall override` without `--by`' }),
  INTAKE_URL: variable({ section: 'tools', value: v.httpUrl(), default: 'http://127.0.0.1:8088', readBy: ['alertctl'],
    description: 'the intake, as `alertctl oncall` reaches its API (with a token of `INTAKE_TOKEN`); `oncall ical-url`\'s feed URLs start with it' }),
  RECEIVER_HOST: variable({ section: 'tools', value: v.text(), default: '127.0.0.1', readBy: ['receiver'], description: 'the address of the local receiver (`node dist/src/receiver.js`)' }),
  RECEIVER_PORT: variable({ section: 'tools', value: v.port(), default: '8787', readBy: ['receiver'], description: 'its port' }),
  RECEIVER_STATUS: variable({ section: 'tools', value: v.wholeNumber(200, 599), default: '200', readBy: ['receiver'],
    description: 'the status it answers every alert with (e.g. `410`, to see an alert parked)' }),
} as const satisfies Record<string, Variable>;

export type Variables = typeof VARIABLES;
export type VariableName = keyof Variables;
/** A variable's value as readVariables returns it: undefined when it has no default and is unset (or refused). */
export type ValueOf<N extends VariableName> = Variables[N] extends Variable<infer T, infer D> ? (D extends true ? T : T | undefined) : never;

/** The variables `process` reads. */
export function variablesOf(process: ProcessName): VariableName[] {
  return (Object.keys(VARIABLES) as VariableName[]).filter((n) => (VARIABLES[n].readBy as readonly string[]).includes(process));
}

// --- value kinds used by one section only

function promLabel() {
  return v.matching(/^[A-Za-z_][A-Za-z0-9_]*$/, 'not a Prometheus label name');
}

function printable() {
  return v.matching(/^[\x21-\x7e][\x20-\x7e]{0,127}$/, 'expected printable text of at most 128 characters');
}

function otelProtocol() {
  return v.text().transform((s) => s.trim()).pipe(v.oneOf(OTLP_PROTOCOLS, `expected ${OTLP_PROTOCOLS.join(', ')}`));
}

/** One exporter (lower case), or none. */
function otelExporter() {
  return v.text().transform((s, ctx) => {
    const all = s.split(',').map((e) => e.trim().toLowerCase()).filter(Boolean);
    if (all.length > 1) ctx.addIssue({ code: 'custom', message: 'one exporter at a time (otlp, console or none)', input: s });
    else if (all.length && !['otlp', 'console', 'none'].includes(all[0])) ctx.addIssue({ code: 'custom', message: 'expected otlp, console or none', input: s });
    return (all[0] ?? 'none') as 'otlp' | 'console' | 'none';
  });
}

/** An http(s) collector URL; never echoed (it may carry a user and password). */
function otelEndpoint() {
  return v.text().transform((s, ctx) => {
    const u = s.trim();
    if (!/^https?:\/\/[^\s]+$/.test(u)) ctx.addIssue({ code: 'custom', message: 'expected an http:// or https:// URL', input: s, params: { quote: false } });
    return u;
  });
}
