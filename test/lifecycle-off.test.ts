// ALERT_LIFECYCLE=off on the real stack (the real worker and ingest processes): no incident record is claimed,
// so every firing event pages (a repeat of the same alertId too), and a resolved event is recorded as
// `unmatched` with the reason, never sent. A worker with the lifecycle off refuses escalation policies and ack
// links at start-up (nothing could be acknowledged), naming the problem and never the secret.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LIFECYCLE_OFF_RESOLVED } from '../src/activities';
import { alertEvent } from './helpers/alerts';
import { notifiedChannels } from './helpers/histories';
import { Pipeline } from './helpers/pipeline';
import { startProcess } from './helpers/processes';

jest.setTimeout(120_000);

const p = new Pipeline();
let dir: string;

beforeAll(async () => {
  await p.start();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifecycle-off-'));
  await p.worker({ ALERT_LIFECYCLE: 'off' });
  await p.ingest();
});
afterAll(async () => {
  await p.stop();
  await p.os.indices.delete({ index: `${p.index}.incidents` }).catch(() => undefined);
  fs.rmSync(dir, { recursive: true, force: true });
});

const settled = (id: string, status: string) => p.waitFor(`${id} ${status}`, async () => {
  const d = await p.doc(id);
  return d?.deliveryStatus === status ? d : undefined;
});

it('every firing pages (no "one page per incident"); a resolved event is recorded as unmatched, not sent; no incident record', async () => {
  const fire = alertEvent();
  const first = await p.publish(fire);
  const repeat = await p.publish({ ...fire, title: 'again' });
  const firstDoc = await settled(first, 'delivered');
  await settled(repeat, 'delivered');
  const resolved = await p.publish({ ...fire, status: 'resolved' });
  const resolvedDoc = await settled(resolved, 'unmatched');
  // All three runs closed: the resolve's notified nothing, each firing one its channel once; nothing can follow.
  const temporal = await p.temporal();
  const notified = await Promise.all([first, repeat, resolved].map((id) => notifiedChannels(temporal.workflow.getHandle(p.key(id)))));
  expect(notified).toEqual([['hook'], ['hook'], []]);

  const posts = p.receiver.posts.filter((x) => x.json?.data?.alertId === fire.alertId);
  expect(posts.map((x) => [x.json.type, x.key]).sort()).toEqual([['alert.fired', p.key(first)], ['alert.fired', p.key(repeat)]].sort());
  expect(firstDoc).not.toHaveProperty('incidentRole');
  expect(firstDoc).not.toHaveProperty('incidentState');
  expect(resolvedDoc).toMatchObject({ incidentRole: 'unmatched', incidentNote: LIFECYCLE_OFF_RESOLVED, status: 'resolved', delivered: false });
  const record = await p.os.get({ index: `${p.index}.incidents`, id: fire.alertId }).then((r) => r.body, (e: { meta?: { statusCode?: number } }) => e.meta?.statusCode);
  expect(record).toBe(404);
});

it.each([
  [
    'an escalation policy in the channels file',
    () => {
      const file = path.join(dir, 'escalating.yaml');
      fs.writeFileSync(file, ['channels:', '  chat:', '    type: webhook', `    url: ${p.receiver.url}`, 'escalations:', '  standard:', '    levels:',
        '      - { after: 0s, channels: [chat] }', 'routes:', '  - escalation: standard', ''].join('\n'));
      return { CHANNELS_FILE: file };
    },
    /ALERT_LIFECYCLE=off: the routes of .*escalating\.yaml use escalation policies \(standard\), which need the incident lifecycle/,
  ],
  [
    'ack links',
    () => ({ ACK_LINK_BASE: 'https://alerts.example.com', ACK_SECRET: 'a-secret-that-must-never-be-printed-0123456789' }),
    /ACK_LINK_BASE: ack links need the incident lifecycle, and ALERT_LIFECYCLE=off leaves nothing to acknowledge/,
  ],
])('a worker with ALERT_LIFECYCLE=off and %s refuses to start, naming the problem', async (_what, extra, message) => {
  const worker = startProcess('worker', p.env({ ALERT_LIFECYCLE: 'off', ...extra() }));
  const code = await Promise.race([worker.exited, new Promise((r) => setTimeout(() => r('still running'), 30_000))]);
  await worker.kill('SIGKILL');
  expect(code).toBe(1);
  expect(worker.output()).toMatch(/worker: cannot start\./);
  expect(worker.output()).toMatch(message);
  expect(worker.output()).not.toContain('a-secret-that-must-never-be-printed');
});

it('a worker with ACK_SECRET but no ACK_LINK_BASE refuses to start, naming both and never the secret', async () => {
  const worker = startProcess('worker', p.env({ ACK_SECRET: 'a-secret-that-must-never-be-printed-0123456789' }));
  const code = await Promise.race([worker.exited, new Promise((r) => setTimeout(() => r('still running'), 30_000))]);
  await worker.kill('SIGKILL');
  expect(code).toBe(1);
  expect(worker.output()).toMatch(/ACK_SECRET is set but ACK_LINK_BASE is not: ack links need both/);
  expect(worker.output()).not.toContain('a-secret-that-must-never-be-printed');
});
