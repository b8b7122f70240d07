// Managed Redis: rediss:// with a custom CA and a client certificate, an ACL user and password (also from a
// file), against a real redis-server on 127.0.0.1 that accepts nothing else. Wrong credentials and a missing
// client certificate are refused by Redis; the worker stops at start-up naming it.
import fs from 'node:fs';
import path from 'node:path';
import type Redis from 'ioredis';
import { loadConfig } from '../src/config';
import { connectRedis } from '../src/connections/redis';
import { alertEvent } from './helpers/alerts';
import { Pipeline } from './helpers/pipeline';
import { startProcess } from './helpers/processes';
import { makeCerts, type Certs } from './helpers/secure-proxy';
import { startSecureRedis, startSentinelSetup, type SecureRedis, type SentinelSetup } from './helpers/secure-redis';

jest.setTimeout(120_000);

let certs: Certs;
let redis: SecureRedis;

beforeAll(async () => {
  certs = makeCerts();
  redis = await startSecureRedis(certs);
});
afterAll(async () => {
  await redis?.stop();
  fs.rmSync(certs.dir, { recursive: true, force: true });
});

describe('Redis over TLS with a client certificate and an ACL user', () => {
  const p = new Pipeline({ redis: () => redis.client() });
  const tlsEnv = () => ({
    REDIS_URL: `rediss://${redis.user}:${redis.password}@localhost:${redis.port}`,
    REDIS_TLS_CA_FILE: certs.ca, REDIS_TLS_CERT_FILE: certs.clientCert, REDIS_TLS_KEY_FILE: certs.clientKey,
  });
  beforeAll(() => p.start());
  afterAll(() => p.stop());

  it('worker and ingest deliver through it; the password may come from a file; logs name it without the password', async () => {
    const passwordFile = path.join(certs.dir, 'redis-password');
    fs.writeFileSync(passwordFile, redis.password, { mode: 0o600 });
    const worker = await p.worker(tlsEnv());
    const ingest = await p.ingest({ ...tlsEnv(), REDIS_URL: `rediss://${redis.user}@localhost:${redis.port}`, REDIS_PASSWORD_FILE: passwordFile });
    expect(ingest.output()).toContain(`"redis":"rediss://localhost:${redis.port} (mTLS, user ${redis.user}, password)"`);
    const id = await p.publish(alertEvent());
    await p.receiver.waitFor(() => p.receiver.deliveredKeys().has(p.key(id)), 60_000);
    await p.waitFor('acked', async () => (await p.pending()) === 0);
    expect(worker.output() + ingest.output()).not.toContain(redis.password);
  });

  it.each([
    ['a wrong password', () => ({ REDIS_URL: `rediss://${redis.user}:wrong-password@localhost:${redis.port}` }), /WRONGPASS/],
    ['no client certificate', () => ({ REDIS_TLS_CERT_FILE: '', REDIS_TLS_KEY_FILE: '' }), /Redis: not reachable after 3s/],
  ])('%s is refused by Redis: the worker stops at start-up naming Redis', async (_name, over, reason) => {
    const proc = startProcess('worker', p.env({ ...tlsEnv(), ...over(), STARTUP_TIMEOUT: '3s' }));
    expect(await proc.exited).toBe(1);
    expect(proc.output()).toMatch(/worker: cannot start\.\nRedis: not reachable after 3s/);
    expect(proc.output()).toMatch(reason);
    expect(proc.output()).not.toContain('wrong-password');
  });
});

/**
 * A TLS handshake refused by Redis may end in two socket errors: the server's alert, then ECONNRESET. ioredis hears
 * the first only (redis/ioredis#961); a second unheard 'error' would be thrown and end the process (seen in CI, at
 * random). Both are made to happen on a connected client: the second is heard, the first reported on the client,
 * and the client connects again.
 */
async function secondSocketErrorIsHeard(client: Redis): Promise<void> {
  const reported: string[] = [];
  client.on('error', (e: Error) => reported.push(e.message));
  await client.connect();
  const stream = client.stream;
  expect(() => {
    stream.emit('error', new Error('certificate required'));
    stream.emit('error', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
  }).not.toThrow();
  expect(reported).toEqual(['certificate required']);
  stream.destroy();
  expect(await client.ping()).toBe('PONG'); // through a new socket
  client.disconnect();
}

it('TLS: a second error on the socket is heard (redis/ioredis#961)', async () => {
  const target = loadConfig('tool', { REDIS_URL: `rediss://${redis.user}:${redis.password}@localhost:${redis.port}`, REDIS_TLS_CA_FILE: certs.ca, REDIS_TLS_CERT_FILE: certs.clientCert, REDIS_TLS_KEY_FILE: certs.clientKey }).redis;
  await secondSocketErrorIsHeard(connectRedis(target, { lazyConnect: true }) as Redis);
});

describe('loadConfig: Redis settings', () => {
  it('Sentinel: the primary is found through the sentinels, with the URL\'s credentials for the data nodes', () => {
    const cfg = loadConfig('tool', { REDIS_URL: 'redis://app:pw@ignored:6379', REDIS_SENTINELS: '127.0.0.1:26379, 127.0.0.1:26380', REDIS_SENTINEL_MASTER: 'alerts' });
    expect(cfg.redis.url).toBeUndefined();
    expect(cfg.redis).toMatchObject({
      options: { sentinels: [{ host: '127.0.0.1', port: 26379 }, { host: '127.0.0.1', port: 26380 }], name: 'alerts', username: 'app', password: 'pw' },
      describe: 'sentinel 127.0.0.1:26379,127.0.0.1:26380 master alerts (plaintext, user app, password)',
    });
  });

  it('names every bad Redis setting at once, without secrets', () => {
    expect(() => loadConfig('tool', { REDIS_URL: 'redis://u:topsecret@h:6379', REDIS_TLS_CA_FILE: '/nonexistent/ca.pem', REDIS_TLS_CERT_FILE: certs.clientCert, REDIS_SENTINELS: 'nohostport' }))
      .toThrow(expect.objectContaining({
        problems: expect.arrayContaining([
          'REDIS_TLS_CA_FILE=/nonexistent/ca.pem: cannot read (ENOENT)',
          'REDIS_TLS_CERT_FILE and REDIS_TLS_KEY_FILE go together (a client certificate and its key)',
          'REDIS_TLS_* is set but REDIS_URL is not rediss://',
          'REDIS_SENTINELS: nohostport: expected host:port,host:port',
        ]),
      }));
  });
});

describe('Redis Sentinel: a failover during a run', () => {
  let setup: SentinelSetup;
  let p: Pipeline;
  beforeAll(async () => {
    setup = await startSentinelSetup();
    p = new Pipeline({ redis: () => setup.client() });
    await p.start();
  });
  afterAll(async () => {
    await p?.stop();
    await setup?.stop();
  });

  const sentinelEnv = () => ({ REDIS_URL: 'redis://127.0.0.1:1', REDIS_SENTINELS: setup.sentinels.join(','), REDIS_SENTINEL_MASTER: setup.master });

  it('a second error on the socket is heard (redis/ioredis#961)', async () => {
    await secondSocketErrorIsHeard(connectRedis(loadConfig('tool', sentinelEnv()).redis, { lazyConnect: true }) as Redis);
  });

  it('loses no alert and notifies none twice under different keys', async () => {
    const env = sentinelEnv();
    await p.worker(env);
    // An XACK the old primary took but had not replicated is lost with it: the entry shows up pending again
    // on the new primary, and the periodic reclaim (INGEST_RECLAIM_IDLE) hands it over again (already started → acked).
    await p.ingest({ ...env, INGEST_RECLAIM_IDLE: '2s' });
    // The producer's side of durability: explicit IDs (a retried XADD cannot add a second entry) and
    // WAIT for the replica (an acknowledged entry survives the failover).
    const base = Date.now();
    const published = new Map<string, string>(); // message ID → alert ID
    const publish = async (i: number) => {
      const id = `${base + i}-0`;
      const event = alertEvent({ alertId: `sentinel-${i}` });
      for (let attempt = 0; ; attempt++) {
        try {
          await p.redis.xadd(p.stream, id, 'event', JSON.stringify(event));
          break;
        } catch (e) {
          if (/equal or smaller than the target stream top item/.test((e as Error).message)) break; // written before the error
          if (attempt > 50) throw e;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      await p.redis.call('WAIT', '1', '2000');
      published.set(id, event.alertId);
    };
    for (let i = 0; i < 40; i++) await publish(i);
    const newPrimary = await setup.failover();
    expect(newPrimary).toBe(setup.replicaPort);
    for (let i = 40; i < 80; i++) await publish(i);

    await p.receiver.waitFor(() => p.receiver.deliveredKeys().size >= published.size, 90_000);
    const expected = [...published.keys()].map((id) => p.key(id)).sort();
    expect([...p.receiver.deliveredKeys()].sort()).toEqual(expected);
    // one key per alert: every POST of an alert carried the same key
    const keysOfAlert = new Map<string, Set<string>>();
    for (const post of p.receiver.posts) keysOfAlert.set(post.json.data.alertId, (keysOfAlert.get(post.json.data.alertId) ?? new Set()).add(post.key));
    expect([...keysOfAlert.values()].every((keys) => keys.size === 1)).toBe(true);
    expect(keysOfAlert.size).toBe(published.size);
    await p.waitFor('nothing pending on the new primary', async () => (await p.pending()) === 0, 30_000);
  });
});
