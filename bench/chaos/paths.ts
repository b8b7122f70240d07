// The chaos run's path bursts: beside its plain alerts, bursts of alerts on every path on which a delivery waits —
// an escalation (chat at once, the pager level after a delay), a silence, an inhibition, a group, a parked failure,
// a person's notification rules (a level paging a person of the on-call file: a contact at once, another 5 s later) —
// published across the window in which the worker is killed -9, so first workflow tasks on each path are lost.
// After the plain alerts settled, each hold is released (the silence expired, the source resolved, the broken
// channel fixed and the parked alerts retried) and every alert is checked: it reached what its path says, once.
import fs from 'node:fs';
import type { Client as OpenSearch } from '@opensearch-project/opensearch';
import type { Client as TemporalClient } from '@temporalio/client';
import type Redis from 'ioredis';
import YAML from 'yaml';
import type { AlertEvent } from '../../src/contracts/alert';
import { workflowIdFor } from '../../src/contracts/ids';
import { retryUpdate } from '../../src/contracts/messages';
import { HeldDeliveries } from '../../src/storm/held';
import { SilenceStore } from '../../src/storm/silences';
import { wakeSilenced } from '../../src/storm/wake';
import { LocalReceiver, type Received, type Reply } from '../../tools/receiver';
import { sleep, xaddOne } from '../harness';

export const PATHS = ['escalation', 'silenced', 'inhibited', 'grouped', 'parked', 'personal'] as const;
export type PathName = (typeof PATHS)[number];
/** The pager level's delay: the escalation's second level comes this long after the first notification. */
const PAGER_AFTER = '5s';
/** The personal path's person (docs/oncall.md): a contact at once, one this long after the page. */
const PERSON = 'pat';
const LATER_AFTER = '5s';

/** The paths' receiver: per URL path, the keys answered 2xx and when first; `/broken` answers 404 until fixed. */
class PathReceiver extends LocalReceiver {
  readonly ok = new Map<string, Map<string, number>>();
  readonly groupKeys = new Set<string>();
  brokenFixed = false;

  protected receive(r: Received): Reply {
    return { status: r.path === '/broken' && !this.brokenFixed ? 404 : 200 };
  }

  protected override answered(r: Received, reply: Reply, reached: boolean): void {
    if (!reached || reply.status !== 200) return;
    const key = String(r.headers['idempotency-key'] ?? r.headers['webhook-id'] ?? '');
    const byKey = this.ok.get(r.path) ?? new Map<string, number>();
    if (!byKey.has(key)) byKey.set(key, r.at);
    this.ok.set(r.path, byKey);
    if ((JSON.parse(r.body.toString() || '{}') as { group?: unknown }).group) this.groupKeys.add(key);
  }

  okAt(urlPath: string, key: string): number | undefined {
    return this.ok.get(urlPath)?.get(key);
  }
}

interface PathAlert {
  path: PathName;
  event: AlertEvent;
  id?: string;
}

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export class PathBursts {
  readonly receiver = new PathReceiver();
  private readonly alerts: PathAlert[] = [];
  private readonly source: AlertEvent;
  private sourceId?: string;
  private resolveId?: string;
  private silenceId?: string;
  /** when each hold was released: the silence expired, the source resolved, the channel fixed */
  private readonly releasedAt: Partial<Record<PathName, number>> = {};
  private readonly heldBefore: Partial<Record<PathName, number>> = {};

  /** @param perPath alerts on each path */
  constructor(private readonly tag: string, perPath: number) {
    const event = (path: PathName | 'source', i: number, over: Partial<AlertEvent> = {}): AlertEvent => ({
      alertId: `${tag}-${path}-${i}`, ruleId: `path-${path}`, ruleName: `Chaos ${path}`, severity: 'high', title: `Chaos path ${path} #${i}`,
      view: 'chaos', scope: `host-${i}`, labels: { path, cluster: tag }, firedAt: new Date().toISOString(), ...over,
    });
    this.source = event('source', 0, { ruleName: 'ChaosClusterDown', severity: 'critical' });
    for (let i = 0; i < perPath; i++) for (const path of PATHS) this.alerts.push({ path, event: event(path, i) });
  }

  get count(): number {
    return this.alerts.length + 2; // the source fires and resolves
  }

  /** The channels file's part for the paths: three channels on the paths' receiver, their routes first, the rules. */
  channelsConfig(plainChannel: string): { channels: Record<string, object>; config: Record<string, unknown> } {
    const hook = (urlPath: string, attempts: number) => ({ url: `${this.receiver.origin}${urlPath}`, timeout: '2s', retry: { initialInterval: '200ms', maximumInterval: '1s', maximumAttempts: attempts } });
    const on = (path: string) => ({ labels: { path } });
    return {
      channels: { chat: hook('/chat', 5), pager: hook('/pager', 5), broken: hook('/broken', 1) },
      config: {
        escalations: {
          paths: { levels: [{ after: '0s', channels: ['chat'] }, { after: PAGER_AFTER, channels: ['pager'] }] },
          personal: { levels: [{ after: '0s', notify: [{ person: PERSON }] }] },
        },
        routes: [
          { match: on('escalation'), escalation: 'paths' },
          { match: on('personal'), escalation: 'personal' },
          { match: on('parked'), channels: ['broken'] },
          { name: 'chaos-grouped', match: on('grouped'), channels: ['chat'], group_by: ['cluster'], group_wait: '2s', group_interval: '2s' },
          { match: on('source'), channels: ['chat'] },
          { match: on('silenced'), channels: ['chat'] },
          { match: on('inhibited'), channels: ['chat'] },
          { channels: [plainChannel] },
        ],
        inhibit_rules: [{ source_matchers: ['alertname="ChaosClusterDown"'], target_matchers: ['path="inhibited"'], equal: ['cluster'] }],
      },
    };
  }

  /** The on-call file of the personal path: one person, each contact a path of the paths' receiver (ONCALL_FILE). */
  writeOnCallFile(file: string): void {
    const contact = (name: string) => ({ via: 'chat', address: `${this.receiver.origin}/people/${PERSON}/${name}` });
    const person = { name: 'Pat', contacts: { now: contact('now'), later: contact('later') }, rules: { high: [{ contact: 'now' }, { contact: 'later', after: LATER_AFTER }] } };
    fs.writeFileSync(file, YAML.stringify({ people: { [PERSON]: person } }));
  }

  /** Before publishing: the silence for the silenced path, and the inhibition source, delivered. */
  async prepare(redis: Redis, stream: string, osc: OpenSearch, index: string, say: (m: string) => void): Promise<void> {
    const silences = new SilenceStore(osc, SilenceStore.indexFor(index));
    await silences.ensureIndex({ shards: 1, replicas: 0 });
    const s = await silences.add({ matchers: [{ name: 'path', op: '=', value: 'silenced' }], endsAt: new Date(Date.now() + 24 * 3_600_000), createdBy: 'chaos', comment: 'path bursts' });
    this.silenceId = s.id;
    this.sourceId = await xaddOne(redis, stream, this.source);
    await waitFor('the inhibition source delivered', async () => (await docOf(osc, index, workflowIdFor(stream, this.sourceId!)))?.deliveryStatus === 'delivered', 120_000);
    say(`paths: silence ${s.id}, inhibition source ${this.source.alertId} delivered; ${this.alerts.length} path alerts to publish`);
  }

  /** Publishes the path alerts evenly over `seconds`, round-robin over the paths. */
  async publish(redis: Redis, stream: string, seconds: number, shouldStop: () => boolean): Promise<void> {
    const gapMs = (seconds * 1000) / this.alerts.length;
    const t0 = Date.now();
    for (const [i, a] of this.alerts.entries()) {
      if (shouldStop()) return;
      const due = t0 + i * gapMs;
      if (due > Date.now()) await sleep(due - Date.now());
      a.id = await xaddOne(redis, stream, a.event);
    }
  }

  /** After the plain alerts settled: each hold seen, then released. */
  async release(redis: Redis, stream: string, osc: OpenSearch, index: string, temporal: TemporalClient, say: (m: string) => void): Promise<void> {
    const docs = (path: PathName) => Promise.all(this.of(path).map((a) => docOf(osc, index, workflowIdFor(stream, a.id!))));
    for (const [path, status] of [['silenced', 'silenced'], ['inhibited', 'inhibited'], ['parked', 'failed']] as const) {
      await waitFor(`every ${path} alert ${status}`, async () => (await docs(path)).every((d) => d?.deliveryStatus === status), 300_000).catch((e: Error) => say(e.message));
      this.heldBefore[path] = (await docs(path)).filter((d) => d?.deliveryStatus === status).length;
    }
    this.releasedAt.silenced = Date.now();
    await new SilenceStore(osc, SilenceStore.indexFor(index)).expire(this.silenceId!, 'chaos');
    const woken = await wakeSilenced(temporal, new HeldDeliveries(osc, index), this.silenceId!);
    this.releasedAt.inhibited = Date.now();
    this.resolveId = await xaddOne(redis, stream, { ...this.source, status: 'resolved' });
    this.releasedAt.parked = Date.now();
    this.receiver.brokenFixed = true;
    const retried = await Promise.all(this.of('parked').map((a) => temporal.workflow.getHandle(workflowIdFor(stream, a.id!)).executeUpdate(retryUpdate).then(() => 1, () => 0)));
    say(`paths: silence expired (${woken} woken), source resolved, broken channel fixed (${retried.reduce((x: number, y) => x + y, 0)} retried, the rest re-driven)`);
  }

  /** Waits until every path alert reached what it should (or the deadline), then says which did. */
  async verify(stream: string, osc: OpenSearch, index: string, timeoutMs: number): Promise<Check[]> {
    const reached = async (a: PathAlert): Promise<boolean> => {
      const key = workflowIdFor(stream, a.id!);
      const d = await docOf(osc, index, key);
      if (d?.deliveryStatus !== 'delivered') return false;
      switch (a.path) {
        case 'escalation': return d.escalationLevel === 1 && this.receiver.okAt('/chat', key) !== undefined && this.receiver.okAt('/pager', key) !== undefined;
        case 'grouped': return typeof d.groupNotificationKey === 'string' && this.receiver.groupKeys.has(d.groupNotificationKey);
        case 'parked': return (this.receiver.okAt('/broken', key) ?? 0) >= this.releasedAt.parked!;
        case 'personal': return d.escalationLevel === 1 && this.receiver.okAt(`/people/${PERSON}/now`, `${key}:${PERSON}:1`) !== undefined && this.receiver.okAt(`/people/${PERSON}/later`, `${key}:${PERSON}:2`) !== undefined;
        default: return (this.receiver.okAt('/chat', key) ?? 0) >= this.releasedAt[a.path]!;
      }
    };
    const missing = new Map<PathName, string[]>();
    const deadline = Date.now() + timeoutMs;
    do {
      missing.clear();
      for (const a of this.alerts) if (!a.id || !(await reached(a))) missing.set(a.path, [...(missing.get(a.path) ?? []), a.event.alertId]);
      if (missing.size === 0 || Date.now() > deadline) break;
      await sleep(2_000);
    } while (missing.size > 0);
    const expect: Record<PathName, string> = {
      escalation: `chat at once and the pager level after ${PAGER_AFTER}, escalation level 1`,
      silenced: 'held `silenced` until the silence was expired, then notified',
      inhibited: 'held `inhibited` until its source resolved, then notified',
      grouped: 'notified by its group (its document names the notification)',
      parked: 'parked `failed` until the channel was fixed, then delivered by a retry or re-drive',
      personal: `paged its person: the contact at once and the one ${LATER_AFTER} later, each under its own key`,
    };
    return PATHS.map((path) => {
      const miss = missing.get(path) ?? [];
      const held = path in this.heldBefore ? `; ${this.heldBefore[path as 'silenced']} of ${this.of(path).length} were held before the release` : '';
      const heldAll = !(path in this.heldBefore) || this.heldBefore[path as 'silenced'] === this.of(path).length;
      return { name: `path ${path}: every alert ${expect[path]}`, ok: miss.length === 0 && heldAll, detail: `${this.of(path).length - miss.length} of ${this.of(path).length}${held}${miss.length ? `; not: ${miss.slice(0, 5).join(', ')}` : ''}` };
    });
  }

  /** The stream IDs of the path alerts, the source and its resolve (the run's plain-alert checks leave them out). */
  ids(): Set<string> {
    return new Set([this.sourceId, this.resolveId, ...this.alerts.map((a) => a.id)].filter((x): x is string => x !== undefined));
  }

  private of(path: PathName): PathAlert[] {
    return this.alerts.filter((a) => a.path === path);
  }
}

async function docOf(osc: OpenSearch, index: string, id: string): Promise<Record<string, unknown> | undefined> {
  try {
    return (await osc.get({ index, id })).body._source as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

async function waitFor(what: string, fn: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`paths: timed out waiting for ${what}`);
    await sleep(1_000);
  }
}
