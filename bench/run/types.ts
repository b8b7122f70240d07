// What one benchmark run measures: per point, per backlog, the floor, the scale points, per server (the result file
// that holds them all: result.ts).
import type { PathName, ServerProfile } from './paths';
import type { FloorRunResult } from '../floor/main';

export interface Latency {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export interface PointResult {
  path: PathName;
  /** offered alerts/s; null = unbounded */
  offered: number | null;
  label: string;
  /** 1 … --repeat: which round of the rate points this is */
  round: number;
  alerts: number;
  delivered: number;
  /** the rate the publisher achieved */
  publishedPerSec: number;
  /** alerts/s from the first XADD to the last first-2xx at the receiver */
  throughput: number;
  seconds: number;
  latencyMs: Latency;
  posts: number;
  /** keys answered 2xx more than once (the receiver drops them by key; 0 unless a process died mid-POST) */
  repeatedOk: number;
  /** CPU in % of one core over the point, per process (`server` = temporal + its PostgreSQL tree) */
  cpuPct: Record<string, number>;
  /** CPU ms per delivered alert over the point, per process (the process's CPU time / alerts delivered) */
  cpuMsPerAlert: Record<string, number>;
  machineCpuPct: number;
  timedOut: boolean;
  docsDelivered: number;
  /** service processes that exited by themselves during the point (restarted) */
  unexpectedExits: number;
  /** alerts/s between the 10th and the 90th percentile of arrivals (the plateau, without ramp-up and tail) */
  steadyThroughput: number;
  /**
   * temporal-grouped: the group notifications that carried the counted alerts (`delivered` = the sum of their
   * `group.counts.new`), and `latencyOf: 'notification'`: `latencyMs` is then per notification, its arrival − the
   * publish time (`firedAt`) of the earliest of the new alerts it lists (at most 10): group_wait / group_interval.
   */
  notifications?: number;
  latencyOf?: 'alert' | 'notification';
}

export interface BacklogResult {
  path: PathName;
  alerts: number;
  enqueueSeconds: number;
  /** service start → last alert at the receiver */
  drainSeconds: number;
  /** first delivery → last delivery */
  deliverySeconds: number;
  throughput: number;
  timedOut: boolean;
  /** delivered count every ~5 s: [seconds since start, delivered] (with --series only) */
  progress?: [number, number][];
  /** `series`: RSS every second, [seconds, MiB] (with --series only) */
  memory: Record<string, { peakRssMiB: number; startRssMiB: number; q2MeanMiB: number; q4MeanMiB: number; series?: [number, number][] }>;
  cpuPct: Record<string, number>;
  machineCpuPct: number;
  unexpectedExits: number;
}

/** A critical published behind a backlog of lower-severity alerts (bench/run/priority.ts). */
export interface PriorityResult {
  path: PathName;
  /** the backlog: lower-severity alerts queued before the service started */
  alerts: number;
  /** backlog alerts not yet delivered when the critical was published */
  behind: number;
  /** its publish → its first 2xx at the receiver (null: it never arrived) */
  criticalSeconds: number | null;
  /** alerts delivered before it */
  deliveredBeforeCritical: number | null;
  /** service start → last alert at the receiver */
  drainSeconds: number;
  timedOut: boolean;
}

/** The engine's floor: empty workflows, eagerly started by a worker's own client, on the server under test. */
export interface FloorResult extends FloorRunResult {
  round: number;
  /** CPU ms per empty workflow, per process (`floor` = the floor's worker + client process) */
  cpuMsPerWorkflow: Record<string, number>;
  cpuPct: Record<string, number>;
  /** the server's CPU (% of one core) over a few idle seconds before the run: its background work */
  serverIdleCpuPct: number;
  machineCpuPct: number;
}

/** N workers + N ingests (or N combined processes) on one stream and group, at max. */
export interface ScaleResult {
  path: PathName;
  processes: number;
  round: number;
  alerts: number;
  /** distinct keys answered 2xx */
  delivered: number;
  throughput: number;
  steadyThroughput: number;
  latencyMs: Latency;
  /** keys answered 2xx more than once: must be 0 */
  duplicates: number;
  posts: number;
  /** the highest count of running workflows on the task queue seen (visibility, once a second) */
  maxRunning: number;
  maxInFlight: number;
  /** running workflows every second: [seconds, count] (with --series only) */
  runningSeries?: [number, number][];
  cpuMsPerAlert: Record<string, number>;
  cpuPct: Record<string, number>;
  timedOut: boolean;
  unexpectedExits: number;
}

/** Everything measured on one server profile (one stack). */
export interface ServerRun {
  profile: ServerProfile;
  stackHome: string;
  /** the server's own versions (CLI / server binary) */
  versions: Record<string, string>;
  floors: FloorResult[];
  points: PointResult[];
  scale: ScaleResult[];
  backlogs: BacklogResult[];
  /** the critical behind a backlog (--priority) */
  priority: PriorityResult[];
  notes: string[];
  failure: string | null;
}

/** What comparePaths (summary.ts) gives per path at max: the figures groupingCost and privacyCost compare. */
export interface AtMax {
  path: string;
  alertsPerSec: number;
  alertsPerSecEach: number[];
  steadyPerSec: number;
  cpuMsPerAlert: Record<string, number>;
}
