// Redis Cluster (REDIS_CLUSTER_NODES): a real cluster of three primaries on 127.0.0.1 with ACL users. The
// worker and ingest are given one seed node that does not serve the stream's slot; the slot then moves to the
// third primary mid-run (a resharding), so the running processes must follow MOVED. Every alert is delivered
// once and acked. A wrong password stops the worker at start-up naming Redis's refusal; bad settings are named.
// Over TLS (rediss://, client certificates), each node's certificate is checked against that node's address.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Cluster } from 'ioredis';
import { loadConfig } from '../src/config';
import { runAlertctl } from './helpers/alertctl';
import { alertEvent } from './helpers/alerts';
import { notifiedChannels } from './helpers/histories';
import { Pipeline } from './helpers/pipeline';
import { startProcess } from './helpers/processes';
import { startRedisCluster, type RedisClusterSetup } from './helpers/redis-cluster';
import { makeCerts, type Certs } from './helpers/secure-proxy';

jest.setTimeout(180_000);

let cluster: RedisClusterSetup;
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alert-cluster-test-'));
  cluster = await startRedisCluster();
});
afterAll(async () => {
  await cluster?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('Redis Cluster: 3 primaries, an ACL user, the stream\'s slot moved during the run', () => {
  // The services get the cluster from their env; the test's own client of it publishes and checks
  // (the pipeline's default Redis, the stack's, holds none of this test's keys).
  const p = new Pipeline();
  let r: Cluster;
  beforeAll(async () => {
    r = cluster.client();
    await p.start();
  });
  afterAll(async () => {
    await p.stop();
    await r?.del(p.stream).catch(() => undefined);
    r?.disconnect();
  });

  it('delivers every alert once and acks it, following the slot from node to node', async () => {
    const slot = await cluster.slotOf(p.stream);
    const owner = await cluster.ownerOf(slot);
    const seed = cluster.ports.find((port) => port !== owner)!;
    const third = cluster.ports.find((port) => port !== owner && port !== seed)!;
    // the seed really does not serve the stream: a plain client of it is sent elsewhere
    await expect(cluster.node(seed).xlen(p.stream)).rejects.toThrow(new RegExp(`^MOVED ${slot} 127\\.0\\.0\\.1:${owner}$`));

    const passwordFile = path.join(dir, 'redis-password');
    fs.writeFileSync(passwordFile, cluster.password, { mode: 0o600 });
    // REDIS_URL gives only the scheme and credentials: its host and port are not used with a cluster
    const env = { REDIS_URL: `redis://${cluster.user}:${cluster.password}@unused.invalid:1`, REDIS_CLUSTER_NODES: `127.0.0.1:${seed}` };
    const worker = await p.worker(env);
    const ingest = await p.ingest({ ...env, REDIS_URL: `redis://${cluster.user}@unused.invalid:1`, REDIS_PASSWORD_FILE: passwordFile });
    expect(ingest.output()).toContain(`"redis":"cluster 127.0.0.1:${seed} (plaintext, user ${cluster.user}, password)"`);

    const published = new Map<string, string>(); // message ID → alert ID
    const publish = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const event = alertEvent({ alertId: `cluster-${published.size}` });
        published.set((await r.xadd(p.stream, '*', 'event', JSON.stringify(event)))!, event.alertId);
      }
    };
    const allDelivered = () => p.receiver.waitFor(() => p.receiver.deliveredKeys().size >= published.size, 90_000);
    const pending = async () => Number(((await r.xpending(p.stream, p.group)) as [number])[0]);

    await publish(14);
    // alertctl publishes through the cluster too (its XADD goes to the slot's owner, not to the seed)
    const cli = await runAlertctl(['publish', '--alert-id', 'cluster-alertctl'], p.env(env));
    expect({ code: cli.code, stderr: cli.stderr }).toEqual({ code: 0, stderr: '' });
    published.set(/^published (\S+) to stream /.exec(cli.stdout)![1], 'cluster-alertctl');
    await allDelivered();
    await p.waitFor('the first alerts acked', async () => (await pending()) === 0, 30_000);

    // resharding: the stream (with its group and pending list) moves to the third primary while both
    // processes hold connections to the old owner; they learn of it only through MOVED
    await cluster.moveSlot(slot, third);
    expect(await cluster.ownerOf(slot)).toBe(third);
    await expect(cluster.node(owner).xlen(p.stream)).rejects.toThrow(/^MOVED /);
    await publish(15);
    await allDelivered();
    await p.waitFor('every alert acked on the new owner', async () => (await pending()) === 0, 30_000);
    // Every delivery's run closed after one call to its channel: no duplicate can show up later.
    const temporal = await p.temporal();
    for (const id of published.keys()) expect(await notifiedChannels(temporal.workflow.getHandle(p.key(id)))).toEqual(['hook']);

    const expected = [...published.keys()].map((id) => p.key(id)).sort();
    expect([...p.receiver.deliveredKeys()].sort()).toEqual(expected);
    expect(p.receiver.posts.map((post) => post.key).sort()).toEqual(expected); // once each: no second POST
    expect(p.receiver.posts.map((post) => String(post.json.data.alertId)).sort()).toEqual([...published.values()].sort());
    expect(await cluster.node(third).xlen(p.stream)).toBe(published.size);
    const groups = (await cluster.node(third).xinfo('GROUPS', p.stream)) as unknown[][];
    const group = groups.map((g) => {
      const fields: Record<string, unknown> = {};
      for (let i = 0; i + 1 < g.length; i += 2) fields[String(g[i])] = g[i + 1];
      return fields;
    }).find((g) => g.name === p.group);
    expect(group).toMatchObject({ pending: 0, lag: 0, 'entries-read': published.size });
    expect(worker.output() + ingest.output()).not.toContain(cluster.password);
  });

  it('a wrong password is refused by the cluster: the worker stops at start-up naming the refusal', async () => {
    const proc = startProcess('worker', p.env({
      REDIS_URL: `redis://${cluster.user}:wrong-password@unused.invalid:1`, REDIS_CLUSTER_NODES: `127.0.0.1:${cluster.ports[0]}`, STARTUP_TIMEOUT: '3s',
    }));
    try {
      expect(await proc.exited).toBe(1);
      expect(proc.output()).toMatch(/worker: cannot start\.\nRedis: not reachable after 3s: Failed to refresh slots cache\. WRONGPASS invalid username-password pair/);
      expect(proc.output()).not.toContain('wrong-password');
    } finally {
      await proc.kill('SIGKILL');
    }
  });

  it('a bad REDIS_CLUSTER_NODES stops the worker at start-up naming it', async () => {
    const proc = startProcess('worker', p.env({ REDIS_URL: 'redis://u:topsecret@unused.invalid:1', REDIS_CLUSTER_NODES: `127.0.0.1:${cluster.ports[0]},127.0.0.1` }));
    try {
      expect(await proc.exited).toBe(1);
      expect(proc.output()).toContain('worker: cannot start.\nInvalid configuration (environment):\n  - REDIS_CLUSTER_NODES: 127.0.0.1: expected host:port,host:port');
      expect(proc.output()).not.toContain('topsecret');
    } finally {
      await proc.kill('SIGKILL');
    }
  });
});

describe('Redis Cluster over TLS with client certificates', () => {
  const p = new Pipeline();
  let certs: Certs;
  let tlsCluster: RedisClusterSetup;
  let r: Cluster;
  const tlsEnv = () => ({
    REDIS_URL: `rediss://${tlsCluster.user}:${tlsCluster.password}@unused.invalid:1`, REDIS_CLUSTER_NODES: `localhost:${tlsCluster.ports[1]}`,
    REDIS_TLS_CA_FILE: certs.ca, REDIS_TLS_CERT_FILE: certs.clientCert, REDIS_TLS_KEY_FILE: certs.clientKey,
  });
  beforeAll(async () => {
    certs = makeCerts();
    tlsCluster = await startRedisCluster({ tls: certs });
    r = tlsCluster.client();
    await p.start();
  });
  afterAll(async () => {
    await p.stop();
    await r?.del(p.stream).catch(() => undefined);
    r?.disconnect();
    await tlsCluster?.stop();
    if (certs) fs.rmSync(certs.dir, { recursive: true, force: true });
  });

  it('worker and ingest deliver through it: the seed verified as localhost, the nodes it names as 127.0.0.1', async () => {
    await p.worker(tlsEnv());
    const ingest = await p.ingest(tlsEnv());
    expect(ingest.output()).toContain(`"redis":"cluster localhost:${tlsCluster.ports[1]} (mTLS, user ${tlsCluster.user}, password)"`);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await r.xadd(p.stream, '*', 'event', JSON.stringify(alertEvent())))!);
    await p.receiver.waitFor(() => ids.every((id) => p.receiver.deliveredKeys().has(p.key(id))), 60_000);
    await p.waitFor('acked', async () => Number(((await r.xpending(p.stream, p.group)) as [number])[0]) === 0, 30_000);
  });

  it('a REDIS_TLS_SERVER_NAME the certificates do not carry is refused: the worker stops at start-up', async () => {
    const proc = startProcess('worker', p.env({ ...tlsEnv(), REDIS_TLS_SERVER_NAME: 'not-this-server.example', STARTUP_TIMEOUT: '3s' }));
    try {
      expect(await proc.exited).toBe(1);
      expect(proc.output()).toMatch(/worker: cannot start\.\nRedis: not reachable after 3s: Failed to refresh slots cache\. Connection is closed\.; seed localhost:\d+: Hostname\/IP does not match certificate's altnames: Host: not-this-server\.example\./);
    } finally {
      await proc.kill('SIGKILL');
    }
  });
});

describe('loadConfig: REDIS_CLUSTER_NODES', () => {
  it('seed nodes with the URL\'s scheme and credentials for every node; no URL; TLS verifies each node\'s own name', () => {
    const cfg = loadConfig('tool', { REDIS_URL: 'rediss://app:pw@unused:6379', REDIS_CLUSTER_NODES: 'redis-0.example:6379, 10.0.0.2:7000' });
    expect(cfg.redis.url).toBeUndefined();
    expect(cfg.redis.cluster).toEqual([{ host: 'redis-0.example', port: 6379 }, { host: '10.0.0.2', port: 7000 }]);
    expect(cfg.redis.options).toEqual({ username: 'app', password: 'pw', tls: {} });
    expect(cfg.redis.describe).toBe('cluster redis-0.example:6379,10.0.0.2:7000 (TLS, user app, password)');
    const named = loadConfig('tool', { REDIS_URL: 'rediss://unused', REDIS_CLUSTER_NODES: '10.0.0.1:6379', REDIS_TLS_SERVER_NAME: 'cache.example' });
    expect(named.redis.options.tls).toEqual({ servername: 'cache.example' });
  });

  it('names every bad cluster setting at once, without the password', () => {
    let problems: string[] = [];
    try {
      loadConfig('tool', { REDIS_URL: 'redis://u:topsecret@h:6379/2', REDIS_CLUSTER_NODES: '127.0.0.1:7000,nohostport,127.0.0.1:70000', REDIS_SENTINELS: '127.0.0.1:26379' });
    } catch (e) {
      problems = (e as { problems: string[] }).problems;
    }
    expect(problems).toEqual([
      'REDIS_CLUSTER_NODES: nohostport, 127.0.0.1:70000: expected host:port,host:port',
      'REDIS_CLUSTER_NODES and REDIS_SENTINELS exclude each other: a Cluster finds its primaries itself',
      'REDIS_URL: database 2: a Redis Cluster has database 0 only',
    ]);
    expect(problems.join('\n')).not.toContain('topsecret');
  });
});
