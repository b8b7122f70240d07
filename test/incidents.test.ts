// The incident record against the real OpenSearch: concurrent claims of one alertId give exactly one page,
// resolves race the same way, a stale or released incident pages again, a retried claim gets its answer again.
import type { Client } from '@opensearch-project/opensearch';
import { IncidentStore, type Claimant } from '../src/lifecycle/incidents';
import { cleanup, opensearch, uid } from './helpers/stack';

let os: Client;
const indices: string[] = [];

async function store(staleAfterMs?: number): Promise<IncidentStore> {
  const index = uid('incidents');
  indices.push(index);
  const s = new IncidentStore(os, index, staleAfterMs);
  await s.ensureIndex({ shards: 1, replicas: 0 });
  return s;
}

const claimant = (alertId: string, n: number, firedAt = '2026-11-23T10:00:00.000Z'): Claimant => ({ alertId, deliveryId: `alerts:${n}-0`, workflowId: `alerts:${n}-0`, firedAt });

beforeAll(() => {
  os = opensearch();
});
afterAll(async () => {
  await cleanup(undefined, os, [], indices);
  await os.close();
});

it('20 concurrent firings of one incident: exactly one page, 19 duplicates of it', async () => {
  const s = await store();
  const claims = await Promise.all(Array.from({ length: 20 }, (_, i) => s.claimFiring(claimant('db-down', i))));
  const pages = claims.filter((c) => c.role === 'page');
  expect(pages).toHaveLength(1);
  const winner = (await s.get('db-down'))!.doc.workflowId;
  expect(claims.filter((c) => c.role === 'duplicate' && c.of === winner)).toHaveLength(19);
});

it('concurrent resolves: exactly one resolves the incident, the others are duplicates of it', async () => {
  const s = await store();
  await s.claimFiring(claimant('db-down', 1));
  const claims = await Promise.all(Array.from({ length: 10 }, (_, i) => s.claimResolve(claimant('db-down', 100 + i))));
  expect(claims.filter((c) => c.role === 'resolve')).toEqual([expect.objectContaining({ of: 'alerts:1-0', firingDeliveryId: 'alerts:1-0' })]);
  const by = (await s.get('db-down'))!.doc.resolvedBy;
  expect(claims.filter((c) => c.role === 'duplicate' && c.of === by)).toHaveLength(9);
});

it('a retried claim by the same delivery gets the same answer', async () => {
  const s = await store();
  expect(await s.claimFiring(claimant('a', 1))).toEqual({ role: 'page' });
  expect(await s.claimFiring(claimant('a', 1))).toEqual({ role: 'page' });
  const resolve = await s.claimResolve(claimant('a', 2));
  expect(resolve.role).toBe('resolve');
  expect(await s.claimResolve(claimant('a', 2))).toEqual(resolve);
  const unmatched = await s.claimResolve(claimant('b', 3));
  expect(unmatched.role).toBe('unmatched');
  expect(await s.claimResolve(claimant('b', 3))).toEqual(unmatched);
});

it('a firing incident not refreshed for INCIDENT_TIMEOUT is stale: the next firing pages as a new incident', async () => {
  const s = await store(300);
  expect((await s.claimFiring(claimant('flappy', 1))).role).toBe('page');
  expect((await s.claimFiring(claimant('flappy', 2))).role).toBe('duplicate'); // fresh: a repeat
  await new Promise((r) => setTimeout(r, 400));
  expect(await s.claimFiring(claimant('flappy', 3))).toEqual({ role: 'page' });
  expect((await s.get('flappy'))!.doc).toMatchObject({ state: 'firing', workflowId: 'alerts:3-0' });
});

it('duplicates keep the incident fresh (each one refreshes lastSeenAt)', async () => {
  const s = await store(600);
  await s.claimFiring(claimant('busy', 1));
  for (let i = 2; i < 6; i++) {
    await new Promise((r) => setTimeout(r, 250));
    expect((await s.claimFiring(claimant('busy', i))).role).toBe('duplicate'); // 1 s in all, never 600 ms without one
  }
});

it('a released incident (its paging delivery was terminated) pages again on a later firing; only its own delivery releases it', async () => {
  const s = await store();
  await s.claimFiring(claimant('x', 1));
  await s.release('x', 'alerts:999-0', 'not mine');
  expect((await s.get('x'))!.doc.state).toBe('firing');
  await s.release('x', 'alerts:1-0', 'workflow terminated: operator');
  expect((await s.get('x'))!.doc).toMatchObject({ state: 'resolved', closedReason: 'workflow terminated: operator' });
  expect((await s.claimFiring(claimant('x', 2, '2026-11-23T11:00:00.000Z'))).role).toBe('page');
});

it('a new incident is claimed with one write and no read; its records share the alert documents\' _bulk requests', async () => {
  const s = await store();
  const get = jest.spyOn(os, 'get');
  const bulk = jest.spyOn(os, 'bulk');
  try {
    expect(await s.claimFiring(claimant('disk-full', 1))).toEqual({ role: 'page' });
    expect([get.mock.calls.length, bulk.mock.calls.length]).toEqual([0, 1]);
    expect(await s.claimFiring(claimant('disk-full', 2))).toMatchObject({ role: 'duplicate', of: 'alerts:1-0' }); // a record there: read, then judged
    expect(get).toHaveBeenCalledTimes(1);
  } finally {
    get.mockRestore();
    bulk.mockRestore();
  }
});
