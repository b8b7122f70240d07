// INTAKE_WAIT_REPLICAS: against a real primary with one replica (and its sentinels), a request is accepted (202) only
// once that many replicas have its entries (Redis WAIT); asking for more replicas than confirm answers 503 naming
// them, and the sender retries. The chaos run against the cluster profile showed why: a failover loses the XADDs the
// old primary had not replicated (docs/scaling.md).
import Redis from 'ioredis';
import { loadIntakeSettings } from '../src/config/intake';
import { createLogger } from '../src/logger';
import { buildIntakeServer, type IntakeApp } from '../src/intake/server';
import { DEFAULT_ALERTMANAGER_MAPPING } from '../src/intake/alertmanager';
import { StreamWriter } from '../src/intake/stream-writer';
import { alertEvent } from './helpers/alerts';
import { inject } from './helpers/inject';
import { startSentinelSetup, type SentinelSetup } from './helpers/secure-redis';
import { uid } from './helpers/stack';

jest.setTimeout(60_000);

const TOKEN = 'replica-test-token-0123456789abcdef';
let setup: SentinelSetup;
const apps: IntakeApp[] = [];
beforeAll(async () => {
  setup = await startSentinelSetup();
});
afterAll(async () => {
  for (const a of apps) await a.close();
  await setup?.stop();
});

function intake(waitReplicas: number, stream: string): IntakeApp {
  const client = setup.client();
  const app = buildIntakeServer({
    cfg: { auth: 'bearer', tokens: [TOKEN], bodyLimit: 64 * 1024, maxAlerts: 10, alertmanager: DEFAULT_ALERTMANAGER_MAPPING },
    log: createLogger('intake-replicas', 'silent'),
    writer: new StreamWriter(client, stream, 1_000, waitReplicas),
    limits: { maxEventBytes: 4096, channels: new Set(['default-webhook']) },
    ready: () => true,
  });
  app.addHook('onClose', () => Promise.resolve(client.disconnect()));
  apps.push(app);
  return app;
}
const post = (app: IntakeApp, body: unknown) =>
  inject(app, { method: 'POST', url: '/api/v1/alerts', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, payload: JSON.stringify(body) });

it('1 replica asked, 1 confirms: 202, and the replica holds the entries when the answer comes', async () => {
  const stream = uid('replicated');
  const res = await post(intake(1, stream), [alertEvent(), alertEvent()]);
  expect(res.statusCode).toBe(202);
  const replica = new Redis({ host: '127.0.0.1', port: setup.replicaPort, maxRetriesPerRequest: 3 });
  try {
    expect((await replica.xrange(stream, '-', '+')).map(([id]) => id)).toEqual(res.json().ids);
  } finally {
    replica.disconnect();
  }
});

it('2 replicas asked, only 1 exists: 503 naming the replicas, Retry-After; the sender retries', async () => {
  const res = await post(intake(2, uid('unconfirmed')), alertEvent());
  expect(res.statusCode).toBe(503);
  expect(res.headers['retry-after']).toBe('5');
  expect(res.json().error).toBe('the alerts were written, but not replicated in time: 1 of 2 replica(s) confirmed the alerts within 1000 ms (INTAKE_WAIT_REPLICAS); retry (an alert then added twice still pages once)');
});

it('refused with a Redis Cluster (WAIT cannot follow the XADDs there), named at start-up', () => {
  expect(() => loadIntakeSettings({ REDIS_URL: 'redis://127.0.0.1:6379', REDIS_CLUSTER_NODES: '127.0.0.1:7000', INTAKE_TOKEN: TOKEN, INTAKE_WAIT_REPLICAS: '1' }))
    .toThrow(expect.objectContaining({ problems: expect.arrayContaining([expect.stringMatching(/^INTAKE_WAIT_REPLICAS: not with REDIS_CLUSTER_NODES/)]) }));
});
