// The intake's own settings (INTAKE_*, ACK_*), validated at start-up with every bad value named at once.
// Redis, the stream, MAX_EVENT_BYTES, CHANNELS_FILE, Temporal, STARTUP_TIMEOUT and LOG_LEVEL are the
// service's common settings (src/config.ts).
import { envInt } from '../env-int';
import { parseDuration } from '../duration';
import { SEVERITIES, type Severity } from '../shared';
import { loadAckSecret, readSecretSetting } from './ack-secret';
import { DEFAULT_SEVERITY_TABLE, type AlertmanagerMapping } from './alertmanager';

type Env = Record<string, string | undefined>;

export interface IntakeConfig {
  /** INTAKE_HOST (0.0.0.0) */
  host: string;
  /** INTAKE_PORT (8088; 0 = any free port) */
  port: number;
  /** INTAKE_AUTH (bearer): `none` turns the bearer check off (local use only; logged as a warning). */
  auth: 'bearer' | 'none';
  /** INTAKE_TOKEN or INTAKE_TOKEN_FILE: accepted bearer tokens (several, separated by commas or new lines, for rotation). */
  tokens: string[];
  /** INTAKE_BODY_LIMIT (1mb): larger request bodies are refused with 413 before they are read. */
  bodyLimit: number;
  /** INTAKE_MAX_ALERTS (1000): more alerts in one request are refused with 413. */
  maxAlerts: number;
  /** ACK_SECRET or ACK_SECRET_FILE (>= 32 bytes): verifies ack links; unset = ack links off (404). */
  ackSecret?: Buffer;
  /** INTAKE_ACK_TIMEOUT (10s): how long an acknowledgement waits for the workflow's answer. */
  ackTimeoutMs: number;
  /** INTAKE_REDIS_TIMEOUT (5s): how long a write to the stream may take before the request answers 503. */
  redisTimeoutMs: number;
  /** METRICS_PORT (9466; 0 = off): /metrics, /healthz, /readyz on 127.0.0.1 (METRICS_HOST), as the other processes. */
  metricsPort: number;
  /** INTAKE_AM_*: how an Alertmanager alert becomes an AlertEvent. */
  alertmanager: AlertmanagerMapping;
}

const MIN_TOKEN_LENGTH = 16;

/** `1048576`, `512kb`, `1mb` (binary units). */
export function parseByteSize(text: string): number | undefined {
  const m = /^\s*(\d+)\s*(b|kb|kib|mb|mib)?\s*$/i.exec(text);
  if (!m) return undefined;
  const unit = (m[2] ?? 'b').toLowerCase();
  return Number(m[1]) * (unit.startsWith('k') ? 1024 : unit.startsWith('m') ? 1024 * 1024 : 1);
}

/** Reads the intake's settings; problems are pushed to `problems` (named, never with a secret's value). */
export function loadIntakeConfig(env: Env, problems: string[]): IntakeConfig {
  const str = (name: string, def: string) => (env[name] === undefined || env[name] === '' ? def : env[name]);
  const int = (name: string, def: number, min: number, max: number): number => envInt(env, problems, name, def, min, max);
  const dur = (name: string, def: string): number => {
    const raw = str(name, def);
    const n = parseDuration(raw);
    if (n === undefined || n <= 0) problems.push(`${name}=${JSON.stringify(raw)}: expected a duration above 0 such as 500ms, 10s, 1m`);
    return n ?? 0;
  };
  const list = (name: string, def: string) => str(name, def).split(',').map((s) => s.trim()).filter(Boolean);

  const auth = str('INTAKE_AUTH', 'bearer');
  if (auth !== 'bearer' && auth !== 'none') problems.push(`INTAKE_AUTH=${JSON.stringify(auth)}: expected bearer (the default) or none`);
  const tokenText = readSecretSetting(env, 'INTAKE_TOKEN', problems)?.toString('utf8');
  const tokens = (tokenText ?? '').split(/[,\n\r]+/).map((t) => t.trim()).filter(Boolean);
  const tokenSource = env.INTAKE_TOKEN ? 'INTAKE_TOKEN' : 'INTAKE_TOKEN_FILE';
  if (auth === 'bearer') {
    if (tokenText === undefined) problems.push('INTAKE_TOKEN or INTAKE_TOKEN_FILE: no bearer token configured (set one, e.g. openssl rand -hex 32; INTAKE_AUTH=none turns authentication off for local use)');
    else if (!tokens.length) problems.push(`${tokenSource}: holds no token`);
    for (const [i, t] of tokens.entries()) {
      if (t.length < MIN_TOKEN_LENGTH) problems.push(`${tokenSource}: token ${i + 1} is ${t.length} characters, at least ${MIN_TOKEN_LENGTH} needed`);
      else if (!/^[\x21-\x7e]+$/.test(t)) problems.push(`${tokenSource}: token ${i + 1} must be printable ASCII without spaces`);
    }
  } else if (auth === 'none' && tokenText !== undefined) {
    problems.push(`INTAKE_AUTH=none and ${tokenSource} exclude each other: unset one`);
  }

  const ackSecret = loadAckSecret(env, problems);

  const bodyRaw = str('INTAKE_BODY_LIMIT', '1mb');
  const bodyLimit = parseByteSize(bodyRaw);
  if (bodyLimit === undefined || bodyLimit < 1024 || bodyLimit > 64 * 1024 * 1024) problems.push(`INTAKE_BODY_LIMIT=${JSON.stringify(bodyRaw)}: expected a size from 1kb to 64mb (bytes, or with kb / mb)`);

  const severity = (name: string, value: string): Severity => {
    if (!(SEVERITIES as readonly string[]).includes(value)) problems.push(`${name}: ${JSON.stringify(value)} is not one of ${SEVERITIES.join(', ')}`);
    return value as Severity;
  };
  const severityTable: Record<string, Severity> = { ...DEFAULT_SEVERITY_TABLE };
  for (const pair of list('INTAKE_AM_SEVERITY_MAP', '')) {
    const m = /^([^=]+)=(.+)$/.exec(pair);
    if (!m) problems.push(`INTAKE_AM_SEVERITY_MAP: ${JSON.stringify(pair)}: expected value=severity`);
    else severityTable[m[1].trim().toLowerCase()] = severity('INTAKE_AM_SEVERITY_MAP', m[2].trim());
  }
  const label = (name: string, def: string): string => {
    const v = str(name, def);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(v)) problems.push(`${name}=${JSON.stringify(v)}: not a Prometheus label name`);
    return v;
  };
  const fallback = (name: string, def: string): string => {
    const v = str(name, def);
    if (!/^[\x21-\x7e][\x20-\x7e]{0,127}$/.test(v)) problems.push(`${name}=${JSON.stringify(v)}: expected printable text of at most 128 characters`);
    return v;
  };

  return {
    host: str('INTAKE_HOST', '0.0.0.0'),
    port: int('INTAKE_PORT', 8088, 0, 65_535),
    auth: auth === 'none' ? 'none' : 'bearer',
    tokens,
    bodyLimit: bodyLimit ?? 0,
    maxAlerts: int('INTAKE_MAX_ALERTS', 1000, 1, 100_000),
    ...(ackSecret ? { ackSecret } : {}),
    ackTimeoutMs: dur('INTAKE_ACK_TIMEOUT', '10s'),
    redisTimeoutMs: dur('INTAKE_REDIS_TIMEOUT', '5s'),
    metricsPort: int('METRICS_PORT', 9466, 0, 65_535),
    alertmanager: {
      severityLabel: label('INTAKE_AM_SEVERITY_LABEL', 'severity'),
      severityTable,
      defaultSeverity: severity('INTAKE_AM_DEFAULT_SEVERITY', str('INTAKE_AM_DEFAULT_SEVERITY', 'high')),
      viewLabel: label('INTAKE_AM_VIEW_LABEL', 'view'),
      defaultView: fallback('INTAKE_AM_DEFAULT_VIEW', 'alertmanager'),
      scopeLabel: label('INTAKE_AM_SCOPE_LABEL', 'instance'),
      defaultScope: fallback('INTAKE_AM_DEFAULT_SCOPE', 'global'),
      ruleIdLabel: label('INTAKE_AM_RULE_ID_LABEL', 'alertname'),
      ruleNameLabel: label('INTAKE_AM_RULE_NAME_LABEL', 'alertname'),
      titleAnnotations: list('INTAKE_AM_TITLE_ANNOTATIONS', 'summary,title'),
      descriptionAnnotations: list('INTAKE_AM_DESCRIPTION_ANNOTATIONS', 'description,message'),
    },
  };
}
