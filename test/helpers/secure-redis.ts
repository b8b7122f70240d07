// A Redis of its own for connection tests: TLS only (no plaintext port), client certificates required,
// the default user off and one ACL user limited to the test's keys. Refusals are Redis's, not ours.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { freePort, type Certs } from './secure-proxy';

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
  const child = spawn('redis-server', [
    '--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no',
    '--tls-cert-file', certs.serverCert, '--tls-key-file', certs.serverKey, '--tls-ca-cert-file', certs.ca, '--tls-auth-clients', 'yes',
    '--user', 'default', 'off', '--user', user, 'on', `>${password}`, `~${keyPattern}`, '&*', '+@all',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const client = () => new Redis({
    host: '127.0.0.1', port, username: user, password, maxRetriesPerRequest: 3,
    tls: { ca: fs.readFileSync(certs.ca), cert: fs.readFileSync(certs.clientCert), key: fs.readFileSync(certs.clientKey), servername: 'localhost' },
  });
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (/Ready to accept connections/.test(out)) break;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`redis-server (TLS) did not start: ${out.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port, user, password, client,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
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
  const children: ReturnType<typeof spawn>[] = [];
  const outputs: string[] = [];
  const start = (args: string[]) => {
    const i = outputs.push('') - 1;
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d: Buffer) => (outputs[i] += d.toString()));
    child.stderr.on('data', (d: Buffer) => (outputs[i] += d.toString()));
    children.push(child);
    return i;
  };
  const data = (port: number) => ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', fs.mkdtempSync(path.join(dir, 'node-'))];
  const ready = async (i: number, re: RegExp) => {
    const deadline = Date.now() + 15_000;
    while (!re.test(outputs[i])) {
      if (children[i].exitCode !== null || Date.now() > deadline) throw new Error(`redis node did not start: ${outputs[i].slice(-1500)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  await ready(start(data(primaryPort)), /Ready to accept connections/);
  await ready(start([...data(replicaPort), '--replicaof', '127.0.0.1', String(primaryPort)]), /MASTER <-> REPLICA sync: Finished/);
  for (const port of sentinelPorts) {
    const conf = path.join(dir, `sentinel-${port}.conf`);
    fs.writeFileSync(conf, `port ${port}\nbind 127.0.0.1\ndir ${dir}\nsentinel monitor ${master} 127.0.0.1 ${primaryPort} 2\nsentinel down-after-milliseconds ${master} 1000\nsentinel failover-timeout ${master} 5000\nsentinel parallel-syncs ${master} 1\n`);
    await ready(start([conf, '--sentinel']), /Sentinel ID is/);
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
      for (const c of children) {
        if (c.exitCode === null) await new Promise((r) => { c.once('exit', r); c.kill('SIGTERM'); });
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
