// The Dockerfile without Docker: no image can be built on this machine, so this suite reads the Dockerfile's
// stages and carries out their WORKDIR, ENV, COPY and RUN steps itself, in a clean copy of the repository
// (the build context: tracked and untracked-but-not-ignored files, less .dockerignore), as an unprivileged
// user. Then it checks what the runtime stage holds: the compiled entry points load and fail loud on a bad
// setting, and no devDependency was installed.
//
// What stands in for the image: each stage gets its own directory as its `/`; RUN runs `/bin/sh -c` there
// with this machine's node first on PATH (the image has node 24 from node:24-bookworm-slim), HOME in the
// temporary directory and an npm cache seeded from a copy of this machine's (anything missing comes from the
// registry this machine's npm uses). Steps this harness does not implement (ADD, ARG, wildcards, heredocs,
// COPY flags other than --from, RUN --mount …) fail the suite instead of being skipped.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
/** Created with useradd if missing (system user, no home, no shell) when the suite runs as root. */
const BUILD_USER = 'alert-docker-build';
/** One RUN step may take this long (a cold npm install included); the whole suite is bounded by jest below. */
const STEP_TIMEOUT_S = 300;

jest.setTimeout(15 * 60_000);

// ---- the Dockerfile ----------------------------------------------------------------------------------------

interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

interface Stage {
  name: string;
  base: string;
  instructions: Instruction[];
}

/** Instructions (continuations joined, comments dropped) grouped into stages at each FROM. */
function parseDockerfile(text: string): Stage[] {
  const instructions: Instruction[] = [];
  let buf = '';
  let start = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (/^\s*(#.*)?$/.test(line)) return; // blank, comment or parser directive (also inside a continuation)
    if (!buf) start = i + 1;
    if (/\\\s*$/.test(line)) {
      buf += line.replace(/\\\s*$/, ' ');
      return;
    }
    buf += line;
    const m = /^\s*([A-Za-z]+)\s*([\s\S]*)$/.exec(buf);
    if (!m) throw new Error(`Dockerfile line ${start}: cannot parse ${JSON.stringify(buf)}`);
    instructions.push({ keyword: m[1].toUpperCase(), args: m[2].trim(), line: start });
    buf = '';
  });
  if (buf) throw new Error('Dockerfile ends inside a line continuation');

  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const words = ins.args.split(/\s+/).filter((w) => !w.startsWith('--platform='));
      const as = words.findIndex((w) => w.toUpperCase() === 'AS');
      stages.push({ name: as >= 0 ? words[as + 1] : String(stages.length), base: words[0], instructions: [] });
    } else if (stages.length === 0) {
      throw new Error(`Dockerfile line ${ins.line}: ${ins.keyword} before the first FROM`);
    } else {
      stages[stages.length - 1].instructions.push(ins);
    }
  }
  return stages;
}

/** Exec form (`["a", "b"]`) or shell form (run by `/bin/sh -c`, as Docker does on Linux). */
function commandOf(args: string): string[] {
  if (args.startsWith('[')) return JSON.parse(args) as string[];
  return ['/bin/sh', '-c', args];
}

/** `ENV K=V K2="V 2"` or the legacy `ENV K V`. */
function parseEnv(args: string): Record<string, string> {
  if (!/^[^\s=]+=/.test(args)) {
    const [k, ...rest] = args.split(/\s+/);
    return { [k]: rest.join(' ') };
  }
  const out: Record<string, string> = {};
  for (const m of args.matchAll(/([^\s=]+)=("(?:[^"\\]|\\.)*"|\S*)/g)) {
    out[m[1]] = m[2].startsWith('"') ? (JSON.parse(m[2]) as string) : m[2];
  }
  return out;
}

// ---- the build context ---------------------------------------------------------------------------------------

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** A .dockerignore pattern (Go filepath.Match plus `**`, anchored at the context root) as a RegExp. */
function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' && pattern[i + 1] === '*') {
      i++;
      if (pattern[i + 1] === '/') {
        i++;
        re += '(?:.*/)?';
      } else re += '.*';
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[' && pattern.indexOf(']', i) > i) {
      const j = pattern.indexOf(']', i);
      re += '[' + pattern.slice(i + 1, j).replace(/^\^|^!/, '^').replace(/\\/g, '\\\\') + ']';
      i = j;
    } else if (c === '\\' && i + 1 < pattern.length) re += escapeRe(pattern[++i]);
    else re += escapeRe(c);
  }
  return new RegExp(`^${re}$`);
}

/** Docker's rules: the last matching pattern wins, `!` re-includes, a match on a parent directory counts. */
function dockerignoreFilter(text: string): (file: string) => boolean {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pattern = path.posix.normalize((negate ? l.slice(1) : l).trim()).replace(/^\/+/, '').replace(/\/+$/, '');
      return { negate, re: globToRegExp(pattern) };
    });
  return (file) => {
    const parts = file.split('/');
    const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let excluded = false;
    for (const r of rules) if (prefixes.some((p) => r.re.test(p))) excluded = !r.negate;
    return excluded;
  };
}

function git(args: string[]): string {
  const r = spawnSync('git', args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** The files `docker build .` would send: the work tree's tracked and unignored files, less .dockerignore. */
function copyContext(dest: string): string[] {
  const ignoreFile = path.join(ROOT, '.dockerignore');
  const ignored = dockerignoreFilter(fs.existsSync(ignoreFile) ? fs.readFileSync(ignoreFile, 'utf8') : '');
  const files = git(['ls-files', '-z', '--cached', '--others', '--exclude-standard'])
    .split('\0')
    .filter((f) => f && !ignored(f) && fs.existsSync(path.join(ROOT, f)));
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(dest, f)), { recursive: true });
    fs.cpSync(path.join(ROOT, f), path.join(dest, f), { verbatimSymlinks: true, preserveTimestamps: true });
  }
  return files;
}

// ---- running as the unprivileged user ------------------------------------------------------------------

interface User {
  name: string;
  uid: number;
  gid: number;
}

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.error?.message ?? r.stderr}`);
  return r.stdout.trim();
}

/** As root: the build user (created if missing). Otherwise this process's own user is unprivileged already. */
function buildUser(): User | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const exists = () => spawnSync('id', ['-u', BUILD_USER]).status === 0;
  if (!exists()) {
    const r = spawnSync('useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', BUILD_USER], { encoding: 'utf8' });
    if (r.status !== 0 && !exists()) throw new Error(`useradd ${BUILD_USER}: ${r.stderr}`);
  }
  return { name: BUILD_USER, uid: Number(sh('id', ['-u', BUILD_USER])), gid: Number(sh('id', ['-g', BUILD_USER])) };
}

function chownTree(user: User | undefined, dir: string): void {
  if (user) sh('chown', ['-R', `${user.uid}:${user.gid}`, dir]);
}

interface RunResult {
  status: number | null;
  output: string;
}

/** argv as the build user, with exactly `env` (env -i), bounded by coreutils' timeout (kills the whole group). */
function runAs(user: User | undefined, argv: string[], cwd: string, env: Record<string, string>, timeoutS = STEP_TIMEOUT_S): RunResult {
  const inner = ['/usr/bin/timeout', '-k', '10', String(timeoutS), '/usr/bin/env', '-i', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...argv];
  const full = user ? ['runuser', '-u', user.name, '--', ...inner] : inner;
  const r = spawnSync(full[0], full.slice(1), { cwd, encoding: 'utf8', maxBuffer: 256 << 20 });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? `\n${r.error.message}` : ''}`;
  return { status: r.status === 124 ? null : r.status, output };
}

function tail(text: string, lines = 40): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

// ---- carrying out the stages ---------------------------------------------------------------------------

interface StageState {
  root: string;
  workdir: string;
  env: Record<string, string>;
  cmd?: string[];
  user?: string;
}

interface Harness {
  user: User | undefined;
  context: string;
  /** PATH, HOME, npm cache and registry for every RUN (the stage's ENV comes on top). */
  baseEnv: Record<string, string>;
  dir: string;
}

function build(h: Harness, stages: Stage[], log: (line: string) => void = () => {}): Map<string, StageState> {
  const done = new Map<string, StageState>();
  for (const stage of stages) {
    const root = path.join(h.dir, `stage-${stage.name}`);
    fs.mkdirSync(root);
    chownTree(h.user, root);
    const st: StageState = { root, workdir: '/', env: {} };
    const host = (p: string) => path.join(root, path.posix.resolve(st.workdir, p));
    const as = (argv: string[], what: string) => {
      const r = runAs(h.user, argv, host('.'), { ...h.baseEnv, ...st.env });
      if (r.status !== 0) {
        throw new Error(`${what}: ${r.status === null ? `timed out after ${STEP_TIMEOUT_S}s` : `exit code ${r.status}`}\n${tail(r.output)}`);
      }
    };
    for (const ins of stage.instructions) {
      const what = `stage ${stage.name}, line ${ins.line}: ${ins.keyword} ${ins.args.replace(/\s+/g, ' ')}`;
      const t0 = Date.now();
      switch (ins.keyword) {
        case 'WORKDIR':
          st.workdir = path.posix.resolve(st.workdir, ins.args);
          fs.mkdirSync(host('.'), { recursive: true });
          chownTree(h.user, root);
          break;
        case 'ENV':
          Object.assign(st.env, parseEnv(ins.args));
          break;
        case 'USER': // every step here runs unprivileged already; recorded for the final command
          st.user = ins.args;
          break;
        case 'EXPOSE':
        case 'LABEL':
          break;
        case 'CMD':
          st.cmd = commandOf(ins.args);
          break;
        case 'RUN':
          if (/^--|^<</.test(ins.args)) throw new Error(`${what}: RUN flags and heredocs are not implemented here (extend ${path.basename(__filename)})`);
          as(commandOf(ins.args), what);
          break;
        case 'COPY': {
          const words = ins.args.startsWith('[') ? (JSON.parse(ins.args) as string[]) : ins.args.split(/\s+/);
          let from: StageState | undefined;
          let fromName = '';
          while (words[0]?.startsWith('--')) {
            const flag = words.shift()!;
            const m = /^--from=(.+)$/.exec(flag);
            if (!m) throw new Error(`${what}: COPY flag ${flag} is not implemented here (extend ${path.basename(__filename)})`);
            fromName = m[1];
            from = done.get(fromName);
            if (!from) throw new Error(`${what}: no earlier stage named ${fromName} (an image as --from is not supported here)`);
          }
          if (words.length < 2) throw new Error(`${what}: COPY needs a source and a destination`);
          const dest = words.pop()!;
          const intoDir = dest.endsWith('/') || words.length > 1;
          const cmds: string[][] = [];
          for (const src of words) {
            if (/[*?[]/.test(src)) throw new Error(`${what}: wildcards are not implemented here (extend ${path.basename(__filename)})`);
            // context paths are relative to the context root, --from paths to the other stage's root
            const source = path.join(from ? from.root : h.context, path.posix.resolve('/', src));
            if (!fs.existsSync(source)) throw new Error(`${what}: ${src} not found ${from ? `in stage ${fromName}` : 'in the build context'}`);
            const target = host(dest);
            if (fs.lstatSync(source).isDirectory()) {
              // a directory's contents go into the destination
              cmds.push(['mkdir', '-p', target], ['cp', '-R', '--no-dereference', '--preserve=mode,timestamps', `${source}/.`, target]);
            } else if (intoDir || (fs.existsSync(target) && fs.statSync(target).isDirectory())) {
              cmds.push(['mkdir', '-p', target], ['cp', '--no-dereference', '--preserve=mode,timestamps', source, path.join(target, path.basename(source))]);
            } else {
              cmds.push(['mkdir', '-p', path.dirname(target)], ['cp', '--no-dereference', '--preserve=mode,timestamps', source, target]);
            }
          }
          for (const c of cmds) as(c, what);
          break;
        }
        default:
          throw new Error(`${what}: ${ins.keyword} is not implemented here (extend ${path.basename(__filename)})`);
      }
      if (ins.keyword === 'RUN' || ins.keyword === 'COPY') log(`${what} (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
    }
    done.set(stage.name, st);
  }
  return done;
}

// ---- the suite -----------------------------------------------------------------------------------------------

function npmConfig(key: string): string | undefined {
  const npm = path.join(path.dirname(process.execPath), 'npm');
  const r = spawnSync(fs.existsSync(npm) ? npm : 'npm', ['config', 'get', key], { encoding: 'utf8' });
  const v = r.stdout?.trim();
  return r.status === 0 && v && v !== 'null' && v !== 'undefined' ? v : undefined;
}

describe('Dockerfile (its steps, run without Docker in a clean copy as an unprivileged user)', () => {
  let h: Harness;
  let runs = 0;
  let prepared = '';
  const fresh = (): Harness => {
    const dir = path.join(h.dir, `run-${++runs}`);
    fs.mkdirSync(dir);
    chownTree(h.user, dir);
    return { ...h, dir };
  };

  beforeAll(() => {
    const t0 = Date.now();
    const user = buildUser();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alert-delivery-dockerfile-'));
    const context = path.join(dir, 'context');
    copyContext(context);
    const home = path.join(dir, 'home');
    const cache = path.join(dir, 'npm-cache');
    fs.mkdirSync(home);
    fs.mkdirSync(cache);
    // a copy: the runtime stage's `npm cache clean --force` must clean this one, not the machine's
    const machineCache = npmConfig('cache');
    if (machineCache && fs.existsSync(path.join(machineCache, '_cacache'))) {
      sh('cp', ['-R', '--preserve=mode,timestamps', path.join(machineCache, '_cacache'), cache]);
    }
    chownTree(user, dir);
    const baseEnv: Record<string, string> = {
      PATH: [path.dirname(process.execPath), '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'].join(':'),
      HOME: home,
      npm_config_cache: cache,
      npm_config_update_notifier: 'false',
    };
    const registry = npmConfig('registry');
    const cafile = npmConfig('cafile');
    if (registry) baseEnv.npm_config_registry = registry;
    if (cafile) baseEnv.npm_config_cafile = cafile;
    for (const k of ['NODE_EXTRA_CA_CERTS', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy']) {
      if (process.env[k]) baseEnv[k] = process.env[k];
    }
    h = { user, context, baseEnv, dir };
    const probe = runAs(user, ['node', '--version'], dir, baseEnv, 30);
    if (probe.status !== 0) throw new Error(`node (${process.execPath}) does not run as ${user?.name ?? 'this user'}: ${probe.output}`);
    prepared = `context, npm cache and user prepared in ${((Date.now() - t0) / 1000).toFixed(1)}s`;
  });

  afterAll(() => {
    if (h) fs.rmSync(h.dir, { recursive: true, force: true });
  });

  it('build stage installs and compiles, runtime stage installs production deps; the worker, the ingest and the intake load and fail loud on a bad setting', () => {
    const stages = parseDockerfile(fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const runtime = stages[stages.length - 1];
    const steps: string[] = [];
    const t0 = Date.now();
    const result = build(fresh(), stages, (l) => steps.push(l));
    console.log(`${prepared}; Dockerfile steps (${((Date.now() - t0) / 1000).toFixed(0)}s in all):\n  ${steps.join('\n  ')}`);

    const rt = result.get(runtime.name)!;
    const app = (p: string) => path.join(rt.root, path.posix.resolve(rt.workdir, p));
    expect(fs.existsSync(app('dist/src/worker.js'))).toBe(true);
    expect(fs.existsSync(app('dist/src/ingest.js'))).toBe(true);
    expect(fs.existsSync(app('dist/src/intake.js'))).toBe(true);
    expect(fs.existsSync(app('dist/workflow-bundle.js'))).toBe(true);

    // The image's command (the worker, exec form) and the ingest's and the intake's, as docker-compose.yml runs
    // them, each with a setting that cannot work.
    expect(rt.cmd).toEqual(['node', 'dist/src/worker.js']);
    for (const argv of [rt.cmd!, ['node', 'dist/src/ingest.js'], ['node', 'dist/src/intake.js']]) {
      const r = runAs(h.user, argv, app('.'), { ...h.baseEnv, ...rt.env, REDIS_URL: 'not-a-url', STARTUP_TIMEOUT: '1s' }, 60);
      expect(r.output).not.toMatch(/Cannot find module|MODULE_NOT_FOUND|ERR_DLOPEN_FAILED/);
      expect(r.output).toMatch(/Invalid configuration[\s\S]*REDIS_URL="not-a-url": not a URL/);
      expect(r.status).toBe(1);
    }

    // Production install: every package the lock marks as dev-only is absent, every plain dependency present.
    const lock = JSON.parse(fs.readFileSync(app('package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean; optional?: boolean; devOptional?: boolean; peer?: boolean }>;
    };
    const entries = Object.entries(lock.packages).filter(([k]) => k.startsWith('node_modules/'));
    const present = (k: string) => fs.existsSync(app(k));
    expect(entries.filter(([k, p]) => p.dev && present(k)).map(([k]) => k)).toEqual([]);
    expect(entries.filter(([k, p]) => !p.dev && !p.optional && !p.devOptional && !p.peer && !present(k)).map(([k]) => k)).toEqual([]);
    expect(present('node_modules/jest')).toBe(false);
    expect(present('node_modules/typescript')).toBe(false);
    expect(present('node_modules/@temporalio/worker')).toBe(true);
  });

  // The harness itself must be able to fail: the cases the suite above exists to catch, on tiny Dockerfiles.
  it('fails a build whose RUN names a script that is not in the context', () => {
    const stages = parseDockerfile('FROM node:24-bookworm-slim AS build\nWORKDIR /app\nCOPY package.json ./\nRUN sh scripts/lib/no-such-install.sh\n');
    expect(() => build(fresh(), stages)).toThrow(/line 4: RUN sh scripts\/lib\/no-such-install\.sh: exit code \d+[\s\S]*no-such-install\.sh/);
  });

  it('fails a runtime COPY --from of output the build stage put elsewhere', () => {
    const stages = parseDockerfile(
      'FROM node:24-bookworm-slim AS build\nWORKDIR /app\nRUN mkdir -p out/src && echo "" > out/src/worker.js\n' +
        'FROM node:24-bookworm-slim AS runtime\nWORKDIR /app\nCOPY --from=build /app/dist ./dist\n',
    );
    expect(() => build(fresh(), stages)).toThrow(/COPY --from=build \/app\/dist \.\/dist: \/app\/dist not found in stage build/);
  });

  it('reads .dockerignore as Docker does (anchored at the root, a parent directory counts, `!` re-includes)', () => {
    const ignored = dockerignoreFilter(fs.readFileSync(path.join(ROOT, '.dockerignore'), 'utf8'));
    expect(ignored('node_modules/jest/package.json')).toBe(true);
    expect(ignored('dist/src/worker.js')).toBe(true);
    expect(ignored('.env')).toBe(true);
    expect(ignored('src/worker.ts')).toBe(false);
    expect(ignored('scripts/lib/npm-install.sh')).toBe(false);
    const rules = dockerignoreFilter('*.log\n**/tmp\ndocs\n!docs/keep.md\n');
    expect(rules('a.log')).toBe(true);
    expect(rules('src/a.log')).toBe(false);
    expect(rules('x/y/tmp/z')).toBe(true);
    expect(rules('docs/a.png')).toBe(true);
    expect(rules('docs/keep.md')).toBe(false);
  });
});
