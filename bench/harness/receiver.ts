// The receiver: the tools' local HTTP server (tools/receiver.ts) answering as scripted and counting what arrived per key.
import { LocalReceiver, type Received, type Reply } from '../../tools/receiver';
import { PUBLISHED_LABEL, SEQ_LABEL } from './alerts';
import { round } from './results';

export type { Reply };

/** Decides the answer to a POST; `n` = POSTs already seen with this idempotency key. */
export type Behaviour = (key: string, n: number) => Reply;

export interface KeyStat {
  posts: number;
  ok: number;
  firstOkAt: number;
  /** a group notification: the earliest publish time (`firedAt`) of the new alerts it lists; 0 if unknown */
  publishedAt: number;
  seq: number;
  /** the alerts this POST delivers: 1, or a group notification's `group.counts.new` */
  alerts: number;
  /** a group notification (storm control): the body has a `group` object */
  group: boolean;
  /** alerts delivered (`okAlerts`) before this key's first 2xx: a notification carrying warm-up alerts comes before the warm-up count */
  deliveredBefore: number;
}

/** What the receiver reads of a group notification (storm control); every field optional: the format may move. */
interface GroupBody {
  id?: unknown;
  sequence?: unknown;
  counts?: { new?: unknown; firing?: unknown };
  alerts?: { status?: unknown; firedAt?: unknown }[];
}

/**
 * The alerts a group notification delivers and the earliest publish time among the new alerts it lists (new ones are
 * listed first, at most 10). `counts.new` is what it carries; without it, the listed alerts that fire (at least 1).
 */
export function groupAlerts(g: GroupBody): { alerts: number; earliest: number } {
  const listed = Array.isArray(g.alerts) ? g.alerts : [];
  const n = Number(g.counts?.new);
  const alerts = Number.isInteger(n) && n >= 0 ? n : Math.max(1, listed.filter((a) => a?.status !== 'resolved').length);
  const times = listed.slice(0, Number.isInteger(n) && n >= 0 ? n : listed.length).map((a) => Date.parse(String(a?.firedAt))).filter(Number.isFinite);
  return { alerts, earliest: times.length ? Math.min(...times) : 0 };
}

/**
 * The webhook receiver of the runs: an HTTP server on 127.0.0.1 that answers as the behaviour says and
 * records, per idempotency key, the raw POSTs, the 2xx answers and the first 2xx's arrival time.
 */
export class Receiver extends LocalReceiver {
  readonly keys = new Map<string, KeyStat>();
  posts = 0;
  okPosts = 0;
  /** keys answered 2xx at least once */
  okKeys = 0;
  /** alerts delivered: per key answered 2xx, 1, or a group notification's `group.counts.new` (= okKeys without groups) */
  okAlerts = 0;
  /** group notifications answered 2xx (keys) */
  okGroups = 0;
  firstOkAt = 0;
  lastOkAt = 0;
  readonly statuses: Record<string, number> = {};
  /** POSTs whose headers or body disagree on the key (webhook-id, Idempotency-Key, data.deliveryId; a group: `<group.id>:<group.sequence>`) */
  malformed = 0;
  /** arrival time of every 2xx (first or repeat), ascending */
  readonly okTimes: number[] = [];
  /** per request being answered: the key it counts under (a reply may come after a reset) */
  private readonly statOf = new WeakMap<Received, KeyStat>();

  constructor(public behaviour: Behaviour = () => ({ status: 200 })) {
    super();
  }

  get url(): string {
    return `${this.origin}/alerts`;
  }

  reset(): void {
    this.keys.clear();
    this.posts = this.okPosts = this.okKeys = this.okAlerts = this.okGroups = this.firstOkAt = this.lastOkAt = this.malformed = 0;
    this.okTimes.length = 0;
    for (const k of Object.keys(this.statuses)) delete this.statuses[k];
  }

  /** The first 2xx at or after `t` (any key), or undefined. */
  firstOkSince(t: number): number | undefined {
    let lo = 0;
    let hi = this.okTimes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.okTimes[mid] < t) lo = mid + 1;
      else hi = mid;
    }
    return this.okTimes[lo];
  }

  /** The first 2xx of an alert published at or after `t`, or undefined. */
  firstNewAlertOkSince(t: number): number | undefined {
    let best: number | undefined;
    for (const k of this.keys.values()) if (k.publishedAt >= t && k.firstOkAt && (best === undefined || k.firstOkAt < best)) best = k.firstOkAt;
    return best;
  }

  /** The longest publish → first 2xx (ms) of the alerts published in [from, to), or undefined if none got one. */
  slowestPublishedIn(from: number, to: number): number | undefined {
    let worst: number | undefined;
    for (const k of this.keys.values()) if (k.publishedAt >= from && k.publishedAt < to && k.firstOkAt) worst = Math.max(worst ?? 0, k.firstOkAt - k.publishedAt);
    return worst;
  }

  /** Keys answered 2xx more than once (a repeat the receiver must drop by its idempotency key). */
  repeatedOk(): number {
    let n = 0;
    for (const k of this.keys.values()) if (k.ok > 1) n++;
    return n;
  }

  /** Keys POSTed more than once (retries after errors, timeouts, kills), and the most POSTs one key got. */
  repeats(): { keysPostedMoreThanOnce: number; maxPostsPerKey: number; meanPostsPerKey: number } {
    let more = 0;
    let max = 0;
    for (const k of this.keys.values()) {
      if (k.posts > 1) more++;
      max = Math.max(max, k.posts);
    }
    return { keysPostedMoreThanOnce: more, maxPostsPerKey: max, meanPostsPerKey: this.keys.size ? round(this.posts / this.keys.size, 3) : 0 };
  }

  protected receive(r: Received): Reply {
    const key = String(r.headers['idempotency-key'] ?? '');
    let publishedAt = 0;
    let seq = -1;
    let alerts = 1;
    let group: GroupBody | undefined;
    try {
      const body = JSON.parse(r.body.toString('utf8')) as { data?: { deliveryId?: string; labels?: Record<string, string>; group?: GroupBody }; group?: GroupBody };
      // a group notification: `data.group` (the webhook's alert.group body) or a top-level `group`
      const g = body.data?.group ?? body.group;
      group = g !== null && typeof g === 'object' ? g : undefined;
      if (group) {
        ({ alerts, earliest: publishedAt } = groupAlerts(group));
        const part = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : undefined);
        const [id, sequence] = [part(group.id), part(group.sequence)];
        const own = id !== undefined && sequence !== undefined ? `${id}:${sequence}` : key;
        if (own !== key || r.headers['webhook-id'] !== key || !key) this.malformed++;
      } else {
        publishedAt = Number(body.data?.labels?.[PUBLISHED_LABEL] ?? 0);
        seq = Number(body.data?.labels?.[SEQ_LABEL] ?? -1);
        if (body.data?.deliveryId !== key || r.headers['webhook-id'] !== key || !key) this.malformed++;
      }
    } catch {
      this.malformed++;
    }
    let stat = this.keys.get(key);
    if (!stat) {
      stat = { posts: 0, ok: 0, firstOkAt: 0, publishedAt, seq, alerts, group: group !== undefined, deliveredBefore: 0 };
      this.keys.set(key, stat);
    }
    const reply = this.behaviour(key, stat.posts);
    stat.posts++;
    this.posts++;
    this.statOf.set(r, stat);
    return reply;
  }

  /** A reply that comes after the sender gave up (timeout) reaches nobody: it does not count as delivered. */
  protected override answered(r: Received, reply: Reply, reached: boolean): void {
    const stat = this.statOf.get(r)!;
    const status = reached ? String(reply.status) : 'gave-up';
    this.statuses[status] = (this.statuses[status] ?? 0) + 1;
    if (!(reached && reply.status >= 200 && reply.status < 300)) return;
    const t = Date.now();
    stat.ok++;
    this.okPosts++;
    this.okTimes.push(t);
    if (stat.ok === 1) {
      stat.firstOkAt = t;
      stat.deliveredBefore = this.okAlerts;
      this.okKeys++;
      this.okAlerts += stat.alerts;
      if (stat.group) this.okGroups++;
      if (!this.firstOkAt) this.firstOkAt = t;
    }
    this.lastOkAt = t;
  }
}
