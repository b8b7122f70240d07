// Silences end to end on the real stack, as an operator uses them (docs/storm-control.md): `alertctl silence add`
// holds back the alerts it matches — recorded `silenced` with the silence ID (document, search attributes,
// metric), not sent — and `silence expire` lets those still firing be notified at once; a silence that ends by
// itself (`--for`) does the same when it ends; an alert it does not match is notified as usual.
import { execFile } from 'node:child_process';
import { alertEvent } from './helpers/alerts';
import { notifiedChannels, notifyCalls } from './helpers/histories';
import { Pipeline } from './helpers/pipeline';
import { freePort } from './helpers/secure-proxy';
import { ROOT } from './helpers/stack';

jest.setTimeout(120_000);

const p = new Pipeline();
let metricsPort = 0;

beforeAll(async () => {
  await p.start();
  metricsPort = await freePort();
  await p.worker({ METRICS_PORT: String(metricsPort) });
  await p.ingest();
});
afterAll(() => p.stop());

/** A worker reads the silences in force at most once a second (src/storm/silences.ts): a new one applies after that. */
const cacheAge = () => new Promise((r) => setTimeout(r, 1_200));

/** alertctl as an operator runs it, against this test's index and stream; its --json output. */
function alertctl(...args: string[]): Promise<any> {
  return new Promise((resolve, reject) => {
    execFile('node', ['dist/src/alertctl.js', ...args, '--json'], { cwd: ROOT, env: p.env(), timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`alertctl ${args.join(' ')}: ${stderr || err.message}`));
      else resolve(JSON.parse(stdout));
    });
  });
}

const settled = (id: string, status: string) => p.waitFor(`${id} ${status}`, async () => {
  const d = await p.doc(id);
  return d?.deliveryStatus === status ? d : undefined;
});
const postsFor = (alertId: string) => p.receiver.posts.filter((x) => x.json?.data?.alertId === alertId);

it('add: matching alerts are silenced, not sent; expire: the ones still firing are notified at once', async () => {
  const { silence } = await alertctl('silence', 'add', '--match', 'team="db"', '--match', 'severity=~"medium|low"', '--for', '2h', '--comment', 'failover drill', '--by', 'alice');
  expect(silence).toMatchObject({ state: 'active', createdBy: 'alice', comment: 'failover drill' });
  await cacheAge();

  const held = alertEvent({ severity: 'medium', labels: { team: 'db' } });
  const loud = alertEvent({ severity: 'critical', labels: { team: 'db' } }); // severity does not match
  const other = alertEvent({ severity: 'medium', labels: { team: 'web' } }); // team does not match
  const [heldId, loudId, otherId] = [await p.publish(held), await p.publish(loud), await p.publish(other)];
  await settled(loudId, 'delivered');
  await settled(otherId, 'delivered');
  const doc = await settled(heldId, 'silenced');
  expect(doc).toMatchObject({ delivered: false, suppressedBy: `silence:${silence.id}` });
  expect(doc.suppressionNote).toContain('failover drill');

  // Open and visible while silenced: the workflow runs, with its status and the silence in search attributes.
  const handle = (await p.temporal()).workflow.getHandle(p.key(heldId));
  const described = await handle.describe();
  expect(described.status.name).toBe('RUNNING');
  expect(described.searchAttributes).toMatchObject({ AlertDeliveryStatus: ['silenced'], AlertSuppressedBy: [`silence:${silence.id}`] });
  const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  expect(metrics).toMatch(/alert_deliveries_recorded_total\{status="silenced"\} [1-9]/);
  expect(notifyCalls((await handle.fetchHistory()).events ?? [])).toEqual([]); // no notify call so far
  expect(postsFor(held.alertId)).toHaveLength(0);

  // Listed while in force; expire wakes the delivery it held back, which is then notified.
  const listed = await alertctl('silence', 'list');
  expect(listed.silences.map((s: { id: string }) => s.id)).toContain(silence.id);
  const expired = await p.waitFor('expire woke the delivery', async () => {
    const out = await alertctl('silence', 'expire', silence.id, '--by', 'bob');
    return out.woken >= 1 || (await p.doc(heldId))?.deliveryStatus === 'delivered' ? out : undefined; // visibility may trail a moment
  }, 30_000);
  expect(expired.silence).toMatchObject({ id: silence.id, state: 'expired', expiredBy: 'bob' });
  const delivered = await settled(heldId, 'delivered');
  expect(delivered.suppressedBy).toBe(`silence:${silence.id}`); // the document still says what held it back
  expect(postsFor(held.alertId)).toHaveLength(1);
  expect((await alertctl('silence', 'list')).silences.map((s: { id: string }) => s.id)).not.toContain(silence.id);
});

it('a silence that ends by itself: the alert it held back is notified when it ends, not before', async () => {
  const { silence } = await alertctl('silence', 'add', '--match', 'team="batch"', '--for', '6s', '--comment', 'nightly batch', '--by', 'carol');
  await cacheAge();
  const held = alertEvent({ labels: { team: 'batch' } });
  const heldId = await p.publish(held);
  await settled(heldId, 'silenced');
  await settled(heldId, 'delivered');
  const post = postsFor(held.alertId);
  expect(post).toHaveLength(1);
  expect(post[0].at).toBeGreaterThanOrEqual(Date.parse(silence.endsAt) - 100);
});

it('an alert whose incident resolves while it is silenced is never sent; it ends `silenced`', async () => {
  const { silence } = await alertctl('silence', 'add', '--match', 'team="flappy"', '--for', '1h', '--comment', 'known flapping', '--by', 'dave');
  await cacheAge();
  const held = alertEvent({ labels: { team: 'flappy' } });
  const heldId = await p.publish(held);
  await settled(heldId, 'silenced');
  await settled(await p.publish({ ...held, status: 'resolved' }), 'forwarded');
  expect(await notifiedChannels((await p.temporal()).workflow.getHandle(p.key(heldId)))).toEqual([]); // closed, having sent nothing
  const doc = await p.doc(heldId);
  expect(doc).toMatchObject({ deliveryStatus: 'silenced', suppressedBy: `silence:${silence.id}`, resolvedBy: expect.any(String) });
  expect(postsFor(held.alertId)).toHaveLength(0);
  await alertctl('silence', 'expire', silence.id);
});
