// The stack: pid files, versions, scripts/stack.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OPENSEARCH_URL, ROOT, STACK_RUN } from './base';
import { round } from './results';

// The stack: pid files, versions, scripts/stack

/** The pid a component's pid file names (PostgreSQL: the postmaster, on the real server profile), if it is alive. */
export function stackPid(name: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(path.join(STACK_RUN, `${name}.pid`), 'utf8').trim());
    return pid > 0 && pidAlive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Alive and not a zombie. */
export function pidAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

export function run(cmd: string, args: string[], timeoutMs = 300_000): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: ROOT, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, out: `${stdout}${stderr}` });
    });
  });
}

/** `scripts/stack up` (idempotent: starts only what is down). Throws with the output on failure. */
export async function stackUp(): Promise<number> {
  const t0 = Date.now();
  const r = await run(path.join(ROOT, 'scripts', 'stack'), ['up'], 300_000);
  if (r.code !== 0) throw new Error(`scripts/stack up failed (exit ${r.code}):\n${r.out.slice(-3000)}`);
  return Date.now() - t0;
}

/** Refuses to run against a stack this checkout did not start (its pid files are what the faults use). */
export function requireOwnStack(): void {
  const names = process.env.STACK_TEMPORAL === 'cluster' ? ['redis', 'temporal-1', 'temporal-2', 'temporal-3', 'opensearch-1', 'opensearch-2'] : ['redis', 'temporal', 'opensearch'];
  const missing = names.filter((n) => stackPid(n) === undefined);
  if (missing.length) {
    throw new Error(`no running ${missing.join(', ')} with a pid file under ${STACK_RUN}: the stack must be this checkout's (scripts/stack up)`);
  }
}

export async function versions(): Promise<Record<string, string>> {
  const first = (s: string) => s.trim().split('\n')[0];
  const temporalBin = (await run(path.join(ROOT, 'scripts', 'stack'), ['path', 'temporal'])).out.trim();
  const out: Record<string, string> = { node: process.version };
  out.temporalCli = first((await run(temporalBin, ['--version'])).out);
  if (process.env.STACK_TEMPORAL === 'server' || process.env.STACK_TEMPORAL === 'cluster') {
    // the real server profile: the server binary's own version (the CLI above is only its admin tool)
    const serverBin = (await run(path.join(ROOT, 'scripts', 'stack'), ['path', 'temporal-server'])).out.trim();
    const pg = first((await run('sh', ['-c', '"$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)/postgres" --version'])).out);
    out.temporalServer = `${first((await run(serverBin, ['--version'])).out)} on ${pg.replace(/^postgres \(PostgreSQL\)/, 'PostgreSQL')}`;
  }
  out.redis = first((await run('redis-server', ['--version'])).out);
  try {
    const res = await fetch(`${OPENSEARCH_URL}/`, { signal: AbortSignal.timeout(5_000) });
    const body = (await res.json()) as { version?: { number?: string; distribution?: string } };
    out.opensearch = `${body.version?.distribution ?? 'opensearch'} ${body.version?.number ?? '?'}`;
  } catch (e) {
    out.opensearch = `unreachable: ${(e as Error).message}`;
  }
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', '@temporalio', 'worker', 'package.json'), 'utf8')) as { version: string };
    out.temporalSdk = pkg.version;
  } catch {
    out.temporalSdk = '?';
  }
  return out;
}

export function machine(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    cpuModel: cpus[0]?.model ?? '?',
    memoryMiB: Math.round(os.totalmem() / 1024 / 1024),
    freeMemoryMiB: Math.round(os.freemem() / 1024 / 1024),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAvgAtStart: os.loadavg().map((l) => round(l, 2)),
  };
}
