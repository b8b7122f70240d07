// Records one workflow history per path of deliverAlert (and the group's) on the stack's Temporal dev server, into
// test/histories/<version>/ (the package's major.minor): the replay tests' baseline for that version. A released
// version's histories are never recorded again (docs/development.md: changing a running workflow); a new minor
// version records its own beside them:
//   npm run build && node dist/scripts/record-histories.js [path-name ...]
// With --encrypt, client and worker use the payload codec with the fixed test key (tools/replay-keys.ts) and the
// histories go to test/histories/<version>/encrypted/:
//   node dist/scripts/record-histories.js --encrypt delivered failed-retried-delivered
// Activities are scripted (tools/scripted-activities.ts) so that every path is reached on purpose.
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection, WithStartWorkflowOperation, type WorkflowHandle } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { ChannelPlan, ParkPolicy } from '../src/contracts/channels';
import type { DeliveryRequest } from '../src/contracts/delivery';
import type { GroupMember, GroupStart } from '../src/contracts/group';
import { abandonUpdate, acknowledgeUpdate, groupStatusQuery, incidentResolvedSignal, inhibitionEndedSignal, joinGroupSignal, retryUpdate, statusQuery } from '../src/contracts/messages';
import { payloadDataConverter } from '../src/codec';
import { loadTemporalTarget } from '../src/connections/temporal';
import type { alertGroup, deliverAlert } from '../src/workflows';
import { mockActivities, plan, request, type MockOptions, type Script } from '../tools/scripted-activities';
import { REPLAY_TEST_KEYS } from '../tools/replay-keys';

/** The histories' version: the package's major.minor (a patch release changes no workflow command). */
const HISTORY_VERSION = (JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version.split('.').slice(0, 2).join('.');

interface Path {
  name: string;
  channels: ChannelPlan[];
  script: Script;
  park?: ParkPolicy;
  /** Operator actions once the workflow is parked (cancel: as from the UI or CLI). */
  operate?: 'retry' | 'abandon' | 'cancel' | 'abandon-with-start' | 'acknowledge' | 'resolve' | 'source-resolved' | 'resolve-while-paging';
  /** What the store answers (refusals, an already finished document); a function: made when the path is recorded. */
  store?: MockOptions | (() => MockOptions);
  /** Keep failing until the parked workflow continues as new; then also record the first run as `<name>-first-run`. */
  untilContinued?: boolean;
}

let fixed = false;
const fast = (name: string, over: Partial<ChannelPlan> = {}) => plan(name, { retry: { ...plan(name).retry, initialInterval: 100, maximumInterval: 200 }, ...over });
const paths: Path[] = [
  { name: 'delivered', channels: [fast('hook')], script: () => 'ok' },
  { name: 'transient-then-delivered', channels: [fast('hook')], script: (_c, _a, call) => (call < 3 ? 'transient' : 'ok') },
  { name: 'failed-retried-delivered', channels: [fast('hook')], script: () => (fixed ? 'ok' : 'permanent'), operate: 'retry' },
  { name: 'failed-abandoned', channels: [fast('hook')], script: () => 'permanent', operate: 'abandon' },
  { name: 'two-channels-one-failed-retried', channels: [fast('slack'), fast('pager')], script: (c) => (c === 'slack' || fixed ? 'ok' : 'permanent'), operate: 'retry' },
  { name: 'redriven-delivered', channels: [fast('hook')], script: (_c, _a, call) => (call < 2 ? 'permanent' : 'ok'), park: { redriveIntervalMs: 1000, giveUpAfterMs: 0 } },
  { name: 'gave-up', channels: [fast('hook')], script: () => 'permanent', park: { redriveIntervalMs: 0, giveUpAfterMs: 1500 } },
  { name: 'already-delivered', channels: [fast('hook')], script: () => 'ok', store: { finishedAs: 'delivered' } },
  { name: 'parked-continued-as-new', channels: [fast('hook')], script: () => (fixed ? 'ok' : 'permanent'), park: { redriveIntervalMs: 20, giveUpAfterMs: 0 }, untilContinued: true },
  { name: 'best-effort-failed', channels: [fast('hook'), fast('chat', { required: false })], script: (c) => (c === 'chat' ? 'permanent' : 'ok') },
  { name: 'store-refused', channels: [fast('hook')], script: () => 'ok', store: { persistRefused: 'StoreRefusedError' } },
  { name: 'already-finished', channels: [fast('hook')], script: () => 'ok', store: { finishedAs: 'abandoned' } },
  { name: 'cancelled', channels: [fast('hook')], script: () => 'permanent', operate: 'cancel' },
  { name: 'abandoned-before-notify', channels: [fast('hook')], script: () => 'ok', operate: 'abandon-with-start' },
  // the incident lifecycle
  { name: 'incident-duplicate', channels: [fast('hook')], script: () => 'ok', store: { incident: { role: 'duplicate', of: 'alerts:1-0', reason: 'incident a-1 is firing: paged by alerts:1-0' } } },
  { name: 'incident-resolve-sent', channels: [fast('hook')], script: () => 'ok', store: { incident: { role: 'resolve', of: 'alerts:closed-0', firingDeliveryId: 'alerts:closed-0', reason: 'resolves incident a-1 paged by alerts:closed-0' } } },
  {
    name: 'incident-escalated-acknowledged', channels: [fast('chat'), fast('pager'), fast('manager')], script: () => 'ok', operate: 'acknowledge',
    store: { incident: { role: 'page' }, escalation: { policy: 'standard', initial: ['chat'], levels: [{ afterMs: 1000, channels: ['pager'] }, { afterMs: 600_000, channels: ['manager'] }], repeat: 0 } },
  },
  // storm control (docs/storm-control.md): decided by the persist result
  { name: 'storm-grouped', channels: [fast('hook')], script: () => 'ok', store: { incident: { role: 'page' }, group: { workflowId: 'alerts:group:db:0123456789abcdef0123', route: 'db', labels: { cluster: 'eu-1' }, timing: { waitMs: 500, intervalMs: 1000, repeatMs: 3_600_000 } } } },
  {
    name: 'storm-inhibited', channels: [fast('hook')], script: () => 'ok', operate: 'source-resolved',
    store: () => ({ incident: { role: 'page' }, suppressed: { kind: 'inhibit', rule: 0, by: { alertId: 'cluster-down', deliveryId: 'alerts:0-1', workflowId: 'alerts:0-1' }, until: new Date(Date.now() + 3_600_000).toISOString() } }),
  },
  { name: 'storm-resolve-wakes-inhibited', channels: [fast('hook')], script: () => 'ok', store: { incident: { role: 'resolve', of: 'alerts:closed-0', firingDeliveryId: 'alerts:closed-0', reason: 'resolves incident cluster-down' }, endsInhibitions: true } },
  {
    name: 'storm-silenced-then-delivered', channels: [fast('hook')], script: () => 'ok',
    store: () => ({ incident: { role: 'page' }, suppressed: { kind: 'silence', silenceId: 's-1', endsAt: new Date(Date.now() + 1500).toISOString(), comment: 'failover drill', createdBy: 'alice' } }),
  },
  // on call (1.1, docs/oncall.md): a level that pages the schedule's on-call, their rules, and nobody on call
  {
    name: 'oncall-paged-acknowledged', channels: [fast('ops')], script: () => 'ok', operate: 'acknowledge',
    store: {
      incident: { role: 'page' },
      escalation: { policy: 'oncall', initial: [], levels: [{ afterMs: 0, channels: [], notify: [{ schedule: 'primary' }] }, { afterMs: 600_000, channels: ['ops'] }], repeat: 0 },
      page: (i) => ({ paged: [{ person: 'alice', via: { schedule: 'primary' }, level: i.level, at: i.at, steps: [{ contact: 'chat', afterMs: 0, channel: fast('slack', { required: false }) }, { contact: 'mail', afterMs: 600_000, channel: fast('email', { required: false }) }] }], nobody: [], fallbackChannels: [] }),
    },
  },
  {
    name: 'oncall-resolved-while-paging', channels: [fast('ops')], script: () => 'ok', operate: 'resolve-while-paging',
    store: {
      incident: { role: 'page' },
      escalation: { policy: 'oncall', initial: [], levels: [{ afterMs: 0, channels: [], notify: [{ schedule: 'primary' }] }], repeat: 0 },
      page: (i) => ({ paged: [{ person: 'alice', via: { schedule: 'primary' }, level: i.level, at: i.at, steps: [{ contact: 'chat', afterMs: 0, channel: fast('slack', { required: false }) }, { contact: 'mail', afterMs: 600_000, channel: fast('email', { required: false }) }] }], nobody: [], fallbackChannels: [] }),
      resolvedPlans: () => [{ ...fast('slack', { required: false }), name: 'alice:chat', reaches: { person: 'alice', contact: 'chat', via: 'slack' } }],
    },
  },
  {
    name: 'oncall-nobody-fallback', channels: [fast('ops')], script: () => 'ok',
    store: {
      incident: { role: 'page' },
      escalation: { policy: 'oncall', initial: [], levels: [{ afterMs: 0, channels: [], notify: [{ schedule: 'primary' }] }], repeat: 0 },
      page: (i) => ({ paged: [], nobody: [{ target: i.targets[0], reason: 'nobody is on call for schedule "primary"', fallback: ['ops'] }], fallbackChannels: ['ops'] }),
    },
  },
  { name: 'incident-resolved-while-parked', channels: [fast('slack'), fast('pager')], script: (c) => (c === 'slack' ? 'ok' : 'permanent'), operate: 'resolve', store: { incident: { role: 'page' } } },
];

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger((process.env.RECORD_LOG_LEVEL as 'ERROR' | undefined) ?? 'ERROR') });
  const target = loadTemporalTarget(process.env);
  const encrypt = process.argv.includes('--encrypt');
  const dataConverter = payloadDataConverter(encrypt ? REPLAY_TEST_KEYS : undefined);
  const connection = await Connection.connect(target.connection);
  const client = new Client({ connection, dataConverter });
  const native = await NativeConnection.connect(target.connection);
  const outDir = path.join(__dirname, '..', '..', 'test', 'histories', HISTORY_VERSION, ...(encrypt ? ['encrypted'] : []));
  fs.mkdirSync(outDir, { recursive: true });
  const only = process.argv.slice(2).filter((a) => a !== '--encrypt'); // record only these paths (default: all)
  for (const p of paths.filter((x) => only.length === 0 || only.includes(x.name))) {
    fixed = false;
    const taskQueue = `record-${p.name}-${Date.now()}`;
    const mock = mockActivities(p.channels, p.script, p.park, false, typeof p.store === 'function' ? p.store() : p.store);
    const worker = await Worker.create({ connection: native, taskQueue, workflowsPath: require.resolve('../src/workflows'), activities: mock.activities, dataConverter });
    const workflowId = `alerts:${p.name}-${Date.now()}`;
    await worker.runUntil(async () => {
      const args: [DeliveryRequest] = [request(`${Date.now()}-0`)];
      let handle: WorkflowHandle<typeof deliverAlert>;
      if (p.operate === 'abandon-with-start') {
        // The abandon arrives with the start: it is handled before persist returns, so nothing is sent.
        const start = new WithStartWorkflowOperation<typeof deliverAlert>('deliverAlert', { taskQueue, workflowId, args, workflowIdConflictPolicy: 'FAIL' });
        await client.workflow.executeUpdateWithStart(abandonUpdate, { args: ['duplicate of another incident'], startWorkflowOperation: start });
        handle = await start.workflowHandle();
      } else {
        handle = await client.workflow.start<typeof deliverAlert>('deliverAlert', { taskQueue, workflowId, args });
      }
      if (p.untilContinued) {
        const firstRunId = (await handle.describe()).runId;
        while ((await handle.describe()).runId === firstRunId) await new Promise((r) => setTimeout(r, 200));
        fixed = true; // the next re-drive (in the new run) delivers
        const first = await client.workflow.getHandle(workflowId, firstRunId).fetchHistory();
        fs.writeFileSync(path.join(outDir, `${p.name}-first-run.json`), historyToJSON(first));
        process.stdout.write(`${p.name}-first-run: continued as new, ${first.events?.length} events\n`);
      }
      if (p.operate === 'acknowledge') {
        while ((await handle.query(statusQuery)).escalationLevel !== 1) await new Promise((r) => setTimeout(r, 100));
        await handle.executeUpdate(acknowledgeUpdate, { args: [{ by: 'alice', via: 'alertctl' }] });
      } else if (p.operate === 'source-resolved') {
        while ((await handle.query(statusQuery)).status !== 'inhibited') await new Promise((r) => setTimeout(r, 100));
        await handle.signal(inhibitionEndedSignal, { sourceAlertId: 'cluster-down' });
      } else if (p.operate === 'resolve-while-paging') {
        while ((await handle.query(statusQuery)).escalationLevel !== 1) await new Promise((r) => setTimeout(r, 100));
        await handle.signal(incidentResolvedSignal, { by: 'alerts:9-0' });
      } else if (p.operate === 'resolve') {
        while ((await handle.query(statusQuery)).status !== 'failed') await new Promise((r) => setTimeout(r, 100));
        await handle.signal(incidentResolvedSignal, { by: 'alerts:9-0' });
      } else if (p.operate && p.operate !== 'abandon-with-start') {
        while ((await handle.query(statusQuery)).status !== 'failed') await new Promise((r) => setTimeout(r, 100));
        fixed = true;
        if (p.operate === 'retry') await handle.executeUpdate(retryUpdate);
        else if (p.operate === 'abandon') await handle.executeUpdate(abandonUpdate, { args: ['receiver decommissioned'] });
        else await handle.cancel();
      }
      const result = await handle.result().catch((e: Error) => ({ status: `ended: ${e.message}` }));
      const history = await handle.fetchHistory();
      fs.writeFileSync(path.join(outDir, `${p.name}.json`), historyToJSON(history));
      process.stdout.write(`${p.name}: ${result.status}, ${history.events?.length} events\n`);
    });
  }
  if (only.length === 0 || only.includes('group-notified-resolved')) await recordGroup(client, native, outDir, dataConverter);
  await native.close();
  await connection.close();
}

/** The group workflow: two alerts join, one notification after group_wait, both resolve, the resolved notification, the end. */
async function recordGroup(client: Client, native: NativeConnection, outDir: string, dataConverter: DataConverter): Promise<void> {
  const name = 'group-notified-resolved';
  const taskQueue = `record-${name}-${Date.now()}`;
  const mock = mockActivities([fast('hook')], () => 'ok');
  const worker = await Worker.create({ connection: native, taskQueue, workflowsPath: require.resolve('../src/workflows'), activities: mock.activities, dataConverter });
  const workflowId = `alerts:group:db:${Date.now()}`;
  const start: GroupStart = { ref: { workflowId, route: 'db', labels: { cluster: 'eu-1' }, timing: { waitMs: 500, intervalMs: 1000, repeatMs: 3_600_000 } }, channels: [fast('hook')], park: { redriveIntervalMs: 0, giveUpAfterMs: 0 }, memberTimeoutMs: 86_400_000 };
  const member = (n: number, status: GroupMember['status']): GroupMember => ({
    alertId: `a-${n}`, deliveryId: `alerts:${n}-0${status === 'resolved' ? '-resolved' : ''}`, workflowId: `alerts:${n}-0`, status, severity: 'high', title: `disk full #${n}`, ruleName: 'DiskFull', firedAt: '2026-11-23T00:00:00.000Z',
  });
  await worker.runUntil(async () => {
    const handle = await client.workflow.start<typeof alertGroup>('alertGroup', { taskQueue, workflowId, args: [start] });
    for (const n of [1, 2]) await handle.signal(joinGroupSignal, member(n, 'firing'));
    while ((await handle.query(groupStatusQuery)).sequence < 1) await new Promise((r) => setTimeout(r, 100));
    for (const n of [1, 2]) await handle.signal(joinGroupSignal, member(n, 'resolved'));
    const result = await handle.result();
    const history = await handle.fetchHistory();
    fs.writeFileSync(path.join(outDir, `${name}.json`), historyToJSON(history));
    process.stdout.write(`${name}: ${result.status}, ${history.events?.length} events\n`);
  });
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
