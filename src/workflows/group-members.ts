// A group's members (storm control): the alerts firing, those joined since the last notification, the failing
// notification being retried, and the recent members already carried (so a join repeated after a crash counts once).
// Workflow code: deterministic, no I/O.
import { SEVERITIES } from '../contracts/alert';
import { GROUP_LIST_LIMIT, GROUP_MEMBER_LIMIT, type GroupCarry, type GroupMember, type GroupNotice, type GroupNotification, type GroupRef, type StreamTime } from '../contracts/group';

/** Members already carried by a notification, remembered so that a retried join is not listed twice. */
const RECENT_LIMIT = 20_000;
/** Of those, the latest carried into the next run (continue-as-new): a join repeated right after it is recognised. */
const RECENT_CARRIED = 1_000;
/** While intake is behind the stream, a group holds its next notification at most this many group_intervals… */
export const MAX_HOLD_INTERVALS = 10;
/** …and only while its members keep being started: the latest one within this many group_intervals. */
export const JOINS_GONE_QUIET_INTERVALS = 3;

export class GroupMembers {
  /** Firing alerts by alertId (at most GROUP_MEMBER_LIMIT listed; more are counted in `overflow`). */
  readonly firing: Map<string, GroupMember>;
  /** Joined since the last notification: they go out with the next one. */
  pending: GroupMember[];
  overflow: number;
  /** A notification whose required channels failed: retried (same key, same content) at each check. */
  failing?: GroupNotification;
  /** Where intake was when it started the member latest in the stream, and at the one the last notification covered. */
  readonly streamTime: StreamTime;
  /** Delivery IDs of recent members taken by a notification (a repeated join is recognised), oldest first. */
  private readonly carriedBy: Set<string>;
  /**
   * When a batch's members are remembered: when taken (1.2.0, patch JOIN_ONCE_WHILE_SENDING), so that a join
   * repeated while its notification is being sent (a member's task ran again after a crash) is recognised too;
   * before, only once the notification was delivered.
   */
  rememberWhenTaken = false;

  constructor(carried?: GroupCarry) {
    this.carriedBy = new Set(carried?.recent ?? []);
    this.firing = new Map((carried?.firing ?? []).map((m) => [m.alertId, m]));
    this.pending = carried?.pending ?? [];
    this.overflow = carried?.overflow ?? 0;
    this.failing = carried?.failing;
    this.streamTime = carried?.streamTime ?? {};
  }

  /** Firing alerts, listed or counted. */
  get firingCount(): number {
    return this.firing.size + this.overflow;
  }

  /** The join signal: a firing member counts in (replacing an older firing of its alert); a resolved one leaves. */
  join(member: GroupMember, now: number): void {
    if (this.known(member.deliveryId)) return;
    const { enqueuedAt: at, startedAt } = member;
    if (at !== undefined && startedAt !== undefined) {
      // The member latest in the stream; of those added at the same moment (a burst), the one started last.
      const { latest } = this.streamTime;
      if (!latest || at > latest.at || (at === latest.at && startedAt > latest.startedAt)) this.streamTime.latest = { at, startedAt };
      this.streamTime.lastStartedAt = Math.max(this.streamTime.lastStartedAt ?? startedAt, startedAt);
    }
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
    return this.carriedBy.has(deliveryId) || this.failing?.members.some((m) => m.deliveryId === deliveryId) === true || this.pending.some((m) => m.deliveryId === deliveryId);
  }

  /** Firing members not refreshed within INCIDENT_TIMEOUT leave the group (their incident went stale too). */
  dropStale(now: number, timeoutMs: number): void {
    for (const [alertId, m] of this.firing) if (now - (m.joinedAt ?? Date.parse(m.firedAt)) > timeoutMs) this.firing.delete(alertId);
  }

  /**
   * Intake behind the stream (a storm, a backlog): the members joining now were added to the stream long before,
   * when Alertmanager would have had them. Notifying every group_interval of our time would spread them over more
   * notifications than it sent; so, while intake is more than a group_interval behind, the next notification waits
   * until a member added a group_interval after the ones the last notification covered has started. It waits no
   * longer once no member has started for JOINS_GONE_QUIET_INTERVALS, nor past MAX_HOLD_INTERVALS.
   */
  holdForIntake(now: number, intervalMs: number, lastNotifiedAt: number | null): boolean {
    const { latest, covered, lastStartedAt } = this.streamTime;
    if (!latest || !covered || lastStartedAt === undefined || lastNotifiedAt === null || this.pending.length === 0) return false;
    const behind = latest.startedAt - latest.at > intervalMs;
    const quiet = now - lastStartedAt >= JOINS_GONE_QUIET_INTERVALS * intervalMs;
    const tooLong = now - lastNotifiedAt >= MAX_HOLD_INTERVALS * intervalMs;
    return behind && !quiet && !tooLong && latest.at < covered.at + intervalMs;
  }

  /** The members a check sends: those joined since the last notification, or none (when `repeatDue`: all the same). */
  takeBatch(repeatDue: boolean): GroupMember[] | undefined {
    if (this.pending.length === 0 && !repeatDue) return undefined;
    const batch = this.pending;
    this.pending = [];
    if (this.streamTime.latest) this.streamTime.covered = this.streamTime.latest;
    if (this.rememberWhenTaken) this.remember(batch);
    return batch;
  }

  /** A notification went out: its members are remembered (a repeated join of one is recognised). */
  carried(n: GroupNotification): void {
    if (!this.rememberWhenTaken) this.remember(n.members);
  }

  private remember(members: GroupMember[]): void {
    for (const m of members) this.carriedBy.add(m.deliveryId);
    while (this.carriedBy.size > RECENT_LIMIT) this.carriedBy.delete(this.carriedBy.values().next().value!);
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
    return {
      firing: [...this.firing.values()], pending: this.pending, overflow: this.overflow, streamTime: this.streamTime, ...rest,
      recent: [...this.carriedBy].slice(-RECENT_CARRIED),
      ...(this.failing ? { failing: this.failing } : {}),
    };
  }
}
