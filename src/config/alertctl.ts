// alertctl's configuration: the service's settings as alertctl reads them (Redis, the stream, Temporal with the
// command line's --address/--namespace/--profile on top, OpenSearch, the Web UI's address), ALERTCTL_DEBUG, and the
// intake's URL and token with the calendar feeds' key (`alertctl oncall`).
import type { TargetOverrides } from '../connections/temporal';
import { ConfigError } from '../errors';
import { loadIcalSecret } from './oncall';
import { environmentOf, readSecretSetting, readVariables, type Env } from './read';
import { loadConfig, type ServiceConfig } from './service';

/** The process's environment, as alertctl's entry (src/alertctl.ts) hands it on: a command reads only what it is handed. */
export function alertctlEnvironment(): Env {
  return process.env;
}

export function loadAlertctlConfig(overrides: TargetOverrides, env: Env): ServiceConfig {
  return loadConfig('alertctl', env, overrides);
}

/** USER: who runs alertctl (undefined when unset; the login name is the caller's fallback). */
export function alertctlUser(env: Env): string | undefined {
  return readVariables(environmentOf(env, 'alertctl'), ['USER'], []).USER;
}

/** ALERTCTL_DEBUG: unexpected errors with their stack trace. Read on its own (a bad value is just off): an error in the other settings must show it too. */
export function alertctlDebug(env: Env): boolean {
  return readVariables(environmentOf(env, 'alertctl'), ['ALERTCTL_DEBUG'], []).ALERTCTL_DEBUG;
}

/** How `alertctl oncall` reaches the intake's API, and the calendar feeds' key (`oncall ical-url`). */
export interface AlertctlIntake {
  /** INTAKE_URL */
  url: string;
  /** The first token of INTAKE_TOKEN or INTAKE_TOKEN_FILE; none: sent without (an intake with INTAKE_AUTH=none). */
  token?: string;
  /** ONCALL_ICAL_SECRET or ONCALL_ICAL_SECRET_FILE, the intake's. */
  icalSecret?: Buffer;
}

/** INTAKE_URL, INTAKE_TOKEN[_FILE], ONCALL_ICAL_SECRET[_FILE]; a bad one throws ConfigError naming every problem (never a secret). */
export function alertctlIntake(env: Env): AlertctlIntake {
  const own = environmentOf(env, 'alertctl');
  const problems: string[] = [];
  const { INTAKE_URL } = readVariables(own, ['INTAKE_URL'], problems);
  const token = readSecretSetting(own, 'INTAKE_TOKEN', problems)?.toString('utf8').split(/[,\n\r]+/).map((t) => t.trim()).find(Boolean);
  const icalSecret = loadIcalSecret(own, problems);
  if (problems.length) throw new ConfigError('Invalid configuration (environment):', problems);
  return { url: INTAKE_URL, ...(token ? { token } : {}), ...(icalSecret ? { icalSecret } : {}) };
}
