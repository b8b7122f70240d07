// alertctl, the operator CLI, against the real stack: exit codes (0 ok, 1 not found / failed / refused, 2 usage
// without a stack trace), --json on every command (one document on stdout, errors as {"error", "code"} on stderr),
// `ack` through the workflow's `acknowledge` update, `resolve` XADDing the resolved event of a delivery's incident,
// and the package `bin` (`npx alertctl`). The commands run in-process (test/helpers/alertctl.ts: src/alertctl/cli.ts,
// the code of dist/src/alertctl.js, with its own environment and its output captured); the exit codes through a real
// process are proven by one usage error and one not-found run as spawned processes (dist/src/alertctl.js, `npm run
// build`) and by the package bin.
// The deliveries here are a stand-in workflow (test/workflows/alertctl.ts) of the same type and input, run by
// an in-process worker on this suite's own task queue: alertctl is tested, not the real workflow's handlers.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type Redis from 'ioredis';
import { parseEntry } from '../src/alert-event';
import type { AlertEvent } from '../src/contracts/alert';
import type { DeliveryRequest } from '../src/contracts/delivery';
import { workflowIdFor } from '../src/contracts/ids';
import { SA_RULE_ID, SA_SEVERITY, SA_STATUS } from '../src/contracts/search-attributes';
import { runAlertctl, spawnAlertctl, type AlertctlResult } from './helpers/alertctl';
import { alertEvent } from './helpers/alerts';
import { REDIS_URL, ROOT, TEMPORAL_ENV, cleanup, devServerEnv, redis, terminateOpen, uid } from './helpers/stack';
import { ackedQuery, finishSignal, type FakeDeliveryOptions } from './workflows/alertctl';

jest.setTimeout(90_000);

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `command args` and resolves with its exit code and output, whatever the code (for the package bin). */
function spawn(command: string, args: string[], opts: { env?: Record<string, string>; cwd?: string } = {}): Promise<Result> {
  return new Promise((resolve) => {
    execFile(command, args, { env: opts.env, cwd: opts.cwd, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const stream = uid('alerts');
const otherStream = uid('alerts');
const taskQueue = uid('alertctl');
/** No worker polls this one: updates on its workflows get no answer. */
const deadQueue = uid('alertctl-no-worker');
const ruleId = uid('rule');
/** This suite's settings: its stream, the stack's Redis, a UI address. */
const suiteEnv = { REDIS_URL, ALERT_STREAM: stream, TEMPORAL_UI_URL: 'http://ui.example' };
/** The environment of the package bin's processes. */
const baseEnv = (): Record<string, string> => ({ PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...TEMPORAL_ENV, ...suiteEnv });
type Runner = (args: string[], env?: Record<string, string>) => Promise<AlertctlResult>;
/** alertctl in-process with this suite's settings (plus `env`). */
const alertctl: Runner = (args, env = {}) => runAlertctl(args, { ...suiteEnv, ...env });
/** alertctl as a child process (dist/src/alertctl.js) with this suite's settings (plus `env`). */
const spawned: Runner = (args, env = {}) => spawnAlertctl(args, { ...suiteEnv, ...env });

let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
let r: Redis;
let seq = 0;

/** Starts a stand-in delivery of `event` as the message `<now>-<n>` of `stream`; resolves with its message and workflow IDs. */
async function startDelivery(event: AlertEvent, opts: FakeDeliveryOptions & { queue?: string } = {}): Promise<{ messageId: string; workflowId: string; req: DeliveryRequest }> {
  const messageId = `${Date.now()}-${++seq}`;
  const workflowId = workflowIdFor(stream, messageId);
  const req: DeliveryRequest = { stream, group: 'alert-processor', messageId, deliveryId: workflowId, receivedAt: new Date().toISOString(), event };
  await env.client.workflow.start('deliverAlert', {
    taskQueue: opts.queue ?? taskQueue, workflowId, args: [req, { ackable: opts.ackable }],
    typedSearchAttributes: [{ key: SA_STATUS, value: 'pending' }, { key: SA_SEVERITY, value: event.severity }, { key: SA_RULE_ID, value: event.ruleId }],
  });
  return { messageId, workflowId, req };
}

/** The stream entry `id` as its `event` field, parsed. */
async function entry(key: string, id: string): Promise<{ fields: string[]; event: Record<string, unknown> }> {
  const [[, fields]] = await r.xrange(key, id, id);
  return { fields, event: JSON.parse(fields[fields.indexOf('event') + 1]) as Record<string, unknown> };
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((res) => setTimeout(res, 300));
  }
}

beforeAll(async () => {
  env = await devServerEnv();
  worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath: require.resolve('./workflows/alertctl') });
  running = worker.run();
  r = redis();
});

afterAll(async () => {
  await terminateOpen(env.client, taskQueue);
  await terminateOpen(env.client, deadQueue);
  worker?.shutdown();
  await running;
  await cleanup(r, undefined, [stream, otherStream], []);
  r.disconnect();
  await env.teardown();
});

describe('usage errors: exit 2, one line and a usage hint, never a stack trace', () => {
  const cases: [string, string[]][] = [
    ['an unknown command', ['frobnicate']],
    ['an option before the command', ['--bogus']],
    ['an unknown flag', ['ack', '1-0', '--by', 'alice', '--bogus']],
    ['a flag without its value', ['ack', '1-0', '--by']],
    ['a missing required flag', ['ack', '1-0']],
    ['a missing ID', ['ack', '--by', 'alice']],
    ['a malformed duration', ['ack', '1-0', '--by', 'alice', '--timeout', 'soon']],
    ['a value for a boolean flag', ['list', '--json=yes']],
    ['a malformed number', ['list', '--limit', 'many']],
    ['an unknown severity', ['list', '--severity', 'urgent']],
    ['a quote in a query value', ['list', '--rule', 'a"b']],
    ['a malformed --since', ['list', '--since', 'yesterday']],
    ['an extra argument', ['status', '1-0', '2-0']],
    ['show without an ID', ['show']],
    ['resolve without an ID', ['resolve']],
    ['retry with an ID and --all-failed', ['retry', '1-0', '--all-failed']],
    ['abandon without --reason', ['abandon', '1-0']],
    ['history without an ID', ['history']],
    ['publish with an invalid severity', ['publish', '--severity', 'urgent']],
    ['publish with a malformed label', ['publish', '--label', 'no-equals-sign']],
    ['publish with a missing file', ['publish', '--file', '/nonexistent/event.json']],
    ['index-template with a negative priority', ['index-template', '--priority', '-1']],
    ['index-template with a priority that is no number', ['index-template', '--priority', 'high']],
  ];

  async function expectUsageError(run: Runner, args: string[]): Promise<void> {
    const res = await run(args);
    expect(res).toMatchObject({ code: 2, stdout: '' });
    const lines = res.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^alertctl( [\w-]+)?: \S/);
    expect(lines[1]).toMatch(/^(usage: alertctl [\w-]+ .*--help\)|see: alertctl --help)$/);
    expect(res.stderr).not.toMatch(/\n\s+at /);

    const json = await run([...args, '--json']);
    expect(json).toMatchObject({ code: 2, stdout: '' });
    expect(JSON.parse(json.stderr)).toEqual({ error: expect.any(String), code: 2, usage: expect.any(String) });
    // the same message (appending --json may make a trailing flag's missing value "ambiguous": a hint is added then)
    expect(JSON.parse(json.stderr).error.startsWith(lines[0].replace(/^alertctl( [\w-]+)?: /, ''))).toBe(true);
  }

  it.each(cases)('%s', (_name, args) => expectUsageError(alertctl, args));

  // One case as a real process: the exit code 2 comes out of the process (the rest run in-process).
  it('an unknown flag, as a spawned process (dist/src/alertctl.js)', () => expectUsageError(spawned, ['ack', '1-0', '--by', 'alice', '--bogus']));

  it('--help, per command and overall, exits 0 (also as JSON)', async () => {
    const help = await alertctl(['--help']);
    expect(help.code).toBe(0);
    for (const cmd of ['publish', 'status', 'list', 'ack', 'resolve', 'retry', 'abandon', 'history', 'index-template']) expect(help.stdout).toContain(`\n  ${cmd} `);
    expect(help.stdout).toMatch(/exit codes: 0 ok, 1 not found/);
    const ack = await alertctl(['ack', '--help', '--json']);
    expect(ack.code).toBe(0);
    expect(JSON.parse(ack.stdout)).toMatchObject({ command: 'ack', usage: expect.stringContaining('--by NAME') });
  });
});

describe('not found: exit 1', () => {
  const missing = `${stream}:0-${Date.now()}`;
  async function expectNotFound(run: Runner, cmd: string, args: string[]): Promise<void> {
    const res = await run([cmd, ...args]);
    expect(res).toMatchObject({ code: 1, stdout: '' });
    expect(res.stderr.trim()).toBe(`alertctl ${cmd === 'show' ? 'status' : cmd}: not found: no workflow ${missing} in namespace ${TEMPORAL_ENV.TEMPORAL_NAMESPACE ?? 'default'}`);
    const json = await run([cmd, ...args, '--json']);
    expect(json).toMatchObject({ code: 1, stdout: '' });
    expect(JSON.parse(json.stderr)).toEqual({ error: `not found: no workflow ${missing} in namespace ${TEMPORAL_ENV.TEMPORAL_NAMESPACE ?? 'default'}`, code: 1 });
  }

  it.each([
    ['status', [missing]], ['show', [missing]], ['ack', [missing, '--by', 'alice']], ['resolve', [missing]],
    ['retry', [missing]], ['abandon', [missing, '--reason', 'gone']], ['history', [missing]],
  ])('%s of an unknown workflow', (cmd, args) => expectNotFound(alertctl, cmd, args));

  // One case as a real process: the exit code 1 comes out of the process (the rest run in-process).
  it('status of an unknown workflow, as a spawned process (dist/src/alertctl.js)', () => expectNotFound(spawned, 'status', [missing]));

  it('a message ID (without the stream) is looked up in ALERT_STREAM', async () => {
    const res = await alertctl(['ack', '0-1', '--by', 'alice']);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`no workflow ${stream}:0-1 `);
  });

  it('failures of the servers are exit 1 with the reason, without a stack trace', async () => {
    const temporal = await alertctl(['list', '--address', '127.0.0.1:1', '--json']);
    expect(temporal).toMatchObject({ code: 1, stdout: '' });
    expect(JSON.parse(temporal.stderr)).toEqual({ error: expect.stringMatching(/^cannot reach Temporal at 127\.0\.0\.1:1 /), code: 1 });
    const redisDown = await alertctl(['publish'], { REDIS_URL: 'redis://127.0.0.1:1' });
    expect(redisDown).toMatchObject({ code: 1, stdout: '' });
    expect(redisDown.stderr.trim()).toMatch(/^alertctl publish: cannot append to stream \S+ at redis:\/\/127\.0\.0\.1:1 .*ECONNREFUSED/);
    expect(redisDown.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('--json output', () => {
  it('list: the deliveries matching the filters, with their search attributes', async () => {
    const { workflowId } = await startDelivery(alertEvent({ ruleId, severity: 'high' }));
    const listed = await waitFor('visibility', async () => {
      const res = await alertctl(['list', '--rule', ruleId, '--json']);
      expect(res.code).toBe(0);
      const doc = JSON.parse(res.stdout);
      return doc.count === 1 && doc;
    });
    expect(listed).toEqual({
      query: `WorkflowType = "deliverAlert" AND AlertRuleId = "${ruleId}"`,
      count: 1,
      alerts: [{
        workflowId, runId: expect.any(String), status: 'pending', severity: 'high', ruleId, failedChannels: [], execution: 'RUNNING',
        startTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), closeTime: null,
      }],
    });
    const human = await alertctl(['list', '--rule', ruleId, '--severity', 'high']);
    expect(human.code).toBe(0);
    expect(human.stdout.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split('\t').slice(0, 4))).toEqual([[workflowId, 'pending', 'high', ruleId]]);
    const none = await alertctl(['list', '--rule', ruleId, '--severity', 'low', '--json']);
    expect(JSON.parse(none.stdout)).toMatchObject({ count: 0, alerts: [] });
  });

  it('show / status: execution, search attributes and the state the workflow answers', async () => {
    const { messageId, workflowId } = await startDelivery(alertEvent({ ruleId }));
    const res = await alertctl(['show', messageId, '--json']);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({
      workflowId, execution: 'RUNNING', closeTime: null,
      searchAttributes: { AlertDeliveryStatus: ['pending'], AlertRuleId: [ruleId] },
      state: { status: 'pending', rounds: 1, channels: [{ channel: 'hook', status: 'delivered', attempts: 1 }] },
      ui: `http://ui.example/namespaces/${TEMPORAL_ENV.TEMPORAL_NAMESPACE ?? 'default'}/workflows/${encodeURIComponent(workflowId)}`,
    });
    const human = await alertctl(['status', workflowId]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`workflow  ${workflowId}   (RUNNING`);
    expect(human.stdout).toMatch(/\nstatus {4}pending {3}rounds 1\n/);
    expect(human.stdout).toMatch(/\n {2}hook +delivered +1 attempt\(s\)/);
  });

  it('publish: the message, its workflow ID and the event, as XADDed', async () => {
    const res = await alertctl(['publish', '--severity', 'critical', '--title', 'Disk full', '--label', 'team=db', '--alert-id', 'alertctl-json', '--json']);
    expect(res.code).toBe(0);
    const doc = JSON.parse(res.stdout);
    expect(doc).toMatchObject({ messageId: expect.stringMatching(/^\d+-\d+$/), stream, event: { alertId: 'alertctl-json', severity: 'critical', title: 'Disk full', labels: { team: 'db' } } });
    expect(doc.workflowId).toBe(workflowIdFor(stream, doc.messageId));
    expect((await entry(stream, doc.messageId)).event).toEqual(doc.event);
    const human = await alertctl(['publish', '--title', 'plain']);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(new RegExp(`^published \\d+-\\d+ to stream ${stream}\\nworkflow  ${stream}:\\d+-\\d+\\n`));
  });

  it('history and index-template', async () => {
    const { workflowId } = await startDelivery(alertEvent({ ruleId }));
    const res = await alertctl(['history', workflowId, '--json']);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout).events[0]).toMatchObject({ eventType: 'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED', workflowExecutionStartedEventAttributes: { workflowType: { name: 'deliverAlert' } } });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alertctl-'));
    try {
      const out = await alertctl(['history', workflowId, '--out', path.join(dir, 'h.json'), '--json']);
      expect(out.code).toBe(0);
      expect(JSON.parse(out.stdout)).toEqual({ workflowId, out: path.join(dir, 'h.json'), events: expect.any(Number) });
      expect(JSON.parse(fs.readFileSync(path.join(dir, 'h.json'), 'utf8')).events).toHaveLength(JSON.parse(out.stdout).events);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const tpl = await alertctl(['index-template', '--priority', '7', '--json'], { ALERT_INDEX: 'alertctl-test' });
    expect(tpl.code).toBe(0);
    expect(JSON.parse(tpl.stdout)).toMatchObject({ index_patterns: ['alertctl-test-*'], priority: 7 });
  });

  it('retry and abandon refused by a workflow without those updates: exit 1, the reason as JSON', async () => {
    const { workflowId } = await startDelivery(alertEvent({ ruleId }));
    for (const args of [['retry', workflowId], ['abandon', workflowId, '--reason', 'test']]) {
      const res = await alertctl([...args, '--json']);
      expect(res).toMatchObject({ code: 1, stdout: '' });
      expect(JSON.parse(res.stderr)).toEqual({ error: expect.stringMatching(new RegExp(`^${args[0]} refused by ${workflowId}: .*${args[0]}`)), code: 1 });
    }
  });
});

describe('alertctl ack', () => {
  it('acknowledges through the `acknowledge` update ({by, via: alertctl, note}) and prints the state', async () => {
    const { workflowId } = await startDelivery(alertEvent({ ruleId }));
    const res = await alertctl(['ack', workflowId, '--by', 'alice', '--note', 'on it', '--json']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual({
      workflowId, acknowledged: { by: 'alice', via: 'alertctl', note: 'on it' },
      state: expect.objectContaining({ status: 'pending', channels: [expect.objectContaining({ channel: 'hook' })] }),
    });
    expect(await env.client.workflow.getHandle(workflowId).query(ackedQuery)).toEqual({ by: 'alice', via: 'alertctl', note: 'on it' });

    // a second acknowledgement is refused by the workflow's validator: its reason, exit 1
    const again = await alertctl(['ack', workflowId, '--by', 'bob']);
    expect(again).toMatchObject({ code: 1, stdout: '' });
    expect(again.stderr.trim()).toBe(`alertctl ack: acknowledge refused by ${workflowId}: already acknowledged by alice`);
    expect(await env.client.workflow.getHandle(workflowId).query(ackedQuery)).toMatchObject({ by: 'alice' });
  });

  it('human output: who acknowledged, then the state', async () => {
    const { messageId, workflowId } = await startDelivery(alertEvent({ ruleId }));
    const res = await alertctl(['ack', messageId, '--by', 'carol']);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(new RegExp(`^acknowledged ${workflowId} by carol\\nstatus {4}pending`));
    expect(await env.client.workflow.getHandle(workflowId).query(ackedQuery)).toEqual({ by: 'carol', via: 'alertctl' });
  });

  it('a workflow that does not know the update: exit 1 with its reason', async () => {
    const { workflowId } = await startDelivery(alertEvent({ ruleId }), { ackable: false });
    const res = await alertctl(['ack', workflowId, '--by', 'alice', '--json']);
    expect(res).toMatchObject({ code: 1, stdout: '' });
    expect(JSON.parse(res.stderr)).toEqual({ error: expect.stringMatching(new RegExp(`^acknowledge refused by ${workflowId}: .*acknowledge`)), code: 1 });
  });

  it('a finished delivery: exit 1, "the delivery has finished"', async () => {
    const { workflowId } = await startDelivery(alertEvent({ ruleId }));
    const handle = env.client.workflow.getHandle(workflowId);
    await handle.signal(finishSignal);
    await handle.result();
    const res = await alertctl(['ack', workflowId, '--by', 'alice']);
    expect(res).toMatchObject({ code: 1, stdout: '' });
    expect(res.stderr.trim()).toBe('alertctl ack: cannot acknowledge: the delivery has finished (status delivered, workflow COMPLETED)');
  });

  it('no worker answers: exit 1 after --timeout', async () => {
    const { workflowId } = await startDelivery(alertEvent({ ruleId }), { queue: deadQueue });
    const t0 = Date.now();
    const res = await alertctl(['ack', workflowId, '--by', 'alice', '--timeout', '2s']);
    expect(res).toMatchObject({ code: 1, stdout: '' });
    expect(res.stderr.trim()).toBe(`alertctl ack: acknowledge: no answer from ${workflowId} within 2s (is a worker polling its task queue?)`);
    expect(Date.now() - t0).toBeLessThan(20_000);
  });
});

describe('alertctl resolve', () => {
  it("XADDs the firing event with status resolved (same alertId, firedAt, everything) to the stream; the ingest's parser accepts it", async () => {
    const firing = alertEvent({ ruleId, severity: 'critical', labels: { team: 'db', region: 'eu' }, channels: ['hook'] });
    const { messageId, workflowId } = await startDelivery(firing);
    const before = await r.xlen(stream);
    const res = await alertctl(['resolve', messageId, '--json']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const doc = JSON.parse(res.stdout);
    expect(doc).toEqual({
      messageId: expect.stringMatching(/^\d+-\d+$/), stream, workflowId: expect.any(String), ui: expect.stringContaining('http://ui.example/'),
      resolves: workflowId, alertId: firing.alertId, event: { ...firing, status: 'resolved' },
    });
    expect(doc.workflowId).toBe(workflowIdFor(stream, doc.messageId));
    expect(await r.xlen(stream)).toBe(before + 1);
    const { fields, event } = await entry(stream, doc.messageId);
    expect(event).toEqual({ ...firing, status: 'resolved' });
    expect(parseEntry(fields, { maxEventBytes: 64 * 1024 })).toEqual({ ...firing, status: 'resolved' });

    // by workflow ID, human output
    const human = await alertctl(['resolve', workflowId]);
    expect(human.code).toBe(0);
    const id = /^published (\d+-\d+) to stream /.exec(human.stdout)?.[1];
    expect(human.stdout).toContain(`incident ${firing.alertId} resolved (firing delivery ${workflowId})`);
    expect((await entry(stream, id!)).event).toMatchObject({ alertId: firing.alertId, status: 'resolved', firedAt: firing.firedAt });
  });

  it('refuses a delivery whose event is itself a resolved one (exit 1, nothing XADDed)', async () => {
    const { workflowId } = await startDelivery(alertEvent({ ruleId, status: 'resolved' }));
    const before = await r.xlen(stream);
    const res = await alertctl(['resolve', workflowId, '--json']);
    expect(res).toMatchObject({ code: 1, stdout: '' });
    expect(JSON.parse(res.stderr)).toEqual({ error: expect.stringMatching(/^cannot resolve: .* is the delivery of a resolved event/), code: 1 });
    expect(await r.xlen(stream)).toBe(before);
  });

  it("refuses a delivery of another stream than ALERT_STREAM (exit 1, nothing XADDed anywhere)", async () => {
    const { workflowId } = await startDelivery(alertEvent({ ruleId }));
    const before = await r.xlen(stream);
    const res = await alertctl(['resolve', workflowId], { ALERT_STREAM: otherStream });
    expect(res).toMatchObject({ code: 1, stdout: '' });
    expect(res.stderr.trim()).toBe(`alertctl resolve: cannot resolve: ${workflowId} came from stream ${stream}, but ALERT_STREAM is ${otherStream}: set ALERT_STREAM=${stream}`);
    expect(await r.xlen(stream)).toBe(before);
    expect(await r.xlen(otherStream)).toBe(0);
  });

  it('refuses a workflow that is not an alert delivery', async () => {
    const workflowId = `${stream}:${Date.now()}-${++seq}`;
    await env.client.workflow.start('somethingElse', { taskQueue: deadQueue, workflowId });
    const res = await alertctl(['resolve', workflowId]);
    expect(res).toMatchObject({ code: 1, stdout: '' });
    expect(res.stderr.trim()).toBe(`alertctl resolve: ${workflowId} is a somethingElse workflow, not an alert delivery (deliverAlert)`);
  });
});

describe('the package bin: npx alertctl', () => {
  it('`npx alertctl --help` works in the checkout; exit codes pass through', async () => {
    const npmEnv = { ...baseEnv(), npm_config_update_notifier: 'false', npm_config_loglevel: 'error' };
    const help = await spawn('npx', ['--no-install', 'alertctl', '--help'], { cwd: ROOT, env: npmEnv });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^alertctl <command> \[options\]/);
    expect(help.stdout).toContain('\n  ack ');
    const bad = await spawn('npx', ['--no-install', 'alertctl', 'frobnicate', '--json'], { cwd: ROOT, env: npmEnv });
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stderr.trim().split('\n').at(-1)!)).toMatchObject({ code: 2 });
  });

  it('the shim says to build when dist/ is missing', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alertctl-bin-'));
    try {
      fs.mkdirSync(path.join(dir, 'bin'));
      fs.copyFileSync(path.join(ROOT, 'bin/alertctl'), path.join(dir, 'bin/alertctl'));
      fs.chmodSync(path.join(dir, 'bin/alertctl'), 0o755);
      const res = await spawn(path.join(dir, 'bin/alertctl'), ['--help'], { cwd: dir, env: baseEnv() });
      expect(res).toMatchObject({ code: 1, stdout: '' });
      expect(res.stderr.trim()).toBe('alertctl: dist/src/alertctl.js is missing: run "npm run build" first');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('package.json names the shim as the alertctl bin, and it is executable', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.bin).toEqual({ alertctl: 'bin/alertctl' });
    expect(fs.statSync(path.join(ROOT, 'bin/alertctl')).mode & 0o111).toBe(0o111);
  });
});
