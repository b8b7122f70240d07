// Inhibition (Alertmanager's inhibit_rules): while a source alert fires, target alerts with the same values of
// the rule's `equal` labels are not notified. Sources are recorded when they page, one small document per
// (rule, equal values, alertId) in `<ALERT_INDEX>.inhibitors`, written with refresh=wait_for so the very next
// target's lookup (a search) sees it; a source's resolved event marks it resolved. A source no event refreshed
// for INCIDENT_TIMEOUT no longer inhibits (as a stale incident no longer swallows firings).
// Decided when a target alert arrives (its persist step), not again at each group notification as
// Alertmanager does: a warning that fired before its critical is notified. An alert never inhibits itself.
// A held-back delivery stays open until its source resolves (the resolve wakes it: storm/wake.ts) or goes stale.
import { createHash } from 'node:crypto';
import type { Client } from '@opensearch-project/opensearch';
import type { AlertEvent } from '../contracts/alert';
import type { Suppression } from '../contracts/delivery';
import { alertSubject, matchesAll, type Matcher } from './matchers';

export interface InhibitRule {
  source: Matcher[];
  target: Matcher[];
  equal: string[];
}

export const INHIBITOR_MAPPING = {
  dynamic: 'strict',
  properties: {
    rule: { type: 'integer' },
    equalKey: { type: 'keyword' },
    alertId: { type: 'keyword' },
    deliveryId: { type: 'keyword' },
    workflowId: { type: 'keyword' },
    state: { type: 'keyword' },
    firedAt: { type: 'date' },
    updatedAt: { type: 'date' },
  },
} as const;

interface SourceDoc {
  rule: number;
  equalKey: string;
  alertId: string;
  deliveryId: string;
  workflowId: string;
  state: 'firing' | 'resolved';
  firedAt: string;
  updatedAt: string;
}

/** The paging delivery of a source alert. */
export interface SourceDelivery {
  deliveryId: string;
  workflowId: string;
}

const statusOf = (e: unknown): number | undefined => (e as { meta?: { statusCode?: number } }).meta?.statusCode;

export class InhibitionStore {
  constructor(
    private readonly client: Client,
    readonly index: string,
    private readonly rules: readonly InhibitRule[],
    private readonly staleAfterMs: number,
  ) {}

  /** `<ALERT_INDEX>.inhibitors` (outside a rollover template's `<alias>-*` pattern). */
  static indexFor(alertIndex: string): string {
    return `${alertIndex}.inhibitors`;
  }

  get enabled(): boolean {
    return this.rules.length > 0;
  }

  /** Creates the index if absent (strict mapping). Only with rules configured. */
  async ensureIndex(settings: { shards: number; replicas: number }): Promise<void> {
    if (!this.enabled) return;
    try {
      await this.client.indices.create({
        index: this.index,
        body: { settings: { number_of_shards: settings.shards, number_of_replicas: settings.replicas }, mappings: INHIBITOR_MAPPING },
      });
    } catch (e) {
      if ((e as { body?: { error?: { type?: string } } }).body?.error?.type !== 'resource_already_exists_exception') throw e;
    }
  }

  /** A paging alert: recorded as a firing source of every rule whose source matchers it matches. */
  async sourceFiring(event: AlertEvent, delivery: SourceDelivery): Promise<void> {
    const now = new Date().toISOString();
    await Promise.all(this.sourceRulesOf(event).map(({ rule, equalKey }) => {
      const doc: SourceDoc = { rule, equalKey, alertId: event.alertId, ...delivery, state: 'firing', firedAt: event.firedAt, updatedAt: now };
      return this.client.index({ index: this.index, id: `${rule}:${equalKey}:${event.alertId}`, body: doc, refresh: 'wait_for' });
    }));
  }

  /**
   * A resolved event: its alert no longer inhibits (a source never recorded is no error). Resolves with how many
   * source records it had (0: it was no source; >0: the deliveries it held back are to be woken).
   */
  async sourceResolved(event: AlertEvent): Promise<number> {
    const now = new Date().toISOString();
    const found = await Promise.all(this.sourceRulesOf(event).map(async ({ rule, equalKey }) => {
      try {
        await this.client.update({ index: this.index, id: `${rule}:${equalKey}:${event.alertId}`, body: { doc: { state: 'resolved', updatedAt: now } }, refresh: 'wait_for' });
        return 1;
      } catch (e) {
        if (statusOf(e) !== 404) throw e;
        return 0;
      }
    }));
    return found.reduce((a: number, b) => a + b, 0);
  }

  /** The firing source that inhibits this alert, if any (the first rule that has one). */
  async inhibitor(event: AlertEvent): Promise<Suppression | undefined> {
    const subject = alertSubject(event);
    for (const [rule, r] of this.rules.entries()) {
      if (!matchesAll(r.target, subject)) continue;
      const res = await this.client.search({
        index: this.index,
        body: {
          size: 1,
          query: {
            bool: {
              filter: [
                { term: { rule } }, { term: { equalKey: equalKeyOf(r, subject) } }, { term: { state: 'firing' } },
                { range: { updatedAt: { gte: new Date(Date.now() - this.staleAfterMs).toISOString() } } },
              ],
              must_not: [{ term: { alertId: event.alertId } }],
            },
          },
        },
      });
      const hit = (res.body as { hits: { hits: { _source: SourceDoc }[] } }).hits.hits[0]?._source;
      if (hit) {
        const until = new Date(Date.parse(hit.updatedAt) + this.staleAfterMs).toISOString();
        return { kind: 'inhibit', rule, by: { alertId: hit.alertId, deliveryId: hit.deliveryId, workflowId: hit.workflowId }, until };
      }
    }
    return undefined;
  }

  private sourceRulesOf(event: AlertEvent): { rule: number; equalKey: string }[] {
    const subject = alertSubject(event);
    return [...this.rules.entries()].filter(([, r]) => matchesAll(r.source, subject)).map(([rule, r]) => ({ rule, equalKey: equalKeyOf(r, subject) }));
  }
}

/** The values of the rule's `equal` labels (a missing label counts as ""), hashed to a fixed-length key. */
function equalKeyOf(rule: InhibitRule, subject: Record<string, string>): string {
  return createHash('sha256').update(JSON.stringify(rule.equal.map((l) => subject[l] ?? ''))).digest('hex').slice(0, 32);
}
