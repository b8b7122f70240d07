// `alertctl oncall` in-process (test/helpers/alertctl.ts; --json, exit codes 0/1/2) against the real intake process
// (dist/src/intake.js) with the fixture's on-call file, its overrides in the stack's OpenSearch and calendar feeds on.
// Needs `npm run build` (dist/src/intake.js).
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import type { Client } from '@opensearch-project/opensearch';
import { OverrideStore } from '../../src/oncall/overrides';
import { runAlertctl, type AlertctlResult } from '../helpers/alertctl';
import { TEST_INTAKE_TOKEN, startIntake, type IntakeProcess } from '../helpers/intake';
import { OPENSEARCH_URL, cleanup, opensearch, redis, uid } from '../helpers/stack';
import { ADDRESS_MARKER, ONCALL_YAML, openDirectory, writeOnCallFile } from './fixture';

jest.setTimeout(120_000);

const SECRET = 'alertctl-ical-secret-0123456789abcdef0123456789';
const HOUR = 3_600_000;
const index = uid('oncall-cli');
const stream = uid('oncall-cli');

let os: Client;
let intake: IntakeProcess;
let oncallFile: string;
let store: OverrideStore;
/** An intake URL nobody listens on (a port just freed; fetch refuses well-known ports such as 1 outright). */
let nobody: string;

function alertctl(args: string[], extra: Record<string, string> = {}): Promise<AlertctlResult> {
  return runAlertctl(['oncall', ...args], { INTAKE_URL: intake.url, INTAKE_TOKEN: TEST_INTAKE_TOKEN, ONCALL_ICAL_SECRET: SECRET, ...extra });
}
/** Runs alertctl and expects exit 0 and an empty stderr; returns its parsed --json output. */
async function ok(args: string[], extra: Record<string, string> = {}): Promise<any> {
  const res = await alertctl([...args, '--json'], extra);
  expect({ code: res.code, stderr: res.stderr }).toEqual({ code: 0, stderr: '' });
  return res.json();
}

beforeAll(async () => {
  os = opensearch();
  oncallFile = writeOnCallFile();
  intake = await startIntake({ stream, extra: { OPENSEARCH_URL, ALERT_INDEX: index, ONCALL_FILE: oncallFile, ONCALL_ICAL_SECRET: SECRET } });
  store = new OverrideStore(os, OverrideStore.indexFor(index), openDirectory(oncallFile));
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  nobody = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  await new Promise((resolve) => server.close(resolve));
});
afterAll(async () => {
  // The intake never logged an address (its log is every line it wrote).
  const output = intake?.output() ?? '';
  await intake?.kill('SIGTERM');
  const r = redis();
  await cleanup(r, os, [stream], [index, OverrideStore.indexFor(index)]);
  r.disconnect();
  await os.close();
  if (output.includes(ADDRESS_MARKER)) throw new Error('the intake logged a contact address');
});

describe('alertctl oncall who', () => {
  it('answers one schedule at an instant (--json and text), and every schedule', async () => {
    expect(await ok(['who', '--schedule', 'primary', '--at', '2026-01-06T13:00:00+01:00'])).toEqual({
      at: '2026-01-06T12:00:00.000Z', schedule: { id: 'primary', name: 'Primary' }, people: [{ id: 'alice', name: 'Alice Example' }], source: { layer: 0 }, until: '2026-01-12T08:00:00.000Z',
    });
    const text = await alertctl(['who', '--at', '2026-01-10T12:00:00Z']);
    expect(text.code).toBe(0);
    expect(text.stdout.split('\n')).toEqual([
      expect.stringMatching(/^SCHEDULE +ON CALL +UNTIL +FROM$/),
      expect.stringMatching(/^primary +alice \(Alice Example\) +2026-01-12T08:00:00.000Z +layers\[0\]$/),
      expect.stringMatching(/^secondary +bob \(Bob Builder\) +2026-01-11T05:00:00.000Z +layers\[0\]$/),
      expect.stringMatching(/^daytime +nobody +\S+ +-$/),
      '# at 2026-01-10T12:00:00.000Z',
      '',
    ]);
  });

  it('an unknown schedule is exit 1 with the intake\'s reason', async () => {
    const res = await alertctl(['who', '--schedule', 'tertiary', '--json']);
    expect(res.code).toBe(1);
    expect(JSON.parse(res.stderr)).toEqual({ code: 1, error: 'not found: no schedule "tertiary" in the on-call file (schedules: primary, secondary, daytime)' });
  });
});

describe('alertctl oncall override', () => {
  it('add (relative times), who answers from it at once, a worker\'s store within 2 s; list; remove, kept as removed', async () => {
    const worker = new OverrideStore(os, OverrideStore.indexFor(index), openDirectory(oncallFile));
    const before = Date.now();
    expect(await worker.overlapping('primary', before, before + 4 * HOUR)).toEqual([]); // its cache is filled now
    const added = (await ok(['override', 'add', '--schedule', 'primary', '--person', 'carol', '--start', '+1h', '--end', '+3h', '--reason', 'dentist'])).override;
    expect(added).toMatchObject({ schedule: 'primary', person: 'carol', createdBy: 'tester', reason: 'dentist', state: 'upcoming', removedAt: null });
    expect(Date.parse(added.start) - before).toBeGreaterThanOrEqual(HOUR);
    expect(Date.parse(added.end) - Date.parse(added.start)).toBeGreaterThanOrEqual(2 * HOUR - 5_000);
    expect(await store.get(added.id)).toMatchObject({ id: added.id, person: 'carol' }); // durable, in the intake's index
    const written = Date.now();
    while ((await worker.overlapping('primary', before, before + 4 * HOUR)).length === 0) await new Promise((r) => setTimeout(r, 50));
    expect(Date.now() - written).toBeLessThan(2_500);

    const during = await ok(['who', '--schedule', 'primary', '--at', '+2h']);
    expect(during).toMatchObject({ people: [{ id: 'carol', name: 'Carol Cover' }], source: { override: { id: added.id, createdBy: 'tester', reason: 'dentist' } } });
    expect((await alertctl(['who', '--schedule', 'primary', '--at', '+2h'])).stdout).toContain(`override ${added.id} by tester: dentist`);

    expect(await ok(['override', 'list', '--schedule', 'primary'])).toEqual({ count: 1, overrides: [added] });
    const listed = (await alertctl(['override', 'list'])).stdout;
    expect(listed).toMatch(/^ID +STATE +SCHEDULE +PERSON +START +END +BY +REASON\n/);
    expect(listed).toContain(`${added.id}  upcoming  primary   carol   ${added.start}  ${added.end}  tester  dentist`);
    expect(listed).toContain('# 1 override(s)');

    const removed = await ok(['override', 'remove', added.id, '--by', 'bob']);
    expect(removed).toMatchObject({ removed: true, override: { id: added.id, state: 'removed', removedBy: 'bob' } });
    expect((await alertctl(['override', 'remove', added.id])).stdout).toBe(`override ${added.id} was removed already (by bob)\n`);
    expect(await ok(['override', 'list'])).toEqual({ count: 0, overrides: [] });
    expect((await ok(['override', 'list', '--all'])).overrides.map((o: { id: string }) => o.id)).toEqual([added.id]);
    expect((await ok(['who', '--schedule', 'primary', '--at', '+2h'])).source).toEqual({ layer: 0 });
  });

  it('refusals: the intake\'s problems are a usage error (2), nothing stored; an unknown ID is not found (1)', async () => {
    const res = await alertctl(['override', 'add', '--schedule', 'primary', '--person', 'mallory', '--start', 'now', '--end=-1h', '--json']);
    expect(res.code).toBe(2);
    expect(JSON.parse(res.stderr)).toMatchObject({ code: 2, error: expect.stringMatching(/^person: no person "mallory" in the on-call file; end: .* is not in the future/) });
    const unknown = await alertctl(['override', 'remove', 'no-such-override', '--json']);
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.stderr)).toEqual({ code: 1, error: 'not found: no override no-such-override' });
    expect((await ok(['override', 'list', '--all'])).count).toBe(1); // the one of the test before
  });
});

describe('alertctl oncall ical-url', () => {
  const token = (feed: string) => createHmac('sha256', SECRET).update(feed).digest('base64url');

  it('prints the feed URL with its token (computed independently here), which the intake serves', async () => {
    const res = await alertctl(['ical-url', '--schedule', 'primary']);
    expect(res.code).toBe(0);
    expect(res.stdout).toBe(`${intake.url}/oncall/ical/schedules/primary.ics?token=${token('/oncall/ical/schedules/primary.ics')}\n`);
    const feed = await fetch(res.stdout.trim());
    expect(feed.status).toBe(200);
    expect(await feed.text()).toMatch(/^BEGIN:VCALENDAR[\s\S]*SUMMARY:(Alice Example|Bob Builder) on call/);
    expect(await ok(['ical-url', '--person', 'bob', '--base', 'https://oncall.example.com/'])).toEqual({
      url: `https://oncall.example.com/oncall/ical/people/bob.ics?token=${token('/oncall/ical/people/bob.ics')}`, feed: 'person bob',
    });
  });

  it('fails when the intake refuses the token (another secret) or does not know the subject; --no-check prints it anyway', async () => {
    const other = { ONCALL_ICAL_SECRET: 'another-ical-secret-0123456789abcdef0123456789' };
    const refused = await alertctl(['ical-url', '--schedule', 'primary'], other);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^alertctl oncall: the intake refuses this feed's token: ONCALL_ICAL_SECRET here is not the intake's/);
    const unchecked = await alertctl(['ical-url', '--schedule', 'primary', '--no-check'], other);
    expect(unchecked.code).toBe(0);
    expect(unchecked.stdout).toMatch(/\/oncall\/ical\/schedules\/primary\.ics\?token=/);
    const unknown = await alertctl(['ical-url', '--person', 'mallory']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('the intake does not serve the feed of person mallory: no person "mallory" in the on-call file');
    const none = await alertctl(['ical-url', '--person', 'bob'], { ONCALL_ICAL_SECRET: '' });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('ONCALL_ICAL_SECRET (or ONCALL_ICAL_SECRET_FILE) is not set');
  });
});

describe('alertctl oncall: usage and reaching the intake', () => {
  it.each([
    [[], /a subcommand is needed: who, shifts, override, ical-url/],
    [['whom'], /unknown subcommand "whom"/],
    [['override'], /oncall override needs one of: add, list, remove/],
    [['override', 'edit'], /unknown subcommand "override edit"/],
    [['override', 'add', '--person', 'bob', '--start', 'now', '--end', '+1h'], /--schedule S is required/],
    [['override', 'add', '--schedule', 'primary', '--person', 'bob', '--start', 'soon', '--end', '+1h'], /--start soon: expected an ISO 8601 instant with a zone/],
    [['override', 'add', '--schedule', 'primary', '--person', 'bob', '--start', '2030-01-01T10:00', '--end', '+1h'], /--start 2030-01-01T10:00: expected an ISO 8601 instant with a zone/],
    [['override', 'remove'], /needs the override ID/],
    [['override', 'list', 'x'], /unexpected argument "x"/],
    [['who', 'primary'], /unexpected argument "primary"/],
    [['who', '--person', 'bob'], /--person is not an option of oncall who/],
    [['who', '--at', '+2 hours'], /--at \+2 hours: expected/],
    [['ical-url'], /one of --schedule S or --person P is required/],
    [['ical-url', '--schedule', 'primary', '--person', 'bob'], /one of --schedule S or --person P is required/],
  ])('usage error, exit 2, nothing asked of the intake: %j', async (args, why) => {
    const res = await alertctl([...args, '--json'], { INTAKE_URL: nobody }); // a request would fail with exit 1
    expect(res.code).toBe(2);
    expect(JSON.parse(res.stderr)).toMatchObject({ code: 2, error: expect.stringMatching(why) });
    expect(res.stdout).toBe('');
  });

  it('a wrong token is exit 1 naming INTAKE_TOKEN (never the token); an unreachable intake is exit 1 naming INTAKE_URL', async () => {
    const wrong = await alertctl(['who'], { INTAKE_TOKEN: 'wrong-token-0123456789abcdef' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toBe(`alertctl oncall: the intake at ${intake.url} refused the bearer token (invalid bearer token): set INTAKE_TOKEN (or INTAKE_TOKEN_FILE) to one it accepts\n`);
    const down = await alertctl(['who'], { INTAKE_URL: nobody });
    expect(down.code).toBe(1);
    expect(down.stderr).toBe(`alertctl oncall: cannot reach the intake at ${nobody} (INTAKE_URL): ECONNREFUSED\n`);
    expect(down.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace
  });
});

describe('the intake process', () => {
  it('reloads the on-call file on change: who answers from the new version', async () => {
    fs.writeFileSync(oncallFile, ONCALL_YAML.replace('name: Primary', 'name: Primary (EU)'));
    const deadline = Date.now() + 10_000;
    let name = '';
    while (Date.now() < deadline && name !== 'Primary (EU)') {
      name = (await ok(['who', '--schedule', 'primary'])).schedule.name;
    }
    expect(name).toBe('Primary (EU)');
  });
});
