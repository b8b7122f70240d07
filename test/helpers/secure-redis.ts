// A Redis of its own for connection tests: TLS only (no plaintext port), client certificates required,
// the default user off and one ACL user limited to the test's keys. Refusals are Redis's, not ours.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { freePort, type Certs } from './secure-proxy';
import { startServer, type ServerProcess } from './server-process';

export interface SecureRedis {
  port: number;
  user: string;
  password: string;
  /** A client as the tests use it (TLS, client certificate, ACL user). */
  client(): Redis;
  stop(): Promise<void>;
}

export async function startSecureRedis(certs: Certs, keyPattern = 'alerts*'): Promise<SecureRedis> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alert-redis-'));
  const user = 'alert-delivery';
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  const server = await startServer('redis-server (TLS)', 'redis-server', [
    '--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no',
    '--tls-cert-file', certs.serverCert, '--tls-key-file', certs.serverKey, '--tls-ca-cert-file', certs.ca, '--tls-auth-clients', 'yes',
    '--user', 'default', 'off', '--user', user, 'on', `>${password}`, `~${keyPattern}`, '&*', '+@all',
  ], { line: /Ready to accept connections/ }, dir);
  const client = () => new Redis({
    host: '127.0.0.1', port, username: user, password, maxRetriesPerRequest: 3,
    tls: { ca: fs.readFileSync(certs.ca), cert: fs.readFileSync(certs.clientCert), key: fs.readFileSync(certs.clientKey), servername: 'localhost' },
  });
  return {
    port, user, password, client,
    stop: () => server.stop(),
  };
}

export interface SentinelSetup {
  primaryPort: number;
  replicaPort: number;
  sentinels: string[];
  master: string;
  /** A failover-aware client (through the sentinels). */
  client(): Redis;
  /** A client of one sentinel. */
  sentinel(i?: number): Redis;
  /** Asks the sentinels to fail over and waits until they name the new primary. Returns its port. */
  failover(): Promise<number>;
  stop(): Promise<void>;
}

/** One primary, one replica and three sentinels on 127.0.0.1 (quorum 2), each on a free port. */
export async function startSentinelSetup(): Promise<SentinelSetup> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alert-sentinel-'));
  const master = 'alerts-primary';
  const [primaryPort, replicaPort] = [await freePort(), await freePort()];
  const sentinelPorts = [await freePort(), await freePort(), await freePort()];
  const servers: ServerProcess[] = [];
  const start = async (args: string[], line: RegExp) => {
    servers.push(await startServer('redis node', 'redis-server', args, { line }));
  };
  const data = (port: number) => ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', fs.mkdtempSync(path.join(dir, 'node-'))];
  await start(data(primaryPort), /Ready to accept connections/);
  await start([...data(replicaPort), '--replicaof', '127.0.0.1', String(primaryPort)], /MASTER <-> REPLICA sync: Finished/);
  for (const port of sentinelPorts) {
    const conf = path.join(dir, `sentinel-${port}.conf`);
    fs.writeFileSync(conf, `port ${port}\nbind 127.0.0.1\ndir ${dir}\nsentinel monitor ${master} 127.0.0.1 ${primaryPort} 2\nsentinel down-after-milliseconds ${master} 1000\nsentinel failover-timeout ${master} 5000\nsentinel parallel-syncs ${master} 1\n`);
    await start([conf, '--sentinel'], /Sentinel ID is/);
  }
  const sentinel = (i = 0) => new Redis({ host: '127.0.0.1', port: sentinelPorts[i], maxRetriesPerRequest: 3 });
  const primaryNow = async (): Promise<number> => {
    const s = sentinel();
    try {
      return Number(((await s.call('SENTINEL', 'get-master-addr-by-name', master)) as string[])[1]);
    } finally {
      s.disconnect();
    }
  };
  // every sentinel must know the replica before a failover can pick it
  for (let i = 0; i < sentinelPorts.length; i++) {
    const s = sentinel(i);
    const deadline = Date.now() + 20_000;
    while (((await s.call('SENTINEL', 'replicas', master)) as unknown[]).length === 0) {
      if (Date.now() > deadline) throw new Error('sentinels never saw the replica');
      await new Promise((r) => setTimeout(r, 200));
    }
    s.disconnect();
  }
  return {
    primaryPort, replicaPort, master,
    sentinels: sentinelPorts.map((p) => `127.0.0.1:${p}`),
    client: () => new Redis({ sentinels: sentinelPorts.map((port) => ({ host: '127.0.0.1', port })), name: master, maxRetriesPerRequest: 20 }),
    sentinel,
    failover: async () => {
      const before = await primaryNow();
      const s = sentinel();
      await s.call('SENTINEL', 'FAILOVER', master);
      s.disconnect();
      const deadline = Date.now() + 30_000;
      for (;;) {
        const now = await primaryNow();
        if (now !== before) return now;
        if (Date.now() > deadline) throw new Error('the sentinels did not fail over within 30 s');
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    stop: async () => {
      for (const server of servers) await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
