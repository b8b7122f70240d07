// The counting receiver of a storm run: the tools' local HTTP server (tools/receiver.ts) answering 200 to every POST,
// counting notifications. It reads both bodies, defensively (a field it does not find counts as absent, never as an error):
//   ours          a group notification `{ type: "alert.group", data: { deliveryId, group: { id, status, counts:
//                 { firing, new, resolved }, alerts: [...] } } }` (src/channels/webhook.ts), key = Idempotency-Key;
//                 an alert notified on its own `{ type: "alert.fired" | "alert.resolved", data: { alertId, … } }`
//   Alertmanager  webhook version 4 `{ groupKey, status, alerts: [{ status, labels, fingerprint }] }` (no key:
//                 every POST is a notification)
import { LocalReceiver, type Received, type Reply } from '../../tools/receiver';

export interface Notification {
  at: number;
  /** the notification's key (ours: Idempotency-Key; Alertmanager: none, one per POST) */
  key: string;
  group: string;
  status: string;
  /** alerts firing in the group at that notification */
  firing: number;
  /** alerts new since the group's last notification (ours: counts.new; Alertmanager: firing alerts not in an earlier notification of the group) */
  fresh: number;
  resolved: number;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export class StormReceiver extends LocalReceiver {
  posts = 0;
  /** one per distinct key (the first POST of it) */
  readonly notifications: Notification[] = [];
  /** POSTs per key (a key POSTed again: a retry after a kill, the receiver drops it) */
  readonly keys = new Map<string, number>();
  unreadable = 0;
  firstAt = 0;
  lastAt = 0;
  /** Alertmanager: the firing alerts (fingerprints) each group already notified; ours: every alertId listed firing */
  private readonly seenFiring = new Map<string, Set<string>>();
  /** distinct alerts seen firing in any notification (Alertmanager: all of them; ours: the listed ones, ≤ 10 a notification) */
  readonly alertsSeenFiring = new Set<string>();
  /** Alertmanager: distinct alerts in any notification, firing or resolved (one that fired and resolved between two notifications of its group is only ever sent resolved) */
  readonly alertsSeen = new Set<string>();
  /**
   * Called with each POST's key on arrival, before it is answered; a number returned delays the answer by that many ms
   * (the storm holds escalating alerts' chat POSTs unanswered, then kills the worker that sent them).
   */
  onArrival?: (key: string) => number | undefined;

  constructor(readonly kind: 'ours' | 'alertmanager') {
    super();
  }

  get url(): string {
    return `${this.origin}/${this.kind}`;
  }

  /** Keys POSTed more than once. */
  get repeatedKeys(): number {
    return [...this.keys.values()].filter((n) => n > 1).length;
  }

  protected receive({ headers, body: raw, at }: Received): Reply {
    this.posts++;
    this.firstAt ||= at;
    this.lastAt = at;
    let body: Json | undefined;
    try {
      body = obj(JSON.parse(raw.toString('utf8')));
    } catch {
      body = undefined;
    }
    const key = String(headers['idempotency-key'] ?? `post-${this.posts}`);
    const delayMs = this.onArrival?.(key);
    const n = this.keys.get(key) ?? 0;
    this.keys.set(key, n + 1);
    if (n === 0) {
      const parsed = body ? (this.kind === 'ours' ? this.ours(body, key, at) : this.alertmanager(body, key, at)) : undefined;
      if (parsed) this.notifications.push(parsed);
      else this.unreadable++;
    }
    return { status: 200, headers: { 'content-type': 'application/json' }, body: '{}', ...(delayMs ? { delayMs } : {}) };
  }

  private ours(body: Json, key: string, at: number): Notification | undefined {
    const data = obj(body.data) ?? body;
    const group = obj(data.group) ?? obj(body.group);
    if (group) {
      const counts = obj(group.counts) ?? {};
      const listed = Array.isArray(group.alerts) ? group.alerts.map(obj) : [];
      for (const a of listed) if (a && str(a.status) !== 'resolved' && str(a.alertId)) this.alertsSeenFiring.add(str(a.alertId)!);
      const listedFiring = listed.filter((a) => a && str(a.status) !== 'resolved').length;
      return {
        at, key, group: str(group.id) ?? key.replace(/:\d+$/, ''), status: str(group.status) ?? '?',
        firing: num(counts.firing) ?? listedFiring, fresh: num(counts.new) ?? listedFiring, resolved: num(counts.resolved) ?? listed.length - listedFiring,
      };
    }
    // An alert notified on its own (a route without group_by), or a group rendered as one alert: "[FIRING:n] …".
    const alertId = str(data.alertId);
    if (!alertId) return undefined;
    const resolved = str(body.type) === 'alert.resolved' || str(data.status) === 'resolved';
    const firingInTitle = /^\[FIRING:(\d+)\]/.exec(str(data.title) ?? '');
    if (!resolved) this.alertsSeenFiring.add(alertId);
    const firing = resolved ? 0 : firingInTitle ? Number(firingInTitle[1]) : 1;
    return { at, key, group: alertId, status: resolved ? 'resolved' : 'firing', firing, fresh: firing, resolved: resolved ? 1 : 0 };
  }

  private alertmanager(body: Json, key: string, at: number): Notification | undefined {
    const alerts = Array.isArray(body.alerts) ? body.alerts.map(obj).filter((a): a is Json => a !== undefined) : undefined;
    if (!alerts) return undefined;
    const group = str(body.groupKey) ?? '?';
    const seen = this.seenFiring.get(group) ?? new Set<string>();
    this.seenFiring.set(group, seen);
    let firing = 0;
    let fresh = 0;
    let resolved = 0;
    for (const a of alerts) {
      const id = str(obj(a.labels)?.instance) ?? str(a.fingerprint) ?? '?';
      this.alertsSeen.add(id);
      if (str(a.status) === 'resolved') {
        resolved++;
        continue;
      }
      firing++;
      this.alertsSeenFiring.add(id);
      if (!seen.has(id)) {
        seen.add(id);
        fresh++;
      }
    }
    return { at, key, group, status: str(body.status) ?? '?', firing, fresh, resolved };
  }
}

/** What a run's receiver saw, for the report. */
export function receiverFigures(r: StormReceiver) {
  const n = r.notifications;
  const sum = (f: (x: Notification) => number) => n.reduce((s, x) => s + f(x), 0);
  return {
    notifications: n.length,
    rawPosts: r.posts,
    keysPostedMoreThanOnce: r.repeatedKeys,
    unreadable: r.unreadable,
    groupsNotified: new Set(n.map((x) => x.group)).size,
    /** notifications whose group had resolved entirely (the group's last word) */
    allResolvedNotifications: n.filter((x) => x.status === 'resolved').length,
    /** alerts listed in a notification for the first time in their group (ours: counts.new), summed */
    newAlertsNotified: sum((x) => x.fresh),
    resolvedAlertsNotified: sum((x) => x.resolved),
    /** firing alerts carried, summed over notifications (Alertmanager repeats a group's firing alerts in each) */
    firingAlertsCarried: sum((x) => x.firing),
    maxAlertsInOneNotification: n.reduce((m, x) => Math.max(m, x.firing + x.resolved), 0),
    distinctAlertsSeenFiring: r.alertsSeenFiring.size,
    distinctAlertsSeen: r.alertsSeen.size,
    firstAt: r.firstAt || null,
    lastAt: r.lastAt || null,
  };
}
export type ReceiverFigures = ReturnType<typeof receiverFigures>;
