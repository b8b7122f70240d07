// How the ingest, the worker and alertctl reach Redis, managed or not:
//   REDIS_URL              redis://[user:password@]host:port, or rediss:// for TLS (ACL user and password)
//   REDIS_PASSWORD_FILE    the password from a file (overrides the URL's)
//   REDIS_TLS_CA_FILE      a custom CA for the server's certificate (rediss://)
//   REDIS_TLS_CERT_FILE / REDIS_TLS_KEY_FILE   a client certificate (servers with tls-auth-clients)
//   REDIS_TLS_SERVER_NAME  the name to verify the server's certificate against (default: the URL's host)
//   REDIS_SENTINELS        host:port,host:port,… — find the primary through Redis Sentinel (failover-aware);
//   REDIS_SENTINEL_MASTER  the primary's name (mymaster); REDIS_SENTINEL_PASSWORD for the sentinels
// The stream is one key, so a Redis Cluster works through any node's URL only with a single-slot setup;
// use the primary's URL or Sentinel. Secrets never appear in `describe`.
import type { RedisOptions } from 'ioredis';
import Redis from 'ioredis';
import { envFile } from './env-file';

type Env = Record<string, string | undefined>;

export interface RedisTarget {
  /** REDIS_URL without Sentinel; undefined with Sentinel (then `options.sentinels` says where). */
  url?: string;
  options: RedisOptions;
  /** For logs and errors: where and how, never a password. */
  describe: string;
}

/** Reads the Redis settings; every problem is pushed to `problems` (named, without secrets). */
export function loadRedisTarget(env: Env, url: string, problems: string[]): RedisTarget {
  const file = (name: string) => envFile(env, name, problems);
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    return { url, options: {}, describe: url }; // REDIS_URL itself is reported by loadConfig
  }
  const tlsWanted = parsed.protocol === 'rediss:';
  const ca = file('REDIS_TLS_CA_FILE');
  const cert = file('REDIS_TLS_CERT_FILE');
  const key = file('REDIS_TLS_KEY_FILE');
  if (Boolean(env.REDIS_TLS_CERT_FILE) !== Boolean(env.REDIS_TLS_KEY_FILE)) problems.push('REDIS_TLS_CERT_FILE and REDIS_TLS_KEY_FILE go together (a client certificate and its key)');
  if (!tlsWanted && (env.REDIS_TLS_CA_FILE || env.REDIS_TLS_CERT_FILE)) problems.push('REDIS_TLS_* is set but REDIS_URL is not rediss://');
  const tls = tlsWanted ? { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}), servername: env.REDIS_TLS_SERVER_NAME || parsed.hostname } : undefined;
  const passwordFromFile = file('REDIS_PASSWORD_FILE')?.toString('utf8').trim();
  const username = decodeURIComponent(parsed.username) || undefined;
  const password = passwordFromFile ?? (decodeURIComponent(parsed.password) || undefined);
  const auth = [tls ? (cert ? 'mTLS' : 'TLS') : 'plaintext', ...(username ? [`user ${username}`] : []), ...(password ? ['password'] : [])].join(', ');

  const sentinels = env.REDIS_SENTINELS?.split(',').map((s) => s.trim()).filter(Boolean);
  if (sentinels?.length) {
    const bad = sentinels.filter((s) => !/^[^\s:/]+:\d{1,5}$/.test(s));
    if (bad.length) problems.push(`REDIS_SENTINELS: ${bad.join(', ')}: expected host:port,host:port`);
    const name = env.REDIS_SENTINEL_MASTER || 'mymaster';
    return {
      options: {
        sentinels: sentinels.map((s) => ({ host: s.slice(0, s.lastIndexOf(':')), port: Number(s.slice(s.lastIndexOf(':') + 1)) })),
        name,
        ...(username ? { username } : {}),
        ...(password ? { password } : {}),
        ...(env.REDIS_SENTINEL_PASSWORD ? { sentinelPassword: env.REDIS_SENTINEL_PASSWORD } : {}),
        ...(tls ? { tls, enableTLSForSentinelMode: true } : {}),
      },
      describe: `sentinel ${sentinels.join(',')} master ${name} (${auth})`,
    };
  }
  return {
    url: `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`,
    options: { ...(username ? { username } : {}), ...(password ? { password } : {}), ...(tls ? { tls } : {}) },
    describe: `${parsed.protocol}//${parsed.host} (${auth})`,
  };
}

/** A client for the target, with the caller's behaviour options (timeouts, retries) on top. */
export function connectRedis(target: RedisTarget, extra: RedisOptions = {}): Redis {
  return target.url ? new Redis(target.url, { ...target.options, ...extra }) : new Redis({ ...target.options, ...extra });
}
