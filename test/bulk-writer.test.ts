// BulkWriter against the real OpenSearch: concurrent writes share _bulk requests, and each caller
// gets its own operation's outcome (a conflict or mapping error fails that write only).
import type { Client } from '@opensearch-project/opensearch';
import { BulkWriter } from '../src/store/bulk-writer';
import { BulkItemError } from '../src/errors';
import { AlertStore } from '../src/store';
import { cleanup, opensearch, uid } from './helpers/stack';

jest.setTimeout(60_000);

describe('BulkWriter', () => {
  let os: Client;
  const index = uid('bulk');
  let bulkCalls = 0;

  beforeAll(async () => {
    os = opensearch();
    await new AlertStore(os, index).ensureIndex(); // the strict alert mapping
    const bulk = os.bulk.bind(os);
    os.bulk = ((...args: Parameters<typeof bulk>) => {
      bulkCalls++;
      return bulk(...args);
    }) as typeof os.bulk;
  });
  afterAll(async () => {
    await cleanup(undefined, os, [], [index]);
    await os.close();
  });

  const create = (w: BulkWriter, id: string, extra: Record<string, unknown> = {}) =>
    w.write({ action: { create: { _index: index, _id: id } }, source: { streamId: id, delivered: false, deliveryStatus: 'pending', updatedAt: new Date().toISOString(), ...extra } });

  it('300 concurrent creates all succeed in far fewer _bulk requests, and all documents exist', async () => {
    const w = new BulkWriter(os, { maxBatch: 100, maxInFlight: 2 });
    bulkCalls = 0;
    const ids = Array.from({ length: 300 }, (_, i) => `c-${i}`);
    const statuses = await Promise.all(ids.map((id) => create(w, id)));
    expect(statuses.every((s) => s === 201)).toBe(true);
    expect(bulkCalls).toBeGreaterThanOrEqual(3); // at most 100 per request
    expect(bulkCalls).toBeLessThanOrEqual(6);
    await os.indices.refresh({ index });
    expect((await os.count({ index })).body.count).toBe(300);
  });

  it('a single write at low load goes out at once, alone', async () => {
    const w = new BulkWriter(os);
    bulkCalls = 0;
    const written = create(w, 'alone');
    await new Promise((r) => setImmediate(r)); // no timer has fired yet: nothing lingers to fill a batch
    expect(bulkCalls).toBe(1);
    expect(await written).toBe(201);
    expect(bulkCalls).toBe(1);
  });

  it('a conflict, a missing document and a mapping violation fail only their own writes', async () => {
    const w = new BulkWriter(os);
    const results = await Promise.allSettled([
      create(w, 'c-1'), // exists
      w.write({ action: { update: { _index: index, _id: 'missing' } }, source: { doc: { delivered: true } } }),
      create(w, 'strict', { notInTheMapping: 1 }),
      create(w, 'fine'),
      w.write({ action: { update: { _index: index, _id: 'c-2' } }, source: { doc: { delivered: true } } }),
    ]);
    const reason = (i: number) => (results[i] as PromiseRejectedResult).reason as BulkItemError;
    expect(reason(0)).toBeInstanceOf(BulkItemError);
    expect(reason(0)).toMatchObject({ status: 409, type: 'version_conflict_engine_exception', name: 'BulkItemError' });
    expect(reason(1)).toMatchObject({ status: 404, type: 'document_missing_exception' });
    expect(reason(2)).toMatchObject({ status: 400, type: 'strict_dynamic_mapping_exception' });
    expect(results[3]).toEqual({ status: 'fulfilled', value: 201 });
    expect(results[4]).toEqual({ status: 'fulfilled', value: 200 });
    expect((await os.get({ index, id: 'c-2' })).body._source).toMatchObject({ delivered: true });
  });

  it('a failed request (OpenSearch unreachable) rejects every write in it', async () => {
    const { Client: OsClient } = await import('@opensearch-project/opensearch');
    const dead = new OsClient({ node: 'http://127.0.0.1:1', maxRetries: 0, requestTimeout: 2000 });
    const w = new BulkWriter(dead);
    const results = await Promise.allSettled([create(w, 'x'), create(w, 'y'), create(w, 'z')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(String((results[0] as PromiseRejectedResult).reason)).toMatch(/ECONNREFUSED|ConnectionError/);
    await dead.close();
  });
});
