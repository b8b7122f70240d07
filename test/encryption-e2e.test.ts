// Payload encryption end to end with the real worker and ingest processes: the history holds ciphertext only
// (search attributes stay plain and queryable), a client with the codec reads it, a worker without the key fails
// the workflow task visibly, and keys rotate without downtime (an old parked delivery still replays).
import { randomBytes, randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { AesGcmCodec, ENCRYPTED_ENCODING, payloadDataConverter, type PayloadKeys } from '../src/codec';
import type { DeliveryRequest, DeliveryState } from '../src/contracts/delivery';
import { runAlertctl } from './helpers/alertctl';
import { alertEvent } from './helpers/alerts';
import { isCoreMarkerData, isSearchAttribute, isUserPayload, payloadsIn } from './helpers/payloads';
import { Pipeline } from './helpers/pipeline';
import type { ServiceProcess } from './helpers/processes';
import { TEMPORAL_CONNECTION } from './helpers/stack';

jest.setTimeout(180_000);

const K1 = randomBytes(32);
const K2 = randomBytes(32);
const KX = randomBytes(32);
const keyList = (entries: Record<string, Buffer>) => Object.entries(entries).map(([id, k]) => `${id}:${k.toString('base64')}`).join(',');
const keys = (current: string, entries: Record<string, Buffer>): PayloadKeys => ({ currentKeyId: current, keys: new Map(Object.entries(entries)) });
const secret = `acme-${randomUUID()}`;
/** alertctl (in-process), `--json`, with these settings; expects exit 0. */
async function alertctl(env: Record<string, string>, ...args: string[]): Promise<any> {
  const res = await runAlertctl([...args, '--json'], env);
  expect({ code: res.code, stderr: res.stderr }).toEqual({ code: 0, stderr: '' });
  return res.json();
}

describe('payload encryption, end to end', () => {
  // The receiver refuses (400: parks) the alerts whose title says so, until `parkedFixed`.
  let parkedFixed = false;
  const p = new Pipeline({ behaviour: (post) => (String(post.json?.title ?? post.body).includes('park me') && !parkedFixed ? { status: 400 } : { status: 200 }) });
  let plain: Client;
  let withCodec: Client;
  let connection: Connection;
  const env1 = { PAYLOAD_ENCRYPTION_KEYS: keyList({ k1: K1 }) };

  beforeAll(async () => {
    await p.start();
    plain = await p.temporal();
    connection = await Connection.connect(TEMPORAL_CONNECTION);
    withCodec = new Client({ connection, dataConverter: payloadDataConverter(keys('k2', { k1: K1, k2: K2 })) });
  });
  afterAll(async () => {
    await connection?.close();
    await p.stop();
  });

  const history = (messageId: string) => plain.workflow.getHandle(p.key(messageId)).fetchHistory();
  const delivered = (messageId: string) => p.waitFor(`${messageId} delivered`, async () => (await p.doc(messageId))?.delivered === true);

  let firstDelivered = '';
  let worker: ServiceProcess;
  let ingest: ServiceProcess;
  it('an alert is delivered; its history holds only ciphertext, search attributes stay plain and queryable', async () => {
    worker = await p.worker(env1);
    expect(worker.output()).toContain('payload encryption: on (current key k1, keys k1)');
    expect(worker.output()).not.toContain(K1.toString('base64').slice(0, 12));
    ingest = await p.ingest(env1);
    await ingest.waitForLine(/payload encryption: on \(current key k1, keys k1\)/);
    const ruleId = `rule-${randomUUID()}`;
    const event = alertEvent({ ruleId, title: `db-7 down at ${secret}`, labels: { customer: secret, host: `db-7.${secret}.internal` } });
    firstDelivered = await p.publish(event);
    await delivered(firstDelivered);
    await p.closed(firstDelivered);
    // The receiver got the plain alert (the worker decrypted its input).
    expect(p.receiver.posts.find((x) => x.key === p.key(firstDelivered))?.body).toContain(secret);

    const h = await history(firstDelivered);
    const found = payloadsIn(h);
    const searchAttributes = found.filter(isSearchAttribute);
    const others = found.filter(isUserPayload);
    expect(others.length).toBeGreaterThan(3); // input, local-activity results, the result, …
    expect(others.filter((x) => x.encoding !== ENCRYPTED_ENCODING).map((x) => `${x.path}: ${x.encoding}`)).toEqual([]);
    expect(new Set(others.map((x) => x.keyId))).toEqual(new Set(['k1']));
    // Not one byte of the title or the labels anywhere in the stored history.
    const raw = Buffer.from(temporal.api.history.v1.History.encode(h).finish());
    for (const s of [secret, 'db-7 down', 'customer']) expect(raw.includes(s)).toBe(false);
    // Search attributes: plain JSON (the SDK never runs codecs on them).
    expect(searchAttributes.length).toBeGreaterThan(0);
    for (const sa of searchAttributes) expect(sa.encoding).toBe('json/plain');
    // The core's marker bookkeeping is plain too: patch IDs, local activity types and timing, nothing of the alert.
    const markers = found.filter(isCoreMarkerData).map((x) => JSON.parse(Buffer.from(x.payload.data!).toString()) as Record<string, unknown>);
    expect(markers.length).toBeGreaterThan(0);
    for (const m of markers) expect(Object.keys(m).sort()).toEqual(expect.arrayContaining(m.activity_type ? ['activity_id', 'activity_type', 'attempt'] : ['id']));
    const desc = await plain.workflow.getHandle(p.key(firstDelivered)).describe();
    expect(desc.searchAttributes).toMatchObject({ AlertDeliveryStatus: ['delivered'], AlertSeverity: ['critical'], AlertRuleId: [ruleId] });
    const query = `AlertRuleId="${ruleId}" AND AlertSeverity="critical" AND AlertDeliveryStatus="delivered"`;
    const listed = await p.waitFor('visibility query', async () => {
      const ids: string[] = [];
      for await (const wf of plain.workflow.list({ query })) ids.push(wf.workflowId);
      return ids.length > 0 && ids;
    }, 30_000);
    expect(listed).toEqual([p.key(firstDelivered)]);

    // Without the codec the result cannot be read; with it, it decodes.
    await expect(plain.workflow.getHandle(p.key(firstDelivered)).result()).rejects.toThrow(/binary\/encrypted/);
    expect(await withCodec.workflow.getHandle<() => Promise<DeliveryState>>(p.key(firstDelivered)).result()).toMatchObject({ status: 'delivered' });
    const input = h.events![0].workflowExecutionStartedEventAttributes!.input!.payloads!;
    const [decoded] = await new AesGcmCodec(keys('k1', { k1: K1 })).decode(input);
    expect(defaultPayloadConverter.fromPayload<DeliveryRequest>(decoded).event).toMatchObject({ title: event.title, labels: event.labels });
  });

  let parked = '';
  it('a worker with only a different key fails the workflow task visibly, naming the key', async () => {
    parked = await p.publish(alertEvent({ title: `park me ${secret}` }));
    await p.waitFor(`${parked} parked`, async () => (await p.doc(parked))?.deliveryStatus === 'failed');
    await worker.kill('SIGKILL');
    const wrong = await p.worker({ PAYLOAD_ENCRYPTION_KEYS: keyList({ kx: KX }) });
    const stuck = await p.publish(alertEvent({ title: `stuck ${secret}` }));
    const failure = await p.waitFor('a failed workflow task', async () => {
      const events = (await history(stuck).catch(() => undefined))?.events ?? [];
      return events.find((e) => e.workflowTaskFailedEventAttributes)?.workflowTaskFailedEventAttributes?.failure?.message;
    }, 60_000);
    expect(failure).toMatch(/encryption key k1 is not configured/);
    await wrong.waitForLine(/encryption key k1 is not configured/);
    expect((await p.doc(stuck))?.delivered).not.toBe(true);
    expect(p.receiver.keys().has(p.key(stuck))).toBe(false);
    await wrong.kill('SIGKILL');
    // The right keys again: the same delivery proceeds.
    worker = await p.worker(env1);
    await delivered(stuck);
  });

  it('rotation: k2 added and made current, k1 kept; an old parked delivery still replays, new payloads use k2', async () => {
    await Promise.all([worker.kill('SIGKILL'), ingest.kill('SIGKILL')]);
    const env2 = { PAYLOAD_ENCRYPTION_KEYS: keyList({ k1: K1, k2: K2 }), PAYLOAD_ENCRYPTION_KEY_ID: 'k2' };
    worker = await p.worker(env2);
    expect(worker.output()).toContain('payload encryption: on (current key k2, keys k1, k2)');
    ingest = await p.ingest(env2);
    const fresh = await p.publish(alertEvent({ title: `after rotation ${secret}` }));
    await delivered(fresh);
    await p.closed(fresh);
    const freshPayloads = payloadsIn(await history(fresh)).filter(isUserPayload);
    expect(new Set(freshPayloads.map((x) => x.keyId))).toEqual(new Set(['k2']));

    // The delivery parked under k1: a new worker process (no cache) replays its k1 history, then goes on under k2.
    // alertctl with the keys reads it (the status query), without them it sees only the search attributes.
    expect((await alertctl(p.env(env2), 'status', p.key(parked))).state).toMatchObject({ status: 'failed' });
    expect((await alertctl(p.env(), 'status', p.key(parked))).state).toEqual({ unavailable: expect.stringMatching(/binary\/encrypted/) });
    parkedFixed = true;
    const retried = await alertctl(p.env(env2), 'retry', p.key(parked));
    expect(retried.results).toEqual([expect.objectContaining({ retried: true, state: expect.objectContaining({ status: 'delivered' }) })]);
    await p.closed(parked);
    const mixed = payloadsIn(await history(parked)).filter(isUserPayload);
    expect(mixed.every((x) => x.encoding === ENCRYPTED_ENCODING)).toBe(true);
    expect(mixed[0].keyId).toBe('k1'); // the input, from before the rotation
    expect(mixed.at(-1)!.keyId).toBe('k2'); // the result, after it
    expect(await withCodec.workflow.getHandle<() => Promise<DeliveryState>>(p.key(parked)).result()).toMatchObject({ status: 'delivered' });
    // The first delivery (k1 only) still reads with the rotated key list.
    expect(await withCodec.workflow.getHandle<() => Promise<DeliveryState>>(p.key(firstDelivered)).result()).toMatchObject({ status: 'delivered' });
  });

  it('the combined process (eager starts) encrypts and decrypts with the same keys', async () => {
    await Promise.all([worker.kill('SIGKILL'), ingest.kill('SIGKILL')]);
    const combined = await p.combined({ PAYLOAD_ENCRYPTION_KEYS: keyList({ k1: K1, k2: K2 }), PAYLOAD_ENCRYPTION_KEY_ID: 'k2' });
    expect(combined.output()).toContain('payload encryption: on (current key k2, keys k1, k2)');
    const id = await p.publish(alertEvent({ title: `combined ${secret}` }));
    await delivered(id);
    await p.closed(id);
    const found = payloadsIn(await history(id)).filter(isUserPayload);
    expect(found.length).toBeGreaterThan(3);
    expect(found.every((x) => x.encoding === ENCRYPTED_ENCODING && x.keyId === 'k2')).toBe(true);
    expect(p.receiver.posts.find((x) => x.key === p.key(id))?.body).toContain(secret);
    // alertctl resolve reads the firing delivery's input from the raw history: through the codec.
    const resolved = await alertctl(p.env({ PAYLOAD_ENCRYPTION_KEYS: keyList({ k2: K2 }) }), 'resolve', p.key(id));
    expect(resolved).toMatchObject({ resolves: p.key(id), event: { title: `combined ${secret}`, status: 'resolved' } });
  });
});
