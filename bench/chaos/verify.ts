// The chaos run's settling and final checks: which documents are final, and what the stream, OpenSearch, the
// receiver and Temporal's visibility say of every entry (scripts/chaos.ts).
import type { Client as OpenSearch } from '@opensearch-project/opensearch';
import { workflowIdFor } from '../../src/contracts/ids';
import { sleep, streamIds, streamState, withTimeout, type Published, type Receiver, type redisClient, type temporalClient } from '../harness';

export async function countSettled(osc: OpenSearch, index: string): Promise<number> {
  await osc.indices.refresh({ index });
  // the plain alerts (the path bursts, rule IDs path-*, settle after their holds are released)
  // (`duplicate`: an entry the producer's client sent again after a Redis restart; verify() checks its twin was delivered)
  const final = [{ term: { delivered: true } }, { term: { deliveryStatus: 'failed' } }, { term: { deliveryStatus: 'duplicate' } }];
  const res = await osc.count({ index, body: { query: { bool: { should: final, minimum_should_match: 1, must_not: [{ prefix: { ruleId: 'path-' } }] } } } });
  return res.body.count;
}

interface Doc { delivered: boolean; status: string; alertId: string }

/** Every document's (streamId, delivered, deliveryStatus, alertId), paged with search_after on streamId. */
async function allDocs(osc: OpenSearch, index: string): Promise<Map<string, Doc>> {
  await osc.indices.refresh({ index });
  const out = new Map<string, Doc>();
  let after: unknown[] | undefined;
  for (;;) {
    const res = await osc.search({
      index,
      body: { size: 5000, sort: [{ streamId: 'asc' }], _source: ['streamId', 'delivered', 'deliveryStatus', 'alertId'], ...(after ? { search_after: after } : {}), query: { match_all: {} } },
    } as never);
    const hits = (res.body as { hits: { hits: { _id: string; _source: { delivered?: boolean; deliveryStatus?: string; alertId?: string }; sort: unknown[] }[] } }).hits.hits;
    for (const h of hits) out.set(h._id, { delivered: h._source.delivered === true, status: h._source.deliveryStatus ?? '?', alertId: h._source.alertId ?? '?' });
    if (hits.length < 5000) break;
    after = hits[hits.length - 1].sort;
  }
  return out;
}

export async function verify(
  names: { stream: string; group: string; index: string; taskQueue: string },
  published: Published[], receiver: Receiver, redis: ReturnType<typeof redisClient>, osc: OpenSearch,
  client: Awaited<ReturnType<typeof temporalClient>>['client'], pathIds: Set<string>,
) {
  const all = await streamIds(redis, names.stream);
  // the plain alerts: the path bursts (and the source's resolve) have checks of their own
  const ids = all.filter((id) => !pathIds.has(id));
  const inStream = new Set(ids);
  const plainKeys = new Set(ids.map((id) => workflowIdFor(names.stream, id)));
  const docs = new Map([...(await allDocs(osc, names.index))].filter(([key]) => plainKeys.has(key)));
  const st = await streamState(redis, names.stream, names.group);
  let lost = 0;
  const lostSample: string[] = [];
  let delivered = 0;
  let failed = 0;
  // An entry the producer's client sent twice (ioredis re-sends a command unanswered when Redis went away, and
  // the first had landed): one page per alertId makes the second `duplicate`. Fine only if its twin was delivered.
  let resent = 0;
  const deliveredAlerts = new Set([...docs.values()].filter((d) => d.delivered).map((d) => d.alertId));
  for (const id of ids) {
    const d = docs.get(workflowIdFor(names.stream, id));
    if (d?.delivered) delivered++;
    else if (d?.status === 'failed') failed++;
    else if (d?.status === 'duplicate' && deliveredAlerts.has(d.alertId)) resent++;
    else {
      lost++;
      if (lostSample.length < 5) lostSample.push(`${id} (${d ? d.status : 'no document'})`);
    }
  }
  const okKeys = new Set([...receiver.keys].filter(([, k]) => k.ok > 0).map(([key]) => key));
  const deliveredDocs = new Set([...docs].filter(([, d]) => d.delivered).map(([id]) => id));
  const disagreeSample: string[] = [];
  let disagree = 0;
  const differ = (k: string, why: string) => {
    disagree++;
    if (disagreeSample.length < 5) disagreeSample.push(`${k} (${why})`);
  };
  for (const k of okKeys) if (!deliveredDocs.has(k)) differ(k, '2xx, not delivered in OpenSearch');
  for (const k of deliveredDocs) if (!okKeys.has(k)) differ(k, 'delivered in OpenSearch, no 2xx');
  // Visibility is eventually consistent: give it a few seconds to count every workflow.
  let workflows = -1;
  for (let i = 0; i < 15; i++) {
    workflows = (await withTimeout(client.workflow.count(`TaskQueue="${names.taskQueue}" AND WorkflowType="deliverAlert"`), 10_000).catch(() => ({ count: -1 }))).count;
    if (workflows === all.length) break;
    await sleep(2_000);
  }
  return {
    entries: ids.length, allEntries: all.length, docs: docs.size, delivered, failed, resent, lost, lostSample, okKeys: okKeys.size, disagree, disagreeSample,
    pending: st?.pending ?? -1, workflows, missingFromStream: published.filter((p) => !inStream.has(p.id)).length,
  };
}
