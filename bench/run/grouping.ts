// The grouped path (`temporal-grouped`, storm control): its channels file, and what grouping costs per alert against
// the combined process without it (`groupingCost`, same run, at max).
import { round, writeHookChannelsFile } from '../harness';
import { allProcessesCpuMs } from './total-cpu';
import type { AtMax, PointResult } from './types';

/**
 * The catch-all route of the grouped path. Bench alerts have 50 distinct `scope`s (host-0 … host-49): 50 groups per
 * point (each point has its own stream, so its own groups). Short waits, so that a point's last notification comes
 * about a second after its last alert joined; no repeat within a point.
 */
export const GROUPING = { name: 'all', group_by: ['scope'], group_wait: '1s', group_interval: '1s', repeat_interval: '1h' } as const;

/** The channels file of the grouped path: the bench's webhook channel, and one grouping route to it. */
export function writeGroupedChannelsFile(url: string, timeout: string, retry: Record<string, string | number>): string {
  const { name, ...grouping } = GROUPING;
  return writeHookChannelsFile(url, timeout, retry, { routes: [{ name, channels: ['hook'], ...grouping }] });
}

/**
 * What grouping adds per alert: temporal-grouped − temporal-combined at max, same run (both the combined process;
 * the grouped one's members join their group (signal-with-start) and end `grouped`, the group sends one
 * notification per group per interval). alerts/s as the ratio grouped/combined; CPU in ms per delivered alert.
 * null when either path did not run at max.
 */
export function groupingCost(atMax: AtMax[], points: PointResult[]) {
  const g = atMax.find((x) => x.path === 'temporal-grouped');
  const c = atMax.find((x) => x.path === 'temporal-combined');
  if (!g || !c) return null;
  const gp = points.filter((x) => x.path === 'temporal-grouped' && x.offered === null && !x.timedOut);
  const notifications = gp.map((x) => x.notifications ?? NaN).filter(Number.isFinite);
  const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b ? round(a / b, 3) : null);
  const [tg, tc] = [allProcessesCpuMs(g.cpuMsPerAlert), allProcessesCpuMs(c.cpuMsPerAlert)];
  return {
    alertsPerSec: { grouped: g.alertsPerSec, combined: c.alertsPerSec, groupedEach: g.alertsPerSecEach, combinedEach: c.alertsPerSecEach },
    alertsPerSecGroupedOverCombined: ratio(g.alertsPerSec, c.alertsPerSec),
    steadyPerSecGroupedOverCombined: ratio(g.steadyPerSec, c.steadyPerSec),
    /** grouped − combined, per process (`server` = temporal + PostgreSQL) */
    cpuMsPerAlertDelta: Object.fromEntries(Object.keys(g.cpuMsPerAlert).filter((k) => k in c.cpuMsPerAlert).map((k) => [k, round(g.cpuMsPerAlert[k] - c.cpuMsPerAlert[k], 2)])),
    /** combined process + server + OpenSearch + Redis, per delivered alert */
    totalCpuMsPerAlert: { grouped: tg, combined: tc, delta: tg !== null && tc !== null ? round(tg - tc, 2) : null },
    /** group notifications per point (the counted alerts, warm-up excluded) and alerts per notification */
    notificationsPerPoint: notifications.length ? round(notifications.reduce((a, b) => a + b, 0) / notifications.length, 1) : null,
    alertsPerNotification: notifications.length ? round(gp.reduce((a, x) => a + x.delivered, 0) / notifications.reduce((a, b) => a + b, 0), 1) : null,
  };
}
