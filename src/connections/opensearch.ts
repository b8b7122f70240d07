// How the worker, the ingest, the intake and alertctl reach OpenSearch, managed or not: basic auth or AWS SigV4
// (Amazon OpenSearch Service; credentials from the AWS SDK's default chain: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY,
// AWS_PROFILE, web identity (EKS IRSA), ECS or EC2 instance roles), a custom CA, and the settings of the index the
// service creates (rollover mode: ALERT_INDEX is a write alias, see store/rollover.ts). The variables:
// src/config/schema.ts (docs/configuration.md).
// Only index-level rights are needed (create the index, read its mapping, index/update/get documents):
// the start-up check never calls a cluster-level API (rollover mode adds one: reading the template the next
// index will be made from). Secrets never appear in `describe`.
import { Client, type ClientOptions } from '@opensearch-project/opensearch';
import { AwsSigv4Signer } from '@opensearch-project/opensearch/aws';
import { readSettingFile, readVariables, type Env } from '../config/read';

export interface OpenSearchTarget {
  options: ClientOptions;
  /** Settings of the index the service creates when it is absent; whether ALERT_INDEX is a rollover write alias. */
  index: { shards: number; replicas: number; rollover: boolean };
  /** For logs and errors: where and how, never a password. */
  describe: string;
}

/** Reads the OpenSearch settings besides OPENSEARCH_URL (read by the caller, as `url`); every problem is pushed to `problems` (named, without secrets). */
export function loadOpenSearchTarget(env: Env, url: string, problems: string[]): OpenSearchTarget {
  const s = readVariables(env, ['OPENSEARCH_INDEX_SHARDS', 'OPENSEARCH_INDEX_REPLICAS', 'OPENSEARCH_INDEX_ROLLOVER', 'OPENSEARCH_USERNAME', 'OPENSEARCH_PASSWORD',
    'OPENSEARCH_PASSWORD_FILE', 'OPENSEARCH_CA_FILE', 'OPENSEARCH_AWS_REGION', 'OPENSEARCH_AWS_SERVICE'], problems);
  const index = { shards: s.OPENSEARCH_INDEX_SHARDS, replicas: s.OPENSEARCH_INDEX_REPLICAS, rollover: s.OPENSEARCH_INDEX_ROLLOVER };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { options: { node: url }, index, describe: url }; // OPENSEARCH_URL itself is reported by the caller
  }
  const username = s.OPENSEARCH_USERNAME || decodeURIComponent(parsed.username) || undefined;
  const password = readSettingFile('OPENSEARCH_PASSWORD_FILE', s.OPENSEARCH_PASSWORD_FILE, problems)?.toString('utf8').trim() ?? (s.OPENSEARCH_PASSWORD || decodeURIComponent(parsed.password) || undefined);
  if (password && !username) problems.push('OPENSEARCH_PASSWORD is set without OPENSEARCH_USERNAME');
  const ca = readSettingFile('OPENSEARCH_CA_FILE', s.OPENSEARCH_CA_FILE, problems)?.toString('utf8');
  if (ca && parsed.protocol !== 'https:') problems.push('OPENSEARCH_CA_FILE is set but OPENSEARCH_URL is not https://');
  const region = s.OPENSEARCH_AWS_REGION;
  const service = s.OPENSEARCH_AWS_SERVICE;
  if (region && username) problems.push('OPENSEARCH_AWS_REGION (SigV4) and OPENSEARCH_USERNAME (basic auth) exclude each other');
  const node = `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  const how = [parsed.protocol === 'https:' ? 'TLS' : 'plaintext', ...(username ? [`user ${username}`] : []), ...(region ? [`AWS SigV4 ${service} ${region}`] : [])].join(', ');
  return {
    options: {
      node,
      ...(username ? { auth: { username, password: password ?? '' } } : {}),
      ...(ca ? { ssl: { ca } } : {}),
      ...(region ? AwsSigv4Signer({ region, service }) : {}),
    },
    index,
    describe: `${node} (${how})`,
  };
}

export function opensearchClient(target: OpenSearchTarget): Client {
  return new Client({ ...target.options, requestTimeout: 10_000, maxRetries: 2 });
}
