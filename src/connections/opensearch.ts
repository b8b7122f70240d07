// How the worker and the ingest reach OpenSearch, managed or not:
//   OPENSEARCH_URL                 http[s]://host:port (user:password in the URL works too)
//   OPENSEARCH_USERNAME / OPENSEARCH_PASSWORD / OPENSEARCH_PASSWORD_FILE   basic auth (the file wins)
//   OPENSEARCH_CA_FILE             a custom CA for the server's certificate (https)
//   OPENSEARCH_AWS_REGION          sign every request with AWS SigV4 (Amazon OpenSearch Service), for this region;
//   OPENSEARCH_AWS_SERVICE         es (default, managed domains) or aoss (Serverless). Credentials come from the
//                                  AWS SDK's default chain: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY[/AWS_SESSION_TOKEN],
//                                  AWS_PROFILE, web identity (EKS IRSA), ECS or EC2 instance roles
//   OPENSEARCH_INDEX_SHARDS (1), OPENSEARCH_INDEX_REPLICAS (0)   settings of the index the service creates
//                                  (rollover mode: of the template `alertctl index-template` writes)
//   OPENSEARCH_INDEX_ROLLOVER (false)   true: ALERT_INDEX is a write alias over <ALERT_INDEX>-000001, … made from
//                                  an index template and rolled over by ISM or _rollover (see store/rollover.ts)
// Only index-level rights are needed (create the index, read its mapping, index/update/get documents):
// the start-up check never calls a cluster-level API (rollover mode adds one: reading the template the next
// index will be made from). Secrets never appear in `describe`.
import { Client, type ClientOptions } from '@opensearch-project/opensearch';
import { AwsSigv4Signer } from '@opensearch-project/opensearch/aws';
import { envFile } from './env-file';

type Env = Record<string, string | undefined>;

export interface OpenSearchTarget {
  options: ClientOptions;
  /** Settings of the index the service creates when it is absent; whether ALERT_INDEX is a rollover write alias. */
  index: { shards: number; replicas: number; rollover: boolean };
  /** For logs and errors: where and how, never a password. */
  describe: string;
}

/** Reads the OpenSearch settings; every problem is pushed to `problems` (named, without secrets). */
export function loadOpenSearchTarget(env: Env, url: string, problems: string[]): OpenSearchTarget {
  const count = (name: string, def: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return def;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < (name.endsWith('SHARDS') ? 1 : 0) || n > max) problems.push(`${name}=${JSON.stringify(raw)}: expected a whole number up to ${max}`);
    return n;
  };
  const rollover = env.OPENSEARCH_INDEX_ROLLOVER ?? '';
  if (!['', 'true', 'false'].includes(rollover)) problems.push(`OPENSEARCH_INDEX_ROLLOVER=${JSON.stringify(rollover)}: expected true or false`);
  const index = { shards: count('OPENSEARCH_INDEX_SHARDS', 1, 1024), replicas: count('OPENSEARCH_INDEX_REPLICAS', 0, 16), rollover: rollover === 'true' };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { options: { node: url }, index, describe: url }; // OPENSEARCH_URL itself is reported by loadConfig
  }
  const read = (name: string) => envFile(env, name, problems)?.toString('utf8');
  const username = env.OPENSEARCH_USERNAME || decodeURIComponent(parsed.username) || undefined;
  const password = read('OPENSEARCH_PASSWORD_FILE')?.trim() ?? (env.OPENSEARCH_PASSWORD || decodeURIComponent(parsed.password) || undefined);
  if (password && !username) problems.push('OPENSEARCH_PASSWORD is set without OPENSEARCH_USERNAME');
  const ca = read('OPENSEARCH_CA_FILE');
  if (ca && parsed.protocol !== 'https:') problems.push('OPENSEARCH_CA_FILE is set but OPENSEARCH_URL is not https://');
  const region = env.OPENSEARCH_AWS_REGION;
  const service = env.OPENSEARCH_AWS_SERVICE || 'es';
  if (service !== 'es' && service !== 'aoss') problems.push(`OPENSEARCH_AWS_SERVICE=${JSON.stringify(service)}: expected es or aoss`);
  if (region && username) problems.push('OPENSEARCH_AWS_REGION (SigV4) and OPENSEARCH_USERNAME (basic auth) exclude each other');
  const node = `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  const how = [parsed.protocol === 'https:' ? 'TLS' : 'plaintext', ...(username ? [`user ${username}`] : []), ...(region ? [`AWS SigV4 ${service} ${region}`] : [])].join(', ');
  return {
    options: {
      node,
      ...(username ? { auth: { username, password: password ?? '' } } : {}),
      ...(ca ? { ssl: { ca } } : {}),
      ...(region ? AwsSigv4Signer({ region, service: service as 'es' | 'aoss' }) : {}),
    },
    index,
    describe: `${node} (${how})`,
  };
}

export function opensearchClient(target: OpenSearchTarget): Client {
  return new Client({ ...target.options, requestTimeout: 10_000, maxRetries: 2 });
}
