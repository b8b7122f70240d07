// /proc sampling: RSS and CPU of named processes, once a second.
import fs from 'node:fs';
import { round } from './results';

// /proc sampling: RSS (VmRSS) and CPU of named processes, once a second

const CLK_TCK = 100;

function readRssKiB(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Fields of /proc/<pid>/stat after the command name: [0] = state, [1] = ppid, [11..14] = utime, stime, cutime, cstime. */
function readStat(pid: number): string[] | undefined {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return s.slice(s.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

function readCpuTicks(pid: number, withReapedChildren = false): number | undefined {
  const f = readStat(pid);
  if (!f) return undefined;
  // utime + stime (fields 14 and 15); + cutime + cstime (16, 17): the children it has waited for
  return Number(f[11]) + Number(f[12]) + (withReapedChildren ? Number(f[13]) + Number(f[14]) : 0);
}

/** Every process's parent, from one pass over /proc. */
function parentMap(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const f = readStat(Number(d));
    if (!f) continue;
    const ppid = Number(f[1]);
    const list = children.get(ppid);
    if (list) list.push(Number(d));
    else children.set(ppid, [Number(d)]);
  }
  return children;
}

/** The process and all its descendants. */
function tree(root: number, children: Map<number, number[]>): number[] {
  const out = [root];
  for (let i = 0; i < out.length; i++) out.push(...(children.get(out[i]) ?? []));
  return out;
}

function readTotalCpu(): { busy: number; total: number } {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - f[3] - (f[4] ?? 0), total };
}

export interface ProcSeries {
  /** [seconds since start, RSS MiB] */
  rssMiB: [number, number][];
  peakRssMiB: number;
  /** CPU used over the window, in % of one core */
  cpuPct: number;
  cpuSeconds: number;
}

/**
 * What one name stands for: a pid, or several (e.g. two workers, summed), optionally with their whole process
 * trees (`tree`: PostgreSQL's postmaster and its backends). A tree's CPU counts every live member's utime + stime
 * and every member's reaped children (cutime + cstime), so a backend that exits between two samples is not lost.
 * Its RSS is the sum of the members' VmRSS (shared memory counted once per member: an upper bound).
 */
export interface SampleTarget {
  pids: (number | undefined)[];
  tree?: boolean;
}

export type Targets = Record<string, number | undefined | SampleTarget>;

export class Sampler {
  private timer?: NodeJS.Timeout;
  private t0 = Date.now();
  private series = new Map<string, { rss: [number, number][]; peak: number; ticks: number; last: Map<number, number> }>();
  private cpu0 = readTotalCpu();
  private cpu1 = this.cpu0;

  constructor(private readonly targets: () => Targets, private readonly intervalMs = 1000) {}

  start(): this {
    this.t0 = Date.now();
    this.cpu0 = readTotalCpu();
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    return this;
  }

  stop(): { seconds: number; machineCpuPct: number; processes: Record<string, ProcSeries> } {
    if (this.timer) clearInterval(this.timer);
    this.sample();
    const seconds = (Date.now() - this.t0) / 1000;
    const processes: Record<string, ProcSeries> = {};
    for (const [name, s] of this.series) {
      processes[name] = {
        rssMiB: s.rss,
        peakRssMiB: round(s.peak, 1),
        cpuSeconds: round(s.ticks / CLK_TCK, 2),
        cpuPct: seconds > 0 ? round((s.ticks / CLK_TCK / seconds) * 100, 1) : 0,
      };
    }
    const busy = this.cpu1.busy - this.cpu0.busy;
    const total = this.cpu1.total - this.cpu0.total;
    return { seconds: round(seconds, 1), machineCpuPct: total > 0 ? round((busy / total) * 100, 1) : 0, processes };
  }

  private sample(): void {
    const t = round((Date.now() - this.t0) / 1000, 1);
    this.cpu1 = readTotalCpu();
    const targets = Object.entries(this.targets()).map(([name, x]) => [name, typeof x === 'object' ? x : { pids: [x] }] as const);
    const children = targets.some(([, x]) => x.tree) ? parentMap() : undefined;
    for (const [name, target] of targets) {
      const roots = target.pids.filter((p): p is number => !!p);
      if (!roots.length) continue;
      let s = this.series.get(name);
      if (!s) {
        s = { rss: [], peak: 0, ticks: 0, last: new Map() };
        this.series.set(name, s);
      }
      let rssKiB: number | undefined;
      for (const root of roots) {
        const members = target.tree && children ? tree(root, children) : [root];
        let ticks: number | undefined;
        for (const pid of members) {
          const cpu = readCpuTicks(pid, target.tree === true);
          if (cpu !== undefined) ticks = (ticks ?? 0) + cpu;
          const rss = readRssKiB(pid);
          if (rss !== undefined) rssKiB = (rssKiB ?? 0) + rss;
        }
        // a root seen before: its (tree's) CPU since then; a new root (a restart) starts from here
        if (ticks !== undefined) {
          const last = s.last.get(root);
          if (last !== undefined) s.ticks += Math.max(0, ticks - last);
          s.last.set(root, ticks);
        }
      }
      if (rssKiB !== undefined) {
        const mib = round(rssKiB / 1024, 1);
        s.rss.push([t, mib]);
        s.peak = Math.max(s.peak, mib);
      }
    }
  }
}
