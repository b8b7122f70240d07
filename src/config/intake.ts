// The intake process's configuration: the settings it shares with the service (Redis, the stream, Temporal,
// OpenSearch, the channels file, logs and metrics) and its own (src/intake/config.ts), checked together: one
// error lists every problem.
import { ConfigError } from '../errors';
import { loadIntakeConfig, type IntakeConfig } from '../intake/config';
import { environmentOf, type Env } from './read';
import { loadConfig, type ServiceConfig } from './service';

export function loadIntakeSettings(env: Env = process.env): { cfg: ServiceConfig; intake: IntakeConfig } {
  const problems: string[] = [];
  let cfg: ServiceConfig | undefined;
  try {
    cfg = loadConfig('intake', env);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    problems.push(...e.problems);
    if (!e.problems.length) problems.push(e.message);
  }
  const intake = loadIntakeConfig(environmentOf(env, 'intake'), problems);
  // WAIT counts the replicas of the connection it is sent on; a Cluster client cannot send it where the XADDs went.
  if (cfg?.redis.cluster && intake.waitReplicas > 0) problems.push('INTAKE_WAIT_REPLICAS: not with REDIS_CLUSTER_NODES (WAIT must follow the XADDs on their node\'s connection)');
  if (problems.length || !cfg) throw new ConfigError('Invalid configuration (environment):', [...new Set(problems)]);
  return { cfg, intake };
}
