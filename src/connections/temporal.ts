// How every process (worker, ingest, intake, alertctl) reaches Temporal: exactly as the `temporal` CLI does, through
// @temporalio/envconfig, so one temporal.toml configures both: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
// TEMPORAL_API_KEY[_FILE], TEMPORAL_TLS*, TEMPORAL_GRPC_META_<NAME>, a profile (TEMPORAL_PROFILE) of the TOML file
// (TEMPORAL_CONFIG_FILE); the variables override the profile (src/config/schema.ts, docs/configuration.md).
// Payload encryption (PAYLOAD_ENCRYPTION_KEYS…, src/codec/keys.ts) is part of the target: every client and
// worker made from it uses its dataConverter.
import fs from 'node:fs';
import type { DataConverter } from '@temporalio/common';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { describePayloadKeys, loadPayloadKeys, payloadDataConverter } from '../codec';
import { readFamily, readVariables, type Env } from '../config/read';
import { ConfigError } from '../errors';

export interface TemporalTarget {
  /** Options for `Connection.connect` and `NativeConnection.connect` alike. */
  connection: { address: string; tls?: TLSConfig | boolean; apiKey?: string; metadata?: Record<string, string> };
  namespace: string;
  /** The address is Temporal Cloud's (`*.tmprl.cloud`): operator fixes differ (Cloud UI / tcld, not the CLI). */
  cloud: boolean;
  /** For logs and errors: the address and how it authenticates, never a secret. */
  describe: string;
  /** For every Client and Worker: the AES-GCM codec when payload encryption keys are configured, else the defaults. */
  dataConverter: DataConverter;
  /** For logs: `on (current key <id>, keys <ids>)` or `off`; key IDs only. */
  encryption: string;
}

export interface TargetOverrides {
  profile?: string;
  address?: string;
  namespace?: string;
}

const DEFAULT_ADDRESS = 'localhost:7233';

/** The variables envconfig reads, as the schema has them (unset and empty ones left out, as the CLI does). */
const ENVCONFIG_VARIABLES = ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'TEMPORAL_API_KEY', 'TEMPORAL_TLS', 'TEMPORAL_TLS_CLIENT_CERT_PATH', 'TEMPORAL_TLS_CLIENT_KEY_PATH',
  'TEMPORAL_TLS_CLIENT_CERT_DATA', 'TEMPORAL_TLS_CLIENT_KEY_DATA', 'TEMPORAL_TLS_SERVER_CA_CERT_PATH', 'TEMPORAL_TLS_SERVER_CA_CERT_DATA', 'TEMPORAL_TLS_SERVER_NAME',
  'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION', 'TEMPORAL_CONFIG_FILE', 'XDG_CONFIG_HOME', 'HOME'] as const;

/** Loads the connection like the CLI; flags (alertctl's --address/--namespace/--profile) win over everything. */
export function loadTemporalTarget(env: Env, overrides: TargetOverrides = {}): TemporalTarget {
  const s = readVariables(env, [...ENVCONFIG_VARIABLES, 'TEMPORAL_API_KEY_FILE', 'TEMPORAL_PROFILE'], []); // text: nothing to refuse
  const vars: Record<string, string> = { ...readFamily(env, 'TEMPORAL_GRPC_META_<NAME>') };
  for (const name of ENVCONFIG_VARIABLES) if (s[name] !== undefined) vars[name] = s[name];
  if (s.TEMPORAL_API_KEY_FILE && !vars.TEMPORAL_API_KEY) vars.TEMPORAL_API_KEY = readSecret('TEMPORAL_API_KEY_FILE', s.TEMPORAL_API_KEY_FILE);
  const profile = overrides.profile ?? s.TEMPORAL_PROFILE;
  let loaded: ReturnType<typeof loadClientConnectConfig>;
  try {
    loaded = loadClientConnectConfig({ ...(profile ? { profile } : {}), overrideEnvVars: vars });
  } catch (e) {
    throw new ConfigError(`Invalid Temporal connection settings: ${(e as Error).message}`);
  }
  const keys = loadPayloadKeys(env);
  const opts = loaded.connectionOptions;
  const address = overrides.address ?? opts.address ?? DEFAULT_ADDRESS;
  if (!/^[^\s/]+:\d{1,5}$/.test(address)) throw new ConfigError(`Invalid Temporal connection settings: address ${JSON.stringify(address)}: expected host:port`);
  const namespace = overrides.namespace ?? loaded.namespace ?? 'default';
  const tls = opts.tls ?? undefined;
  const mtls = typeof tls === 'object' && tls.clientCertPair !== undefined;
  const auth = [tls ? (mtls ? 'mTLS' : 'TLS') : 'plaintext', ...(opts.apiKey ? ['API key'] : [])].join(', ');
  return {
    connection: { address, ...(tls !== undefined ? { tls } : {}), ...(opts.apiKey ? { apiKey: opts.apiKey } : {}), ...(opts.metadata ? { metadata: opts.metadata as Record<string, string> } : {}) },
    namespace,
    cloud: /\.tmprl\.cloud:\d+$/.test(address),
    describe: `${address} (namespace ${namespace}, ${auth}${profile ? `, profile ${profile}` : ''})`,
    dataConverter: payloadDataConverter(keys),
    encryption: describePayloadKeys(keys),
  };
}

function readSecret(variable: string, file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch (e) {
    throw new ConfigError(`Cannot read ${variable}=${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}
