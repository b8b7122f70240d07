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

function readCpuTicks(pid: number): number | undefined {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]); // utime + stime (fields 14 and 15)
  } catch {
    return undefined;
  }
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

export class Sampler {
  private timer?: NodeJS.Timeout;
  private t0 = Date.now();
  private series = new Map<string, { rss: [number, number][]; peak: number; ticks: number; last?: { pid: number; ticks: number } }>();
  private cpu0 = readTotalCpu();
  private cpu1 = this.cpu0;

  constructor(private readonly targets: () => Record<string, number | undefined>, private readonly intervalMs = 1000) {}

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
    for (const [name, pid] of Object.entries(this.targets())) {
      if (!pid) continue;
      let s = this.series.get(name);
      if (!s) {
        s = { rss: [], peak: 0, ticks: 0 };
        this.series.set(name, s);
      }
      const rss = readRssKiB(pid);
      const ticks = readCpuTicks(pid);
      if (rss !== undefined) {
        const mib = round(rss / 1024, 1);
        s.rss.push([t, mib]);
        s.peak = Math.max(s.peak, mib);
      }
      if (ticks !== undefined) {
        if (s.last && s.last.pid === pid) s.ticks += Math.max(0, ticks - s.last.ticks);
        s.last = { pid, ticks };
      }
    }
  }
}
