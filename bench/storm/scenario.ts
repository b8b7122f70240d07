// The storm: a deterministic schedule of alert events (seeded PRNG), the same for our pipeline and for
// Alertmanager. R rules over 5 clusters; rule 0 is `ClusterDown` (critical), fired a few times in the first
// second for the "down" clusters: the inhibition source. Rule 1 is `ServiceDown` (critical, team `sre`): the
// escalating alerts (our route gives them an escalation policy, chat at once and the pager later), all fired in the
// storm's first third, up to just after the worker's kill -9 at 1/3, so that the kill cuts some of their first
// workflow tasks; they never repeat nor resolve, so every one of them must reach its pager level. The other rules
// have a team (one of them, `batch`, is silenced) and a severity (`medium` ones in a down cluster are the
// inhibition targets). Each event is one of:
//   firing     a new alert (its own alertId; in Alertmanager its own label set, `instance` unique)
//   duplicate  an alert still firing fires again (same alertId / same labels): one incident, no new page
//   resolved   an alert that fired at least `minResolveAgeMs` earlier resolves (never fires again after)
import type { AlertEvent, Severity } from '../../src/contracts/alert';
import { prng } from '../prng';

export interface StormSettings {
  /** events in all (firing + duplicate + resolved) */
  alerts: number;
  rules: number;
  seconds: number;
  seed: number;
}

export interface StormRule {
  index: number;
  name: string;
  team: string;
  severity: Severity;
}

export interface StormAlert {
  alertId: string;
  rule: StormRule;
  cluster: string;
  instance: string;
  /** offset of its first firing from the storm's start (ms) */
  firedAtMs: number;
}

export interface StormEvent {
  /** offset from the storm's start (ms) */
  atMs: number;
  kind: 'firing' | 'duplicate' | 'resolved';
  alert: StormAlert;
}

export interface Storm {
  settings: StormSettings;
  rules: StormRule[];
  events: StormEvent[];
  /** What the scenario implies, to compare the measured figures with. */
  expected: StormExpected;
}

export interface StormExpected {
  events: number;
  distinctAlerts: number;
  duplicates: number;
  resolved: number;
  sources: number;
  /** distinct alerts of the escalating rule (team="sre"): notified on their own, then escalated to the pager */
  escalatingAlerts: number;
  /** distinct alerts the silence matches (team="batch") */
  silencedAlerts: number;
  /** distinct alerts an inhibit rule holds back (severity medium in a down cluster, not silenced) */
  inhibitedAlerts: number;
  /** distinct alerts that should be notified (neither silenced nor inhibited) */
  notifiedAlerts: number;
  /** groups (alertname, cluster) with at least one notified alert (the escalating ones are not grouped) */
  groups: number;
}

export const CLUSTERS = ['c1', 'c2', 'c3', 'c4', 'c5'];
/** ClusterDown fires in these clusters only, so medium alerts of the others are notified. */
export const DOWN_CLUSTERS = ['c1', 'c2'];
export const SOURCES_PER_CLUSTER = 3;
export const SILENCED_TEAM = 'batch';
export const SILENCE_MATCHER = `team="${SILENCED_TEAM}"`;
export const ESCALATING_TEAM = 'sre';
export const ESCALATING_RULE = 'ServiceDown';
/** Share of the events that are escalating alerts (at least MIN_ESCALATING), all in escalatingWindowMs. */
const ESCALATING_SHARE = 0.03;
const MIN_ESCALATING = 20;
export const SOURCE_RULE = 'ClusterDown';
export const TARGET_SEVERITY: Severity = 'medium';
const TEAMS = ['db', 'web', 'infra', 'net', SILENCED_TEAM];
const RULE_NAMES = [
  'DiskSlow', 'HighLatency', 'ErrorRateHigh', 'DiskFull', 'MemoryPressure', 'CPUThrottled', 'PodCrashLooping', 'ReplicationLag',
  'QueueBacklog', 'CertExpiring', 'ConnectionsHigh', 'CacheMissRate', 'GCPauses', 'NodeNotReady', 'JobFailed', 'BackupLate',
  'SlowQueries', 'TLSErrors', 'PacketLoss', 'DNSFailures', 'LockContention', 'ThreadPoolFull', 'ConfigDrift', 'SwapUsage',
];
const DUPLICATE_SHARE = 0.05;
const RESOLVE_SHARE = 0.05;

/**
 * When the escalating alerts fire: from 2 s (after the sources) to 1 s after the worker's kill -9 at 1/3 of the storm.
 * Our pipeline takes the storm in more slowly than it is offered, so the first tasks running at the kill are of
 * alerts published some seconds before it: the window covers the whole stretch before the kill.
 */
export function escalatingWindowMs(seconds: number): [number, number] {
  return [2_000, Math.max(3_000, Math.round((seconds * 1000) / 3) + 1_000)];
}

export function escalatingCount(alerts: number): number {
  return Math.max(MIN_ESCALATING, Math.round(alerts * ESCALATING_SHARE));
}

/** A resolved event comes at least this long after its alert fired (the Alertmanager half samples at half of it). */
export function minResolveAgeMs(seconds: number): number {
  return Math.max(2_000, Math.round((seconds * 1000) / 6));
}

export function buildStorm(settings: StormSettings): Storm {
  const { alerts, rules: ruleCount, seconds, seed } = settings;
  const sources = DOWN_CLUSTERS.length * SOURCES_PER_CLUSTER;
  const escalating = escalatingCount(alerts);
  if (ruleCount < 3) throw new Error('--rules: at least 3 (ClusterDown, ServiceDown and one more)');
  if (alerts < sources + escalating + 10) throw new Error(`--alerts: at least ${sources + MIN_ESCALATING + 10}`);
  if (seconds < 4) throw new Error('--seconds: at least 4');
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const rules: StormRule[] = [
    { index: 0, name: SOURCE_RULE, team: 'infra', severity: 'critical' },
    { index: 1, name: ESCALATING_RULE, team: ESCALATING_TEAM, severity: 'critical' },
  ];
  for (let i = 2; i < ruleCount; i++) {
    const r = rnd();
    // rule 2 is always a medium alert of team db: there is always an inhibition target
    const severity: Severity = i === 2 || r < 0.4 ? 'medium' : r < 0.65 ? 'high' : r < 0.85 ? 'low' : 'critical';
    const name = i - 2 < RULE_NAMES.length ? RULE_NAMES[i - 2] : `Rule${i}`;
    rules.push({ index: i, name, team: TEAMS[(i - 2) % TEAMS.length], severity });
  }
  const events: StormEvent[] = [];
  let serial = 0;
  const newAlert = (rule: StormRule, cluster: string, atMs: number): StormAlert => {
    const n = serial++;
    return { alertId: `storm-${n}`, rule, cluster, instance: `i-${n}`, firedAtMs: atMs };
  };
  // The sources: in the first second, before any target.
  for (let i = 0; i < sources; i++) {
    const atMs = Math.floor((i / sources) * 1000);
    events.push({ atMs, kind: 'firing', alert: newAlert(rules[0], DOWN_CLUSTERS[i % DOWN_CLUSTERS.length], atMs) });
  }
  // The escalating alerts, spread evenly (with jitter) over their window; never in `firing`: no duplicate, no resolve.
  const [escFrom, escTo] = escalatingWindowMs(seconds);
  for (let k = 0; k < escalating; k++) {
    const atMs = Math.floor(escFrom + ((k + rnd()) / escalating) * (escTo - escFrom));
    events.push({ atMs, kind: 'firing', alert: newAlert(rules[1], pick(CLUSTERS), atMs) });
  }
  // The rest, spread evenly (with jitter) over [2 s, seconds).
  const rest = alerts - sources - escalating;
  const startMs = 2_000;
  const spanMs = seconds * 1000 - startMs;
  const minAge = minResolveAgeMs(seconds);
  /** firing, not resolved, in the order they fired (so the ones old enough to resolve are a prefix) */
  const firing: StormAlert[] = [];
  for (let k = 0; k < rest; k++) {
    const atMs = Math.floor(startMs + ((k + rnd()) / rest) * spanMs);
    const r = rnd();
    if (r < DUPLICATE_SHARE && firing.length > 0) {
      events.push({ atMs, kind: 'duplicate', alert: pick(firing) });
      continue;
    }
    let old = 0;
    while (old < firing.length && firing[old].firedAtMs <= atMs - minAge) old++;
    if (r < DUPLICATE_SHARE + RESOLVE_SHARE && old > 0) {
      const i = Math.floor(rnd() * old);
      events.push({ atMs, kind: 'resolved', alert: firing[i] });
      firing.splice(i, 1);
      continue;
    }
    const alert = newAlert(rules[2 + Math.floor(rnd() * (ruleCount - 2))], pick(CLUSTERS), atMs);
    firing.push(alert);
    events.push({ atMs, kind: 'firing', alert });
  }
  events.sort((a, b) => a.atMs - b.atMs); // (stable: equal times keep the order above)
  return { settings, rules, events, expected: expectations(events, sources) };
}

export function isSilenced(a: StormAlert): boolean {
  return a.rule.team === SILENCED_TEAM;
}

export function isEscalating(a: StormAlert): boolean {
  return a.rule.team === ESCALATING_TEAM;
}

export function isInhibited(a: StormAlert): boolean {
  return !isSilenced(a) && a.rule.severity === TARGET_SEVERITY && DOWN_CLUSTERS.includes(a.cluster);
}

function expectations(events: StormEvent[], sources: number): StormExpected {
  const alerts = events.filter((e) => e.kind === 'firing').map((e) => e.alert);
  const notified = alerts.filter((a) => !isSilenced(a) && !isInhibited(a));
  return {
    events: events.length,
    distinctAlerts: alerts.length,
    duplicates: events.filter((e) => e.kind === 'duplicate').length,
    resolved: events.filter((e) => e.kind === 'resolved').length,
    sources,
    escalatingAlerts: alerts.filter(isEscalating).length,
    silencedAlerts: alerts.filter(isSilenced).length,
    inhibitedAlerts: alerts.filter(isInhibited).length,
    notifiedAlerts: notified.length,
    groups: new Set(notified.filter((a) => !isEscalating(a)).map((a) => `${a.rule.name}/${a.cluster}`)).size,
  };
}

/**
 * After the storm: a resolved event for every inhibition source (the `ClusterDown` alerts of the down clusters,
 * which never resolve inside the schedule), at `atMs` from the storm's start.
 */
export function sourceResolves(storm: Storm, atMs: number): StormEvent[] {
  return storm.events.filter((e) => e.kind === 'firing' && e.alert.rule.index === 0).map((e) => ({ atMs, kind: 'resolved' as const, alert: e.alert }));
}

/** The labels both systems see (Alertmanager: all of them; ours: `alertname` and `severity` are the event's fields). */
export function labelsOf(a: StormAlert): Record<string, string> {
  return { alertname: a.rule.name, cluster: a.cluster, team: a.rule.team, severity: a.rule.severity, instance: a.instance };
}

/** The event as our stream carries it; `t0` = the storm's start (epoch ms). */
export function ourEvent(e: StormEvent, t0: number): AlertEvent {
  const a = e.alert;
  return {
    alertId: a.alertId,
    ruleId: `storm-rule-${a.rule.index}`,
    ruleName: a.rule.name,
    severity: a.rule.severity,
    title: `${a.rule.name} on ${a.cluster}/${a.instance}`,
    view: 'storm',
    scope: a.cluster,
    labels: { cluster: a.cluster, team: a.rule.team, instance: a.instance },
    firedAt: new Date(t0 + (e.kind === 'resolved' ? e.atMs : a.firedAtMs)).toISOString(),
    ...(e.kind === 'resolved' ? { status: 'resolved' as const } : {}),
  };
}

/** The event as Alertmanager's API v2 takes it (a resolved alert: the same labels with `endsAt`). */
export function amAlert(e: StormEvent, t0: number): { labels: Record<string, string>; annotations: Record<string, string>; startsAt: string; endsAt?: string } {
  const a = e.alert;
  return {
    labels: labelsOf(a),
    annotations: { summary: `${a.rule.name} on ${a.cluster}/${a.instance}` },
    startsAt: new Date(t0 + a.firedAtMs).toISOString(),
    ...(e.kind === 'resolved' ? { endsAt: new Date(t0 + e.atMs).toISOString() } : {}),
  };
}

/**
 * Plays the schedule: every `tickMs`, the events now due go out in one batch (`send`), so a slow batch is caught
 * up by the next, never dropped. Resolves once all are sent (or `shouldStop`).
 */
export async function play(storm: Storm, t0: number, send: (batch: StormEvent[]) => Promise<void>, shouldStop: () => boolean = () => false, tickMs = 100): Promise<void> {
  let next = 0;
  const { events } = storm;
  while (next < events.length && !shouldStop()) {
    const now = Date.now() - t0;
    let end = next;
    while (end < events.length && events[end].atMs <= now) end++;
    if (end > next) {
      await send(events.slice(next, end));
      next = end;
    }
    const wait = next < events.length ? Math.min(tickMs, Math.max(1, events[next].atMs - (Date.now() - t0))) : 0;
    if (wait) await new Promise((r) => setTimeout(r, wait));
  }
}
