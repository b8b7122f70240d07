// A Redis Cluster of its own for connection tests: three primaries (no replicas) on free ports of 127.0.0.1,
// made with `redis-cli --cluster create`. The default user is off: `admin` sets the cluster up and moves
// slots, the service's ACL user `alert-delivery` may touch only alerts* keys. With `tls`, the nodes speak TLS
// only (clients and the cluster bus) and require client certificates. Refusals are Redis's, not ours.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Redis, { Cluster } from 'ioredis';
import { freePort, type Certs } from './secure-proxy';
import { startServer, type ServerProcess } from './server-process';

export interface RedisClusterSetup {
  /** The primaries' client ports. */
  ports: number[];
  user: string;
  password: string;
  /** A cluster client as the service's user. */
  client(): Cluster;
  /** A plain (non-cluster) client of one node, as admin: it sees MOVED instead of following it. */
  node(port: number): Redis;
  /** The hash slot of a key (CLUSTER KEYSLOT). */
  slotOf(key: string): Promise<number>;
  /** The port of the primary that serves a slot, as the cluster says now (CLUSTER SLOTS). */
  ownerOf(slot: number): Promise<number>;
  /** Moves a slot and its keys to another primary (the resharding steps: IMPORTING/MIGRATING, MIGRATE, SETSLOT NODE). */
  moveSlot(slot: number, toPort: number): Promise<void>;
  stop(): Promise<void>;
}

const run = promisify(execFile);

export async function startRedisCluster(opts: { tls?: Certs } = {}): Promise<RedisClusterSetup> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alert-cluster-'));
  const user = 'alert-delivery';
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  const adminPassword = `admin-${Math.random().toString(36).slice(2)}`;
  const servers: ServerProcess[] = [];
  const ports: number[] = [];
  const admins = new Map<number, Redis>();
  const certs = opts.tls;
  const tls = certs && { ca: fs.readFileSync(certs.ca), cert: fs.readFileSync(certs.clientCert), key: fs.readFileSync(certs.clientKey) };
  const node = (port: number) => {
    let r = admins.get(port);
    if (!r) admins.set(port, (r = new Redis({ host: '127.0.0.1', port, username: 'admin', password: adminPassword, maxRetriesPerRequest: 3, ...(tls ? { tls } : {}) })));
    return r;
  };
  const stop = async () => {
    for (const r of admins.values()) r.disconnect();
    for (const server of servers) await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < 3; i++) {
      // The cluster bus port is given explicitly: port + 10000 (the default) may be taken or past 65535.
      const [port, busPort] = [await freePort(), await freePort()];
      const nodeDir = fs.mkdtempSync(path.join(dir, 'node-'));
      servers.push(await startServer('redis cluster node', 'redis-server', [
        ...(certs
          ? ['--port', '0', '--tls-port', String(port), '--tls-cluster', 'yes', '--tls-auth-clients', 'yes', '--tls-ca-cert-file', certs.ca,
            '--tls-cert-file', certs.serverCert, '--tls-key-file', certs.serverKey, '--tls-client-cert-file', certs.clientCert, '--tls-client-key-file', certs.clientKey]
          : ['--port', String(port)]),
        '--cluster-port', String(busPort), '--bind', '127.0.0.1', '--dir', nodeDir,
        '--cluster-enabled', 'yes', '--cluster-config-file', path.join(nodeDir, 'nodes.conf'), '--cluster-node-timeout', '5000',
        '--save', '', '--appendonly', 'no',
        '--user', 'default', 'off',
        '--user', 'admin', 'on', `>${adminPassword}`, '~*', '&*', '+@all',
        '--user', user, 'on', `>${password}`, '~alerts*', '&*', '+@all',
      ], { line: /Ready to accept connections/ }));
      ports.push(port);
    }
    const cliTls = certs ? ['--tls', '--cacert', certs.ca, '--cert', certs.clientCert, '--key', certs.clientKey] : [];
    await run('redis-cli', [...cliTls, '--user', 'admin', '--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], {
      env: { ...process.env, REDISCLI_AUTH: adminPassword }, timeout: 30_000,
    });
    // every node must see every slot served before a client can rely on any of them
    const deadline = Date.now() + 20_000;
    for (const port of ports) {
      while (!/cluster_state:ok/.test(String(await node(port).call('CLUSTER', 'INFO')))) {
        if (Date.now() > deadline) throw new Error(`redis cluster node ${port} never reached cluster_state:ok`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  } catch (e) {
    await stop();
    throw e;
  }
  const idOf = async (port: number) => String(await node(port).call('CLUSTER', 'MYID'));
  const ownerOf = async (slot: number) => {
    const ranges = (await node(ports[0]).call('CLUSTER', 'SLOTS')) as Array<[number, number, [string, number, string]]>;
    const range = ranges.find(([from, to]) => slot >= from && slot <= to);
    if (!range) throw new Error(`slot ${slot} is served by no node`);
    return Number(range[2][1]);
  };
  return {
    ports, user, password,
    client: () => new Cluster(ports.map((port) => ({ host: '127.0.0.1', port })), { redisOptions: { username: user, password, maxRetriesPerRequest: 3, ...(tls ? { tls } : {}) } }),
    node,
    slotOf: async (key) => Number(await node(ports[0]).call('CLUSTER', 'KEYSLOT', key)),
    ownerOf,
    moveSlot: async (slot, toPort) => {
      const fromPort = await ownerOf(slot);
      const [fromId, toId] = [await idOf(fromPort), await idOf(toPort)];
      await node(toPort).call('CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', fromId);
      await node(fromPort).call('CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', toId);
      for (;;) {
        const keys = (await node(fromPort).call('CLUSTER', 'GETKEYSINSLOT', String(slot), '100')) as string[];
        if (!keys.length) break;
        await node(fromPort).call('MIGRATE', '127.0.0.1', String(toPort), '', '0', '5000', 'AUTH2', 'admin', adminPassword, 'KEYS', ...keys);
      }
      for (const port of [toPort, fromPort, ...ports.filter((p) => p !== toPort && p !== fromPort)]) {
        await node(port).call('CLUSTER', 'SETSLOT', String(slot), 'NODE', toId);
      }
    },
    stop,
  };
}
