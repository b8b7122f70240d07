// AlertStore against the real OpenSearch: create-if-absent keyed by the delivery ID, what it reports about
// an existing document, and the refusals that must end a delivery visibly instead of being retried.
import type { Client } from '@opensearch-project/opensearch';
import { AlertConflictError, BulkItemError, StoreRefusedError } from '../src/errors';
import type { DeliveryRequest, DeliveryState } from '../src/contracts/delivery';
import { workflowIdFor } from '../src/contracts/ids';
import { ALERT_MAPPING, AlertStore, isPermanentStoreError } from '../src/store';
import { alertEvent } from './helpers/alerts';
import { cleanup, opensearch, uid } from './helpers/stack';

let os: Client;
const indices: string[] = [];

async function store(mapping: object = ALERT_MAPPING): Promise<AlertStore> {
  const index = uid('store');
  indices.push(index);
  await os.indices.create({ index, body: { settings: { number_of_shards: 1, number_of_replicas: 0 }, mappings: mapping } });
  return new AlertStore(os, index);
}

function request(stream: string, messageId: string, over = {}): DeliveryRequest {
  return { stream, group: 'g', messageId, deliveryId: `${stream}:${messageId}`, receivedAt: '2026-11-23T00:00:00.000Z', event: alertEvent(over) };
}

const delivered: DeliveryState = { status: 'delivered', channels: [], rounds: 1, parkedAt: null, abandonReason: null };

beforeAll(() => {
  os = opensearch();
});
afterAll(async () => {
  await cleanup(undefined, os, [], indices);
  await os.close();
});

describe('AlertStore', () => {
  it('an index from before the lifecycle fields gets them added at start-up; a field of the wrong type is still refused', async () => {
    const { incidentRole: _r, incidentOf: _o, incidentNote: _n, resolvedBy: _b, status: _s, ...older } = ALERT_MAPPING.properties;
    const s = await store({ ...ALERT_MAPPING, properties: older });
    await s.ensureIndex();
    expect(s.addedFields.sort()).toEqual(['incidentNote', 'incidentOf', 'incidentRole', 'resolvedBy', 'status']);
    const found = (await os.indices.getMapping({ index: s.index })).body[s.index].mappings.properties as Record<string, { type: string }>;
    expect(found.incidentRole.type).toBe('keyword');

    const wrong = await store({ ...ALERT_MAPPING, properties: { ...older, alertId: { type: 'text' } } });
    await expect(wrong.ensureIndex()).rejects.toThrow(/alertId/);
  });

  it('creates the document under the delivery ID; equal message IDs of two streams are two documents', async () => {
    const s = await store();
    const a = request('stream-a', '1000-1');
    const b = request('stream-b', '1000-1');
    expect(await s.createIfAbsent(a)).toEqual({ created: true, delivered: false });
    expect(await s.createIfAbsent(b)).toEqual({ created: true, delivered: false });
    expect(await s.get('stream-a:1000-1')).toMatchObject({ alertId: a.event.alertId, workflowId: 'stream-a:1000-1', streamId: '1000-1', deliveryStatus: 'pending' });
    expect(await s.get('stream-b:1000-1')).toMatchObject({ alertId: b.event.alertId, workflowId: 'stream-b:1000-1' });
    expect(await s.get('1000-1')).toBeUndefined();
  });

  it('a second create of the same delivery reports the existing state (pending, then the recorded final one)', async () => {
    const s = await store();
    const req = request('alerts', '2000-0');
    const id = workflowIdFor(req.stream, req.messageId);
    await s.createIfAbsent(req);
    expect(await s.createIfAbsent(req)).toEqual({ created: false, delivered: false, existingStatus: 'pending' });
    await s.record(id, delivered);
    expect(await s.createIfAbsent(req)).toEqual({ created: false, delivered: true, existingStatus: 'delivered' });
    await s.record(id, { ...delivered, status: 'abandoned', abandonReason: 'gone' });
    expect(await s.createIfAbsent(req)).toEqual({ created: false, delivered: false, existingStatus: 'abandoned' });
  });

  it('a document of a different alert under the same ID is an AlertConflictError, not a skip', async () => {
    const s = await store();
    await s.createIfAbsent(request('alerts', '3000-0', { alertId: 'first-alert' }));
    const err = await s.createIfAbsent(request('alerts', '3000-0', { alertId: 'second-alert' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AlertConflictError);
    expect((err as Error).message).toBe('document alerts:3000-0 already holds alert "first-alert", not "second-alert"');
  });

  it('legacy callers keep the bare message ID as document ID when they pass it', async () => {
    const s = await store();
    const req = request('alerts', '4000-0');
    await s.createIfAbsent(req, req.messageId);
    await s.record(req.messageId, delivered);
    expect(await s.get('4000-0')).toMatchObject({ delivered: true, workflowId: 'alerts:4000-0' });
  });

  it('a value the index cannot hold is a StoreRefusedError (400), not a retryable error', async () => {
    // An operator's index that stores dates without fractions: the parser accepts millis, this index does not.
    const s = await store({ ...ALERT_MAPPING, properties: { ...ALERT_MAPPING.properties, firedAt: { type: 'date', format: 'strict_date_time_no_millis' } } });
    const err = await s.createIfAbsent(request('alerts', '5000-0', { firedAt: '2026-11-23T00:00:00.123Z' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreRefusedError);
    expect(err).toMatchObject({ operation: 'create', status: 400, type: 'mapper_parsing_exception' });
  });

  it('recording the outcome of a document that is gone is a StoreRefusedError (404 document_missing_exception)', async () => {
    const s = await store();
    const err = await s.record('alerts:6000-0', delivered).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreRefusedError);
    expect(err).toMatchObject({ operation: 'update', status: 404, type: 'document_missing_exception' });
  });

  it('a rejection is recorded once; recording it again is not an error', async () => {
    const s = await store();
    await s.reject('alerts:7000-0', '7000-0', 'bad JSON', ['event', '{'], { workflowId: 'alerts:7000-0' });
    await s.reject('alerts:7000-0', '7000-0', 'bad JSON again', ['event', '{']);
    expect(await s.get('alerts:7000-0')).toMatchObject({ deliveryStatus: 'rejected', rejectReason: 'bad JSON', workflowId: 'alerts:7000-0', raw: '["event","{"]' });
  });

  it.each([
    [400, true], [403, true], [404, true], [413, true], [408, false], [409, false], [429, false], [500, false], [503, false],
  ])('a bulk item answered %i is permanent: %s', (status, permanent) => {
    expect(isPermanentStoreError(new BulkItemError(status, 'x', 'y'))).toBe(permanent);
  });

  it('connection errors (no status) are never permanent', () => {
    expect(isPermanentStoreError(Object.assign(new Error('connect ECONNREFUSED'), { name: 'ConnectionError' }))).toBe(false);
    expect(isPermanentStoreError({ meta: { statusCode: 400 }, message: 'bad' })).toBe(true);
  });
});
