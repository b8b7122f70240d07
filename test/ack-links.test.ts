// Ack links in messages, at unit level: the worker's settings (ACK_LINK_BASE + ACK_SECRET[_FILE], ACK_LINK_TTL,
// ALERT_LIFECYCLE), the link notifyChannel puts on a page's firing notification (deterministic per delivery,
// verified by the intake's own check), and persistAlert with the lifecycle off (no incident claim).
// The whole path on the real stack (worker → webhook → intake → acknowledge) is test/ack-link-e2e.test.ts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment as TemporalMockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { LIFECYCLE_OFF_RESOLVED, createActivities, type ActivityDeps, type NotifyInput } from '../src/activities';
import type { ChannelRegistry } from '../src/channels/registry';
import type { OutgoingAlert } from '../src/channels/types';
import { loadConfig, type AckLinkSettings } from '../src/config';
import { ConfigError } from '../src/errors';
import { verifyAckToken } from '../src/ack-links';
import { loadIntakeConfig } from '../src/intake/config';
import type { AlertStore } from '../src/store';
import type { DeliveryRequest } from '../src/contracts/delivery';
import { alertEvent } from './helpers/alerts';

const SECRET = 'worker-and-intake-share-this-secret-0123456789';
const BASE = 'https://alerts.example.com';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ack-links-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The ConfigError's problems for a worker with this environment (fails the test if it loads). */
function problems(env: Record<string, string>, role: 'worker' | 'ingest' | 'tool' = 'worker'): string[] {
  try {
    loadConfig(role, env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error(`loadConfig(${role}) accepted ${JSON.stringify(env)}`);
}

describe('worker settings: ACK_LINK_BASE, ACK_SECRET / ACK_SECRET_FILE, ACK_LINK_TTL, ALERT_LIFECYCLE', () => {
  it('defaults: lifecycle on, ack links off', () => {
    const cfg = loadConfig('worker', {});
    expect(cfg.lifecycle).toBe(true);
    expect(cfg.ackLinks).toBeUndefined();
  });

  it('both set: links on, TTL 7d by default, the base without its trailing slash; the secret is kept out of a serialised config', () => {
    const cfg = loadConfig('worker', { ACK_LINK_BASE: `${BASE}/intake/`, ACK_SECRET: SECRET });
    expect(cfg.ackLinks).toMatchObject({ base: `${BASE}/intake`, ttlMs: 7 * 86_400_000 });
    expect(cfg.ackLinks!.secret.toString('utf8')).toBe(SECRET);
    expect(JSON.stringify(cfg)).not.toContain(SECRET);
    expect(JSON.stringify(cfg)).toContain(`${BASE}/intake`);
    expect(loadConfig('worker', { ACK_LINK_BASE: BASE, ACK_SECRET: SECRET, ACK_LINK_TTL: '36h' }).ackLinks!.ttlMs).toBe(36 * 3_600_000);
  });

  it('ACK_SECRET_FILE is read as the intake reads it: both get the same bytes (trailing newline not included)', () => {
    const file = path.join(dir, 'ack-secret');
    fs.writeFileSync(file, `${SECRET}\n`);
    const worker = loadConfig('worker', { ACK_LINK_BASE: BASE, ACK_SECRET_FILE: file }).ackLinks!.secret;
    const intakeProblems: string[] = [];
    const intake = loadIntakeConfig({ INTAKE_AUTH: 'none', ACK_SECRET_FILE: file }, intakeProblems).ackSecret!;
    expect(intakeProblems).toEqual([]);
    expect(worker.equals(intake)).toBe(true);
    expect(worker.toString('utf8')).toBe(SECRET);
  });

  it.each([
    ['the base without a secret', { ACK_LINK_BASE: BASE }, /^ACK_LINK_BASE is set but neither ACK_SECRET nor ACK_SECRET_FILE is: ack links need both/],
    ['a secret without the base', { ACK_SECRET: SECRET }, /^ACK_SECRET is set but ACK_LINK_BASE is not: ack links need both\. Set ACK_LINK_BASE to the intake's public URL/],
    ['a secret file without the base', { ACK_SECRET_FILE: '/dev/null' }, /^ACK_SECRET_FILE is set but ACK_LINK_BASE is not/],
    ['both ACK_SECRET and ACK_SECRET_FILE', { ACK_LINK_BASE: BASE, ACK_SECRET: SECRET, ACK_SECRET_FILE: '/dev/null' }, /^ACK_SECRET and ACK_SECRET_FILE exclude each other/],
    ['an unreadable secret file', { ACK_LINK_BASE: BASE, ACK_SECRET_FILE: '/nonexistent/ack-secret' }, /^ACK_SECRET_FILE=\/nonexistent\/ack-secret: cannot read \(ENOENT\)/],
    ['a short secret', { ACK_LINK_BASE: BASE, ACK_SECRET: 'short-secret' }, /^ACK_SECRET: is 12 bytes, at least 32 needed/],
    ['a base that is not a URL', { ACK_LINK_BASE: 'alerts.example.com', ACK_SECRET: SECRET }, /^ACK_LINK_BASE="alerts\.example\.com": not a URL/],
    ['a base with another protocol', { ACK_LINK_BASE: 'ftp://alerts.example.com', ACK_SECRET: SECRET }, /^ACK_LINK_BASE: protocol ftp: is not one of http:, https:/],
    ['a base with a query', { ACK_LINK_BASE: `${BASE}/?x=1`, ACK_SECRET: SECRET }, /^ACK_LINK_BASE: expected the intake's public URL without credentials, query or fragment/],
    ['a base with credentials', { ACK_LINK_BASE: 'https://u:p@alerts.example.com', ACK_SECRET: SECRET }, /without credentials, query or fragment/],
    ['a TTL that is not a duration', { ACK_LINK_BASE: BASE, ACK_SECRET: SECRET, ACK_LINK_TTL: 'a week' }, /^ACK_LINK_TTL="a week": expected a duration/],
    ['a TTL of 0', { ACK_LINK_BASE: BASE, ACK_SECRET: SECRET, ACK_LINK_TTL: '0' }, /^ACK_LINK_TTL="0": expected a duration above 0 and at most 365d/],
    ['a TTL over a year', { ACK_LINK_BASE: BASE, ACK_SECRET: SECRET, ACK_LINK_TTL: '400d' }, /^ACK_LINK_TTL="400d": expected a duration above 0 and at most 365d/],
    ['ALERT_LIFECYCLE neither on nor off', { ALERT_LIFECYCLE: 'maybe' }, /^ALERT_LIFECYCLE="maybe": expected on \(the default\) or off/],
    ['ack links with the lifecycle off', { ALERT_LIFECYCLE: 'off', ACK_LINK_BASE: BASE, ACK_SECRET: SECRET }, /^ACK_LINK_BASE: ack links need the incident lifecycle, and ALERT_LIFECYCLE=off leaves nothing to acknowledge/],
  ])('refuses %s, naming it and never the secret', (_what, env, problem) => {
    const found = problems(env);
    expect(found.some((p) => problem.test(p))).toBe(true);
    for (const p of found) expect(p).not.toContain(SECRET);
  });

  it('names every problem at once, with the other settings\' problems', () => {
    const found = problems({ ACK_SECRET: 'short', ACK_LINK_TTL: 'soon', GIVE_UP_AFTER: 'never', ALERT_LIFECYCLE: 'sometimes' });
    expect(found).toEqual(expect.arrayContaining([
      expect.stringMatching(/^GIVE_UP_AFTER="never"/),
      expect.stringMatching(/^ALERT_LIFECYCLE="sometimes"/),
      expect.stringMatching(/^ACK_SECRET: is 5 bytes/),
      expect.stringMatching(/^ACK_SECRET is set but ACK_LINK_BASE is not/),
    ]));
  });

  it('ALERT_LIFECYCLE=off is read by the worker; the ingest and the tools (the intake) ignore the worker\'s settings', () => {
    expect(loadConfig('worker', { ALERT_LIFECYCLE: 'off' }).lifecycle).toBe(false);
    // The intake (role tool) takes ACK_SECRET for itself, without ACK_LINK_BASE; the ingest shares the environment.
    for (const role of ['tool', 'ingest'] as const) {
      const cfg = loadConfig(role, { ACK_SECRET: SECRET, ALERT_LIFECYCLE: 'maybe' });
      expect(cfg.ackLinks).toBeUndefined();
      expect(cfg.lifecycle).toBe(true);
    }
  });
});

// ---------------------------------------------------------------------------------------------------
const settings = (): AckLinkSettings => loadConfig('worker', { ACK_LINK_BASE: BASE, ACK_SECRET: SECRET, ACK_LINK_TTL: '2d' }).ackLinks!;
const RECEIVED_AT = '2026-03-01T08:00:00.000Z';
/** An activity context without the activity's log lines on the test's output. */
class MockActivityEnvironment extends TemporalMockActivityEnvironment {
  constructor(info: ConstructorParameters<typeof TemporalMockActivityEnvironment>[0] = {}) {
    super(info, { logger: new DefaultLogger('WARN', () => undefined) });
  }
}

/** The activities over a fake store and one fake channel that records what it was asked to send. */
function activities(over: Partial<ActivityDeps> = {}) {
  const sent: OutgoingAlert[] = [];
  const claims = { claimFiring: jest.fn(), claimResolve: jest.fn() };
  const channels = {
    get: () => ({ name: 'hook', type: 'webhook', send: (a: OutgoingAlert) => (sent.push(a), Promise.resolve('HTTP 200')) }),
    plan: () => [{ name: 'hook', type: 'webhook', required: true, timeoutMs: 1000, retry: {} }],
    escalation: () => undefined,
    grouping: () => undefined,
  } as unknown as ChannelRegistry;
  // no inhibit rules (storm control): nothing recorded or looked up
  const store = { createIfAbsent: () => Promise.resolve({ created: true, delivered: false }), incidents: claims, inhibitions: { enabled: false } } as unknown as AlertStore;
  const acts = createActivities({ store, channels, park: { redriveIntervalMs: 0, giveUpAfterMs: 0 }, ...over });
  return { acts, sent, claims };
}

const notifyInput = (over: Partial<NotifyInput> = {}): NotifyInput => ({
  channel: 'hook', deliveryId: 'alerts:1772352000000-0', messageId: '1772352000000-0', workflowId: 'alerts:1772352000000-0',
  receivedAt: RECEIVED_AT, event: alertEvent({ alertId: 'inc-7' }), ...over,
});

describe('notifyChannel: the ack link of a page\'s firing notification', () => {
  it('signs <base>/ack/<token> for the delivery\'s workflow, expiring receivedAt + ACK_LINK_TTL; the intake\'s check accepts it', async () => {
    const { acts, sent } = activities({ ackLinks: settings() });
    await new MockActivityEnvironment().run(acts.notifyChannel, notifyInput());
    const url = sent[0].ackUrl!;
    expect(url).toMatch(/^https:\/\/alerts\.example\.com\/ack\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    const check = verifyAckToken(url.split('/ack/')[1], Buffer.from(SECRET), Date.parse(RECEIVED_AT));
    expect(check).toEqual({ ok: true, workflowId: 'alerts:1772352000000-0', expiresAt: new Date(Date.parse(RECEIVED_AT) + 2 * 86_400_000) });
    // another secret does not verify it
    expect(verifyAckToken(url.split('/ack/')[1], Buffer.from(`${SECRET}-rotated`), Date.parse(RECEIVED_AT))).toEqual({ ok: false, reason: 'invalid' });
  });

  it('is the same on every attempt, whenever it runs (so a webhook body stays byte-identical)', async () => {
    const { acts, sent } = activities({ ackLinks: settings() });
    const now = Date.now();
    const clock = jest.spyOn(Date, 'now').mockReturnValue(now);
    try {
      await new MockActivityEnvironment({ attempt: 1 }).run(acts.notifyChannel, notifyInput());
      clock.mockReturnValue(now + 3 * 3_600_000);
      await new MockActivityEnvironment({ attempt: 2 }).run(acts.notifyChannel, notifyInput());
    } finally {
      clock.mockRestore();
    }
    expect(sent).toHaveLength(2);
    expect(sent[1].ackUrl).toBe(sent[0].ackUrl);
    // an escalation level's notification (its own key) acknowledges the same delivery with the same link
    await new MockActivityEnvironment().run(acts.notifyChannel, notifyInput({ deliveryId: 'alerts:1772352000000-0:level-1' }));
    expect(sent[2].ackUrl).toBe(sent[0].ackUrl);
  });

  it('none on resolved notifications, none without ACK_LINK_BASE, none with the lifecycle off', async () => {
    const resolves = { deliveryId: 'alerts:1772351000000-0', workflowId: 'alerts:1772351000000-0' };
    const on = activities({ ackLinks: settings() });
    await new MockActivityEnvironment().run(on.acts.notifyChannel, notifyInput({ resolves, deliveryId: `${resolves.deliveryId}:resolved` }));
    await new MockActivityEnvironment().run(on.acts.notifyChannel, notifyInput({ event: alertEvent({ status: 'resolved' }) }));
    await new MockActivityEnvironment().run(on.acts.notifyChannel, notifyInput()); // the control: a firing one has it
    expect(on.sent.map((a) => a.ackUrl !== undefined)).toEqual([false, false, true]);
    expect(on.sent[0]).not.toHaveProperty('ackUrl');

    for (const deps of [{}, { ackLinks: settings(), lifecycle: false }]) {
      const off = activities(deps);
      await new MockActivityEnvironment().run(off.acts.notifyChannel, notifyInput());
      expect(off.sent[0]).not.toHaveProperty('ackUrl');
    }
  });
});

describe('persistAlert with ALERT_LIFECYCLE=off', () => {
  const request = (status?: 'firing' | 'resolved'): DeliveryRequest => ({
    stream: 'alerts', group: 'g', messageId: '1772352000000-0', deliveryId: 'alerts:1772352000000-0', receivedAt: RECEIVED_AT,
    event: alertEvent({ alertId: 'inc-8', ...(status ? { status } : {}) }),
  });

  it('claims no incident: a firing event pages its routed channels, with no incident role (no escalation, nothing to acknowledge)', async () => {
    const { acts, claims } = activities({ lifecycle: false });
    const r = await acts.persistAlert(request('firing'), { runId: 'run-1' });
    expect(r).toEqual({ channels: [expect.objectContaining({ name: 'hook' })], park: expect.any(Object) });
    expect(claims.claimFiring).not.toHaveBeenCalled();
  });

  it('a resolved event is recorded as unmatched (the reason says why), not sent', async () => {
    const { acts, claims } = activities({ lifecycle: false });
    const r = await acts.persistAlert(request('resolved'), { runId: 'run-1' });
    expect(r).toEqual({ channels: [], park: expect.any(Object), incident: { role: 'unmatched', reason: LIFECYCLE_OFF_RESOLVED } });
    expect(claims.claimResolve).not.toHaveBeenCalled();
  });

  it('the control: with the lifecycle on, the claim is made', async () => {
    const { acts, claims } = activities();
    claims.claimFiring.mockResolvedValue({ role: 'page' });
    expect((await acts.persistAlert(request('firing'), { runId: 'run-1' })).incident).toEqual({ role: 'page' });
    expect(claims.claimFiring).toHaveBeenCalledTimes(1);
  });
});
