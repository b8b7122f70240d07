// Our half of the storm restarts the Temporal server, so it runs on a stack of its own, never on the default
// stack (.stack) that others' tests use: `.stack-bench-storm` (git-ignored with the bench's stacks) with ports of
// its own, brought up with `scripts/stack up` under that ALERT_STACK_HOME, as the bench's server profiles are
// (bench/run/servers.ts). The run itself is a child process whose environment is that stack's `scripts/stack env`
// (the harness reads its addresses at import); it is stopped again at the end if this run started it.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ROOT, say } from '../harness';

export const STORM_STACK = {
  home: '.stack-bench-storm',
  env: { TEMPORAL_PORT: '24233', TEMPORAL_UI_PORT: '24234', REDIS_PORT: '24379', OPENSEARCH_PORT: '24920', STACK_TEMPORAL: 'dev' },
};

/** Another stack's address, TLS files or ports must not leak into the storm's stack. */
const STACK_VARS = /^(TEMPORAL_(ADDRESS|NAMESPACE|API_KEY(_FILE)?|TLS(_.*)?|UI_URL|CLI|TEST_SERVER|PORT|UI_PORT|PG_PORT|PROFILE|CONFIG_FILE)|REDIS_(URL|PORT)|OPENSEARCH_(URL|PORT)|STACK_TEMPORAL|ALERT_STACK_HOME)$/;
const stormHome = () => path.join(ROOT, STORM_STACK.home);

/** This process runs on the storm's stack (it is the child). */
export function onStormStack(): boolean {
  return process.env.ALERT_STACK_HOME !== undefined && path.resolve(process.env.ALERT_STACK_HOME) === stormHome();
}

function stackEnv(): Record<string, string> {
  const base = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !STACK_VARS.test(e[0])));
  return { ...base, ALERT_STACK_HOME: stormHome(), ...STORM_STACK.env };
}

function stack(cmd: 'up' | 'down' | 'status' | 'env', env: Record<string, string>): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(path.join(ROOT, 'scripts', 'stack'), [cmd], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), 600_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, out });
    });
  });
}

let current: ChildProcess | undefined;
/** Ctrl-C reaches the child once, passed on by the parent (the child then cleans up). */
export function forwardSignal(sig: NodeJS.Signals): boolean {
  current?.kill(sig);
  return current !== undefined;
}
process.on('exit', () => current?.kill('SIGKILL'));

/** Brings the storm's stack up, runs this script again on it, stops the stack if it was not running before. */
export async function runOnStormStack(argv: string[]): Promise<number> {
  const env = stackEnv();
  const wasRunning = (await stack('status', env)).code === 0;
  say('storm', `stack ${STORM_STACK.home} (${wasRunning ? 'already running: left running' : 'starting'}; Temporal on 127.0.0.1:${STORM_STACK.env.TEMPORAL_PORT})`);
  try {
    const up = await stack('up', env);
    if (up.code !== 0) throw new Error(`scripts/stack up (${STORM_STACK.home}) failed:\n${up.out.slice(-3000)}`);
    const childEnv = { ...env, ...Object.fromEntries([...(await stack('env', env)).out.matchAll(/^export ([A-Z0-9_]+)=(.*)$/gm)].map((m) => [m[1], m[2]])) };
    return await new Promise<number>((resolve) => {
      current = spawn(process.execPath, [path.join(ROOT, 'dist', 'scripts', 'storm.js'), ...argv], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'inherit', 'inherit'], detached: true });
      current.once('exit', (c, sig) => {
        current = undefined;
        resolve(c ?? (sig ? 128 : 1));
      });
    });
  } finally {
    if (!wasRunning) {
      const down = await stack('down', env);
      say('storm', `stack ${STORM_STACK.home} ${down.code === 0 ? 'stopped' : `did not stop: ${down.out.slice(-500)}`}`);
    }
  }
}
