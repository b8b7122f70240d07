// Figures and result files (`*-latest` is a symlink to the newest).
import fs from 'node:fs';
import path from 'node:path';
import { RESULTS_DIR, stamp } from './base';

// Figures

export function round(n: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function table(headers: string[], rows: (string | number | null | undefined)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === null || c === undefined ? '-' : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const numeric = (c: string) => /^-?[\d.]+( \/ -?[\d.]+)*$|^-$/.test(c);
  const line = (r: string[]) => r.map((c, i) => (i > 0 && numeric(c) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

/**
 * Writes <dir>/<kind>-<stamp>.json (dir: bench/results) and points <kind>-latest.json at it; returns the first
 * path. `indent` 0 writes one line (for large results); the default keeps them readable.
 */
export function writeResult(kind: string, when: Date, result: unknown, dir = RESULTS_DIR, indent = 2): string {
  fs.mkdirSync(dir, { recursive: true });
  const name = `${kind}-${stamp(when)}.json`;
  const file = path.join(dir, name);
  const text = `${JSON.stringify(result, null, indent || undefined)}\n`;
  fs.writeFileSync(`${file}.tmp`, text);
  fs.renameSync(`${file}.tmp`, file);
  pointLatest(name, `${kind}-latest.json`, dir);
  return file;
}

/**
 * Makes <dir>/<latest> (dir: bench/results) a relative symlink to <target> (a file in the same directory), replacing
 * whatever was there (an older link, or a copy from before links) in one rename: a pointer, not a copy.
 */
export function pointLatest(target: string, latest: string, dir = RESULTS_DIR): void {
  const link = path.join(dir, latest);
  const tmp = `${link}.${process.pid}.tmp`;
  fs.rmSync(tmp, { force: true });
  fs.symlinkSync(target, tmp);
  fs.renameSync(tmp, link);
}
