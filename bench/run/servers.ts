// Server profiles side by side (--servers dev,server): each profile on a stack of its own (its own ALERT_STACK_HOME
// and ports, so the default stack and the test stacks are untouched), one at a time so that they never share the
// machine, each measured by a child bench process whose environment is that stack's `scripts/stack env`.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, say } from '../harness';
import { childArgv, type Options } from './options';
import type { ServerProfile } from './paths';
import type { ServerRun } from './types';

/**
 * The bench's stacks: homes under the checkout, ports apart from the default stack's and the test stacks' (+10000).
 * The real server's ports stay below 32768: it records its services' ports in PostgreSQL as smallint (a frontend at
 * 37233 fails: membership port 36935 is out of range).
 */
export const BENCH_STACKS: Record<ServerProfile, { home: string; env: Record<string, string> }> = {
  dev: { home: '.stack-bench-dev', env: { TEMPORAL_PORT: '27233', TEMPORAL_UI_PORT: '28233', REDIS_PORT: '26379', OPENSEARCH_PORT: '29200' } },
  server: { home: '.stack-bench-server', env: { TEMPORAL_PORT: '22233', TEMPORAL_UI_PORT: '23233', REDIS_PORT: '22379', OPENSEARCH_PORT: '22920', TEMPORAL_PG_PORT: '25432' } },
};

/** What the inherited environment must not carry into a profile's stack: another stack's address, TLS files, ports. */
const STACK_VARS = /^(TEMPORAL_(ADDRESS|NAMESPACE|API_KEY(_FILE)?|TLS(_.*)?|UI_URL|CLI|TEST_SERVER|PORT|UI_PORT|PG_PORT|PROFILE|CONFIG_FILE)|REDIS_(URL|PORT)|OPENSEARCH_(URL|PORT)|STACK_TEMPORAL|ALERT_STACK_HOME)$/;

function stackEnv(profile: ServerProfile): Record<string, string> {
  const base = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !STACK_VARS.test(e[0])));
  return { ...base, ALERT_STACK_HOME: path.join(ROOT, BENCH_STACKS[profile].home), STACK_TEMPORAL: profile, ...BENCH_STACKS[profile].env };
}

function stack(cmd: 'up' | 'down' | 'status' | 'env', env: Record<string, string>, timeoutMs = 900_000): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(path.join(ROOT, 'scripts', 'stack'), [cmd], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, out });
    });
  });
}

/** `export K=V` lines of `scripts/stack env`. */
function parseEnv(text: string): Record<string, string> {
  return Object.fromEntries([...text.matchAll(/^export ([A-Z0-9_]+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
}

/**
 * The child bench process of the profile being measured: in a process group of its own, so that Ctrl-C reaches it
 * once, passed on by the parent (a second Ctrl-C: it exits at once, as a single-profile run does).
 */
let current: ChildProcess | undefined;
export function forwardSignal(sig: NodeJS.Signals): void {
  current?.kill(sig);
}
process.on('exit', () => current?.kill('SIGKILL'));

/** Brings the profile's stack up, runs the child bench on it, takes the stack down again if it was not running before. */
async function runProfile(o: Options, profile: ServerProfile, outFile: string): Promise<ServerRun> {
  const env = stackEnv(profile);
  const home = env.ALERT_STACK_HOME;
  if (path.resolve(home) === path.resolve(ROOT, '.stack')) throw new Error('the bench never runs its profiles on the default stack (.stack)');
  const wasRunning = (await stack('status', env)).code === 0;
  say('bench', `server profile ${profile}: stack ${path.relative(ROOT, home)} (${wasRunning ? 'already running: left running' : 'starting'}; Temporal on 127.0.0.1:${env.TEMPORAL_PORT})`);
  const failed = (failure: string): ServerRun => ({ profile, stackHome: home, versions: {}, floors: [], points: [], scale: [], backlogs: [], priority: [], notes: [], failure });
  try {
    const t0 = Date.now();
    const up = await stack('up', env);
    if (up.code !== 0) return failed(`scripts/stack up (${profile}) failed:\n${up.out.slice(-3000)}`);
    say('bench', `server profile ${profile}: stack up in ${Math.round((Date.now() - t0) / 1000)} s`);
    const childEnv = { ...env, ...parseEnv((await stack('env', env)).out) };
    const noBacklog = o.backlogServers && !o.backlogServers.includes(profile) ? ['--backlog', '0'] : [];
    const args = [...childArgv(o.argv), ...noBacklog, '--out', o.outDir, '--server-run', outFile];
    const code = await new Promise<number>((resolve) => {
      current = spawn(process.execPath, [path.join(ROOT, 'dist', 'scripts', 'bench.js'), ...args], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'inherit', 'inherit'], detached: true });
      current.once('exit', (c, sig) => resolve(c ?? (sig ? 128 : 1)));
    });
    current = undefined;
    if (!fs.existsSync(outFile)) return failed(`the bench on ${profile} exited ${code} without a result`);
    return JSON.parse(fs.readFileSync(outFile, 'utf8')) as ServerRun;
  } finally {
    if (!wasRunning) {
      const down = await stack('down', env);
      say('bench', `server profile ${profile}: stack ${path.relative(ROOT, home)} ${down.code === 0 ? 'stopped' : `did not stop: ${down.out.slice(-500)}`}`);
    }
  }
}

/** Every profile of --servers in turn; a profile that fails is reported in its run and the next one still runs. */
export async function runProfiles(o: Options, shouldStop: () => boolean): Promise<ServerRun[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-servers-'));
  const runs: ServerRun[] = [];
  try {
    for (const profile of o.servers ?? []) {
      if (shouldStop()) break;
      runs.push(await runProfile(o, profile, path.join(dir, `${profile}.json`)));
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return runs;
}

