// A group's members (storm control): the alerts firing, those joined since the last notification, the failing
// notification being retried, and the recent members already carried (so a join repeated after a crash counts once).
// Workflow code: deterministic, no I/O.
import { SEVERITIES } from '../contracts/alert';
import { GROUP_LIST_LIMIT, GROUP_MEMBER_LIMIT, type GroupCarry, type GroupMember, type GroupNotice, type GroupNotification, type GroupRef } from '../contracts/group';

/** Members already carried by a notification, remembered so that a retried join is not listed twice. */
const RECENT_LIMIT = 20_000;

export class GroupMembers {
  /** Firing alerts by alertId (at most GROUP_MEMBER_LIMIT listed; more are counted in `overflow`). */
  readonly firing: Map<string, GroupMember>;
  /** Joined since the last notification: they go out with the next one. */
  pending: GroupMember[];
  overflow: number;
  /** A notification whose required channels failed: retried (same key, same content) at each check. */
  failing?: GroupNotification;
  /** Delivery ID → the notification that carried it, for recent members (a repeated join is recognised). */
  private readonly carriedBy = new Map<string, number>();

  constructor(carried?: GroupCarry) {
    this.firing = new Map((carried?.firing ?? []).map((m) => [m.alertId, m]));
    this.pending = carried?.pending ?? [];
    this.overflow = carried?.overflow ?? 0;
    this.failing = carried?.failing;
  }

  /** Firing alerts, listed or counted. */
  get firingCount(): number {
    return this.firing.size + this.overflow;
  }

  /** The join signal: a firing member counts in (replacing an older firing of its alert); a resolved one leaves. */
  join(member: GroupMember, now: number): void {
    if (this.known(member.deliveryId)) return;
    if (member.status === 'firing') {
      if (this.firing.has(member.alertId) || this.firing.size < GROUP_MEMBER_LIMIT) this.firing.set(member.alertId, { ...member, joinedAt: now });
      else this.overflow++;
    } else if (!this.firing.delete(member.alertId)) {
      // Resolved, but this group never listed it (silenced, inhibited, or it left as stale): nothing to tell.
      if (this.overflow === 0) return;
      this.overflow--;
    }
    this.pending.push(member);
  }

  /** Whether this delivery already joined (a join repeated after a worker crash must not be listed twice). */
  private known(deliveryId: string): boolean {
    return this.failing?.members.some((m) => m.deliveryId === deliveryId) === true || this.pending.some((m) => m.deliveryId === deliveryId) || this.carriedBy.has(deliveryId);
  }

  /** Firing members not refreshed within INCIDENT_TIMEOUT leave the group (their incident went stale too). */
  dropStale(now: number, timeoutMs: number): void {
    for (const [alertId, m] of this.firing) if (now - (m.joinedAt ?? Date.parse(m.firedAt)) > timeoutMs) this.firing.delete(alertId);
  }

  /** The members a check sends: those joined since the last notification, or none (when `repeatDue`: all the same). */
  takeBatch(repeatDue: boolean): GroupMember[] | undefined {
    if (this.pending.length === 0 && !repeatDue) return undefined;
    const batch = this.pending;
    this.pending = [];
    return batch;
  }

  /** A notification went out: its members are remembered (a repeated join of one is recognised). */
  carried(n: GroupNotification): void {
    for (const m of n.members) this.carriedBy.set(m.deliveryId, n.sequence);
    while (this.carriedBy.size > RECENT_LIMIT) this.carriedBy.delete(this.carriedBy.keys().next().value!);
  }

  /** What the channels are told: counts, and the first alerts (new ones first, then the others still firing, then the resolved). */
  notice(ref: GroupRef, groupId: string, seq: number, batch: GroupMember[], listUrl?: string): GroupNotice {
    const joined = batch.filter((m) => m.status === 'firing');
    const resolved = batch.filter((m) => m.status === 'resolved');
    const older = [...this.firing.values()].filter((m) => !joined.some((j) => j.deliveryId === m.deliveryId));
    const allResolved = this.firingCount === 0;
    return {
      id: groupId, route: ref.route, labels: ref.labels, status: allResolved ? 'resolved' : 'firing', sequence: seq,
      counts: { firing: this.firingCount, new: joined.length, resolved: resolved.length },
      severity: SEVERITIES.find((s) => (allResolved ? resolved : [...this.firing.values()]).some((m) => m.severity === s)) ?? 'info',
      alerts: [...joined, ...older, ...resolved].slice(0, GROUP_LIST_LIMIT),
      ...(listUrl ? { listUrl } : {}),
    };
  }

  /** What the next run starts from (continue-as-new). */
  carry(rest: Pick<GroupCarry, 'sequence' | 'nextCheckAt' | 'lastNotifiedAt'>): GroupCarry {
    return { firing: [...this.firing.values()], pending: this.pending, overflow: this.overflow, ...rest, ...(this.failing ? { failing: this.failing } : {}) };
  }
}
