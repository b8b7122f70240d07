// alertctl's configuration: the service's settings as alertctl reads them (Redis, the stream, Temporal with the
// command line's --address/--namespace/--profile on top, OpenSearch, the Web UI's address), and ALERTCTL_DEBUG.
import type { TargetOverrides } from '../connections/temporal';
import { environmentOf, readVariables, type Env } from './read';
import { loadConfig, type ServiceConfig } from './service';

export function loadAlertctlConfig(overrides: TargetOverrides, env: Env = process.env): ServiceConfig {
  return loadConfig('alertctl', env, overrides);
}

/** USER: who runs alertctl (undefined when unset; the login name is the caller's fallback). */
export function alertctlUser(env: Env = process.env): string | undefined {
  return readVariables(environmentOf(env, 'alertctl'), ['USER'], []).USER;
}

/** ALERTCTL_DEBUG: unexpected errors with their stack trace. Read on its own (a bad value is just off): an error in the other settings must show it too. */
export function alertctlDebug(env: Env = process.env): boolean {
  return readVariables(environmentOf(env, 'alertctl'), ['ALERTCTL_DEBUG'], []).ALERTCTL_DEBUG;
}
