// The intake's own settings (INTAKE_*, ACK_SECRET[_FILE], ONCALL_ICAL_SECRET[_FILE], SLACK_*), validated at start-up with every bad value named at
// once. Redis, the stream, MAX_EVENT_BYTES, CHANNELS_FILE, Temporal, OpenSearch, STARTUP_TIMEOUT, LOG_LEVEL and
// the metrics endpoint are the service's common settings (src/config/service.ts); the intake process reads both
// (src/config/intake.ts).
import { linkBase, loadAckSecret } from '../config/ack-links';
import { loadConsoleSettings, type ConsoleSettings } from '../config/console';
import { loadIcalSecret } from '../config/oncall';
import { readSecretSetting, readVariables, type Env } from '../config/read';
import { bearerTokens } from '../config/tokens';
import { DEFAULT_SEVERITY_TABLE, type AlertmanagerMapping } from './alertmanager';

export interface IntakeConfig {
  /** INTAKE_HOST */
  host: string;
  /** INTAKE_PORT (0 = any free port) */
  port: number;
  /** INTAKE_AUTH: `none` turns the bearer check off (local use only; logged as a warning). */
  auth: 'bearer' | 'none';
  /** INTAKE_TOKEN or INTAKE_TOKEN_FILE: accepted bearer tokens (several, separated by commas or new lines, for rotation). */
  tokens: string[];
  /** INTAKE_BODY_LIMIT: larger request bodies are refused with 413 before they are read. */
  bodyLimit: number;
  /** INTAKE_MAX_ALERTS: more alerts in one request are refused with 413. */
  maxAlerts: number;
  /** ACK_SECRET or ACK_SECRET_FILE (>= 32 bytes): verifies ack links; unset = ack links off (404). */
  ackSecret?: Buffer;
  /** ONCALL_ICAL_SECRET or ONCALL_ICAL_SECRET_FILE (>= 32 characters): the calendar feeds' token key; unset = no feeds (404). */
  icalSecret?: Buffer;
  /**
   * ACK_LINK_BASE: the intake's public URL, as the worker builds the SMS and voice provider's callback URLs with it
   * (src/intake/twilio-routes.ts verifies their signatures over `<publicUrl><path>`); unset: no such callbacks (404).
   */
  publicUrl?: string;
  /** INTAKE_ACK_TIMEOUT: how long an acknowledgement waits for the workflow's answer. */
  ackTimeoutMs: number;
  /** INTAKE_REDIS_TIMEOUT: how long a write to the stream may take before the request answers 503. */
  redisTimeoutMs: number;
  /** INTAKE_WAIT_REPLICAS: replicas that must confirm a request's XADDs (Redis `WAIT`) before it answers 202; 0: none. */
  waitReplicas: number;
  /** SLACK_SIGNING_SECRET or SLACK_SIGNING_SECRET_FILE: verifies the Slack app's button presses; unset = no /slack/interactions (404). */
  slackSigningSecret?: Buffer;
  /** SLACK_RESPONSE_URLS: the prefixes a press's response_url must start with. */
  slackResponseUrls: string[];
  /** INTAKE_AM_*: how an Alertmanager alert becomes an AlertEvent. */
  alertmanager: AlertmanagerMapping;
  /** CONSOLE_*: the operator console (docs/console.md); absent: off (404). */
  console?: ConsoleSettings;
}

/** Reads the intake's settings; problems are pushed to `problems` (named, never with a secret's value). */
export function loadIntakeConfig(env: Env, problems: string[]): IntakeConfig {
  const s = readVariables(env, ['INTAKE_HOST', 'INTAKE_PORT', 'INTAKE_AUTH', 'INTAKE_BODY_LIMIT', 'INTAKE_MAX_ALERTS', 'INTAKE_ACK_TIMEOUT', 'INTAKE_REDIS_TIMEOUT', 'INTAKE_WAIT_REPLICAS', 'SLACK_RESPONSE_URLS',
    'INTAKE_AM_SEVERITY_LABEL', 'INTAKE_AM_SEVERITY_MAP', 'INTAKE_AM_DEFAULT_SEVERITY', 'INTAKE_AM_VIEW_LABEL', 'INTAKE_AM_DEFAULT_VIEW', 'INTAKE_AM_SCOPE_LABEL',
    'INTAKE_AM_DEFAULT_SCOPE', 'INTAKE_AM_RULE_ID_LABEL', 'INTAKE_AM_RULE_NAME_LABEL', 'INTAKE_AM_TITLE_ANNOTATIONS', 'INTAKE_AM_DESCRIPTION_ANNOTATIONS'], problems);
  const tokens = bearerTokens(env, 'INTAKE_TOKEN', s.INTAKE_AUTH, problems);
  const ackSecret = loadAckSecret(env, problems);
  const { ACK_LINK_BASE: base } = readVariables(env, ['ACK_LINK_BASE'], problems);
  const publicUrl = base ? linkBase(base, problems) : undefined;
  const icalSecret = loadIcalSecret(env, problems);
  const slackSigningSecret = readSecretSetting(env, 'SLACK_SIGNING_SECRET', problems);
  const consoleSettings = loadConsoleSettings(env, problems);
  return {
    host: s.INTAKE_HOST,
    port: s.INTAKE_PORT,
    auth: s.INTAKE_AUTH,
    tokens,
    bodyLimit: s.INTAKE_BODY_LIMIT,
    maxAlerts: s.INTAKE_MAX_ALERTS,
    ...(ackSecret ? { ackSecret } : {}),
    ...(publicUrl ? { publicUrl } : {}),
    ...(icalSecret ? { icalSecret } : {}),
    ...(consoleSettings ? { console: consoleSettings } : {}),
    ackTimeoutMs: s.INTAKE_ACK_TIMEOUT,
    redisTimeoutMs: s.INTAKE_REDIS_TIMEOUT,
    waitReplicas: s.INTAKE_WAIT_REPLICAS,
    ...(slackSigningSecret ? { slackSigningSecret } : {}),
    slackResponseUrls: s.SLACK_RESPONSE_URLS,
    alertmanager: {
      severityLabel: s.INTAKE_AM_SEVERITY_LABEL,
      severityTable: { ...DEFAULT_SEVERITY_TABLE, ...s.INTAKE_AM_SEVERITY_MAP },
      defaultSeverity: s.INTAKE_AM_DEFAULT_SEVERITY,
      viewLabel: s.INTAKE_AM_VIEW_LABEL,
      defaultView: s.INTAKE_AM_DEFAULT_VIEW,
      scopeLabel: s.INTAKE_AM_SCOPE_LABEL,
      defaultScope: s.INTAKE_AM_DEFAULT_SCOPE,
      ruleIdLabel: s.INTAKE_AM_RULE_ID_LABEL,
      ruleNameLabel: s.INTAKE_AM_RULE_NAME_LABEL,
      titleAnnotations: s.INTAKE_AM_TITLE_ANNOTATIONS,
      descriptionAnnotations: s.INTAKE_AM_DESCRIPTION_ANNOTATIONS,
    },
  };
}
