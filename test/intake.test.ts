// The intake over HTTP (src/intake/): the API in-process (its fastify app on a port of 127.0.0.1) against the stack's Redis,
// the Alertmanager mapping as units, the ack links against the stack's Temporal with a tiny workflow of this
// test's own, and the real process (dist/src/intake.js) over real HTTP: start-up, a POST, SIGTERM.
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import Redis from 'ioredis';
import { createLogger } from '../src/logger';
import { ACK_TOKEN_MAX_LENGTH, ackLink, signAckToken, verifyAckToken } from '../src/ack-links';
import { temporalAcknowledger } from '../src/intake/acknowledge';
import { DEFAULT_ALERTMANAGER_MAPPING, alertmanagerAlertId, labelsFingerprint, mapAlertmanagerAlert, mapSeverity, type AlertmanagerMapping } from '../src/intake/alertmanager';
import { BearerAuth } from '../src/http/bearer-auth';
import { loadIntakeConfig } from '../src/intake/config';
import { buildIntakeServer, type IntakeApp, type IntakeDeps } from '../src/intake/server';
import { loadIntakeSettings } from '../src/config/intake';
import { StreamWriter } from '../src/intake/stream-writer';
import type { AlertEvent } from '../src/contracts/alert';
import { ackedQuery } from './workflows/ack';
import { TEST_ACK_SECRET, TEST_INTAKE_TOKEN, intakeEnv, startIntake, streamEvents } from './helpers/intake';
import { inject } from './helpers/inject';
import { startProcess } from './helpers/processes';
import { cleanup, devServerEnv, redis, uid } from './helpers/stack';

const TOKEN = 'in-process-token-0123456789abcdef';
const SECRET = Buffer.from('in-process-ack-secret-0123456789abcdef-xyz');
const silent = createLogger('intake-test', 'silent');


function alert(n: number, extra: Partial<AlertEvent> = {}): AlertEvent {
  return { alertId: `a-${n}`, ruleId: 'r-cpu', ruleName: 'CPU high', severity: 'critical', title: `CPU at 9${n}%`, view: 'prod', scope: `host-${n}`, firedAt: '2026-11-23T01:00:00Z', ...extra };
}

// ---------------------------------------------------------------------------------------------------------
describe('ack tokens (src/ack-links/token.ts)', () => {
  const now = Date.parse('2026-11-23T12:00:00Z');
  const token = signAckToken({ workflowId: 'alerts:1795399445129-0', expiresAt: now + 3_600_000 }, SECRET);

  it('a valid token verifies and carries the workflow ID and the expiry (to the second)', () => {
    expect(verifyAckToken(token, SECRET, now)).toEqual({ ok: true, workflowId: 'alerts:1795399445129-0', expiresAt: new Date(now + 3_600_000) });
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(ackLink('https://alerts.example.com/', { workflowId: 'w', expiresAt: now }, SECRET)).toMatch(/^https:\/\/alerts\.example\.com\/ack\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  });

  it('expired: at and after the expiry, not a second before', () => {
    expect(verifyAckToken(token, SECRET, now + 3_600_000 - 1_000).ok).toBe(true);
    expect(verifyAckToken(token, SECRET, now + 3_600_000)).toEqual({ ok: false, reason: 'expired' });
    expect(verifyAckToken(token, SECRET, new Date(now + 7_200_000))).toEqual({ ok: false, reason: 'expired' });
  });

  it('tampered: another workflow ID or expiry under the old signature, a changed signature, another secret', () => {
    const [, sig] = token.split('.');
    const forge = (claims: object) => `${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${sig}`;
    expect(verifyAckToken(forge({ v: 1, w: 'alerts:other-0', e: Math.floor(now / 1000) + 3600 }), SECRET, now)).toEqual({ ok: false, reason: 'invalid' });
    expect(verifyAckToken(forge({ v: 1, w: 'alerts:1795399445129-0', e: Math.floor(now / 1000) + 999_999 }), SECRET, now)).toEqual({ ok: false, reason: 'invalid' });
    const flipped = token.slice(0, -2) + (token.at(-2) === 'A' ? 'B' : 'A') + token.at(-1);
    expect(verifyAckToken(flipped, SECRET, now)).toEqual({ ok: false, reason: 'invalid' });
    expect(verifyAckToken(token, Buffer.from('another-secret-of-enough-length-0123456789'), now)).toEqual({ ok: false, reason: 'invalid' });
    // an expired token that was tampered with says "invalid", not "expired": nothing of an unverified token is read
    const expired = signAckToken({ workflowId: 'w', expiresAt: now - 1000 }, SECRET);
    expect(verifyAckToken(`${expired.split('.')[0]}.${sig}`, SECRET, now)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('malformed: no dot, three parts, not base64url, empty, too long', () => {
    for (const t of ['', 'abc', 'a.b.c', 'ab$.cd', `${'a'.repeat(ACK_TOKEN_MAX_LENGTH)}.b`, '.', `${token}.x`]) {
      expect([t.slice(0, 20), verifyAckToken(t, SECRET, now)]).toEqual([t.slice(0, 20), { ok: false, reason: expect.stringMatching(/^(malformed|invalid)$/) }]);
    }
    expect(verifyAckToken('abc', SECRET, now)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyAckToken('a.b.c', SECRET, now)).toEqual({ ok: false, reason: 'malformed' });
    // signed with the secret but not our claims
    const payload = Buffer.from('{"v":2}').toString('base64url');
    const sig = createHmac('sha256', SECRET).update('alert-ack.v1.').update(payload).digest('base64url');
    expect(verifyAckToken(`${payload}.${sig}`, SECRET, now)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('a secret under 32 bytes is refused for signing and verifying', () => {
    expect(() => signAckToken({ workflowId: 'w', expiresAt: now }, 'short')).toThrow(/at least 32/);
    expect(() => verifyAckToken(token, 'short', now)).toThrow(/at least 32/);
  });
});

// ---------------------------------------------------------------------------------------------------------
describe('bearer auth and settings', () => {
  it('accepts only a configured token; missing, malformed and wrong are told apart', () => {
    const auth = new BearerAuth([TOKEN, 'second-token-for-rotation-0001']);
    expect(auth.check(`Bearer ${TOKEN}`)).toEqual({ ok: true });
    expect(auth.check(`bearer   ${TOKEN}`)).toEqual({ ok: true });
    expect(auth.check('Bearer second-token-for-rotation-0001')).toEqual({ ok: true });
    expect(auth.check(undefined)).toEqual({ ok: false, reason: 'missing' });
    expect(auth.check(`Basic ${TOKEN}`)).toEqual({ ok: false, reason: 'malformed' });
    expect(auth.check(`Bearer ${TOKEN} extra`)).toEqual({ ok: false, reason: 'malformed' });
    expect(auth.check(`Bearer ${TOKEN}x`)).toEqual({ ok: false, reason: 'wrong' });
    expect(auth.check(`Bearer ${TOKEN.slice(0, -1)}`)).toEqual({ ok: false, reason: 'wrong' });
  });

  it('start-up refuses a missing token, a short one, a short ack secret, and bad values, all named at once', () => {
    expect(() => loadIntakeSettings({})).toThrow(/INTAKE_TOKEN or INTAKE_TOKEN_FILE: no bearer token configured/);
    let message = '';
    try {
      loadIntakeSettings({ INTAKE_TOKEN: 'short', ACK_SECRET: 'too-short', INTAKE_BODY_LIMIT: 'lots', INTAKE_AM_DEFAULT_SEVERITY: 'urgent', INTAKE_AM_SEVERITY_MAP: 'p0=critical,bad', REDIS_URL: 'http://x' });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('INTAKE_TOKEN: token 1 is 5 characters, at least 16 needed');
    expect(message).toContain('ACK_SECRET: is 9 bytes, at least 32 needed');
    expect(message).toContain('INTAKE_BODY_LIMIT="lots"');
    expect(message).toContain('INTAKE_AM_DEFAULT_SEVERITY: "urgent" is not one of');
    expect(message).toContain('INTAKE_AM_SEVERITY_MAP: "bad": expected value=severity');
    expect(message).toContain('REDIS_URL: protocol http:');
    expect(message).not.toContain('too-short');
  });

  it('INTAKE_AUTH=none needs no token (and excludes one); tokens and the secret may come from files', () => {
    const problems: string[] = [];
    expect(loadIntakeConfig({ INTAKE_AUTH: 'none' }, problems).auth).toBe('none');
    expect(problems).toEqual([]);
    loadIntakeConfig({ INTAKE_AUTH: 'none', INTAKE_TOKEN: TOKEN }, problems);
    expect(problems).toEqual(['INTAKE_AUTH=none and INTAKE_TOKEN exclude each other: unset one']);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'intake-'));
    fs.writeFileSync(path.join(dir, 'tokens'), `${TOKEN}\nsecond-token-for-rotation-0001\n`);
    fs.writeFileSync(path.join(dir, 'secret'), `${SECRET.toString()}\n`);
    const ok: string[] = [];
    const cfg = loadIntakeConfig({ INTAKE_TOKEN_FILE: path.join(dir, 'tokens'), ACK_SECRET_FILE: path.join(dir, 'secret'), INTAKE_BODY_LIMIT: '512kb', INTAKE_AM_SEVERITY_MAP: 'P0=critical' }, ok);
    expect(ok).toEqual([]);
    expect(cfg.tokens).toEqual([TOKEN, 'second-token-for-rotation-0001']);
    expect(cfg.ackSecret).toEqual(SECRET);
    expect(cfg.bodyLimit).toBe(512 * 1024);
    expect(mapSeverity('p0', cfg.alertmanager)).toBe('critical');
    const missing: string[] = [];
    loadIntakeConfig({ INTAKE_TOKEN_FILE: path.join(dir, 'nope') }, missing);
    expect(missing[0]).toMatch(/^INTAKE_TOKEN_FILE=.*nope: cannot read \(ENOENT\)$/);
    fs.rmSync(dir, { recursive: true });
  });
});

// ---------------------------------------------------------------------------------------------------------
describe('Alertmanager mapping (src/intake/alertmanager.ts)', () => {
  const base = {
    status: 'firing',
    labels: { alertname: 'DiskFull', severity: 'critical', instance: 'db-1:9100', view: 'storage', mount: '/var' },
    annotations: { summary: 'Disk /var at 99%', description: 'Only 200 MB left.' },
    startsAt: '2026-11-23T10:00:00.123456789Z',
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus/graph',
    fingerprint: '1a2b3c4d5e6f7a8b',
  };
  const map = (over: object = {}, mapping?: AlertmanagerMapping) => {
    const m = mapAlertmanagerAlert({ ...base, ...over }, mapping);
    if (!m.ok) throw new Error(JSON.stringify(m.problems));
    return m.event;
  };

  it('maps every field as the README documents', () => {
    expect(map()).toEqual({
      alertId: 'am:1a2b3c4d5e6f7a8b:2026-11-23T10:00:00.123Z',
      ruleId: 'DiskFull',
      ruleName: 'DiskFull',
      severity: 'critical',
      title: 'Disk /var at 99%',
      description: 'Only 200 MB left.',
      view: 'storage',
      scope: 'db-1:9100',
      labels: base.labels,
      firedAt: '2026-11-23T10:00:00.123456789Z',
      status: 'firing',
    });
  });

  it('firing and resolved of one incident share the alertId; a new startsAt is a new incident', () => {
    const firing = map();
    const resolved = map({ status: 'resolved', endsAt: '2026-11-23T10:30:00Z' });
    expect(resolved.status).toBe('resolved');
    expect(resolved.alertId).toBe(firing.alertId);
    // the same instant written with an offset is the same incident
    expect(map({ startsAt: '2026-11-23T11:00:00.123+01:00' }).alertId).toBe(firing.alertId);
    const again = map({ startsAt: '2026-11-23T12:00:00Z' });
    expect(again.alertId).not.toBe(firing.alertId);
    expect(again.alertId).toBe('am:1a2b3c4d5e6f7a8b:2026-11-23T12:00:00.000Z');
    // another series (fingerprint) at the same time is another alert
    expect(map({ fingerprint: 'ffffffffffffffff' }).alertId).not.toBe(firing.alertId);
  });

  it('without a fingerprint, computes Alertmanager\'s own (FNV-1a of the sorted labels)', () => {
    const { fingerprint: _, ...noFingerprint } = base;
    const m = mapAlertmanagerAlert(noFingerprint);
    expect(m.ok && m.event.alertId).toBe(`am:${labelsFingerprint(base.labels)}:2026-11-23T10:00:00.123Z`);
    // prometheus/common's model.LabelSet{}.Fingerprint() is the FNV-64a offset basis
    expect(labelsFingerprint({})).toBe('cbf29ce484222325');
    expect(labelsFingerprint({ b: '2', a: '1' })).toBe(labelsFingerprint({ a: '1', b: '2' }));
    expect(labelsFingerprint({ a: '1' })).not.toBe(labelsFingerprint({ a: '2' }));
  });

  it('severity: the documented table, case-insensitive; unknown or missing → INTAKE_AM_DEFAULT_SEVERITY', () => {
    const cases: Array<[string | undefined, string]> = [
      ['critical', 'critical'], ['CRITICAL', 'critical'], ['page', 'critical'], ['error', 'high'], ['high', 'high'],
      ['warning', 'medium'], ['Warn', 'medium'], ['low', 'low'], ['minor', 'low'], ['info', 'info'], ['none', 'info'],
      ['bogus', 'high'], [undefined, 'high'],
    ];
    for (const [label, expected] of cases) {
      const labels: Record<string, string> = { ...base.labels };
      if (label === undefined) delete labels.severity;
      else labels.severity = label;
      expect([label, map({ labels }).severity]).toEqual([label, expected]);
    }
    const custom: AlertmanagerMapping = { ...DEFAULT_ALERTMANAGER_MAPPING, severityLabel: 'priority', defaultSeverity: 'low', severityTable: { ...DEFAULT_ALERTMANAGER_MAPPING.severityTable, p0: 'critical' } };
    expect(map({ labels: { ...base.labels, priority: 'P0' } }, custom).severity).toBe('critical');
    expect(map({}, custom).severity).toBe('low'); // no `priority` label
  });

  it('missing annotations: the title falls back to alertname, no description; missing labels to the defaults', () => {
    const e = map({ annotations: undefined, labels: { alertname: 'Watchdog' } });
    expect(e).toMatchObject({ title: 'Watchdog', ruleId: 'Watchdog', ruleName: 'Watchdog', severity: 'high', view: 'alertmanager', scope: 'global' });
    expect(e).not.toHaveProperty('description');
    expect(map({ annotations: { summary: '  ', message: 'from message' } })).toMatchObject({ title: 'DiskFull', description: 'from message' });
    expect(map({ labels: { job: 'x' }, annotations: {} })).toMatchObject({ ruleId: 'alertmanager', ruleName: 'alertmanager', title: 'alertmanager' });
    const named: AlertmanagerMapping = { ...DEFAULT_ALERTMANAGER_MAPPING, titleAnnotations: ['headline'], viewLabel: 'namespace', scopeLabel: 'pod' };
    expect(map({ annotations: { headline: 'H' }, labels: { alertname: 'A', namespace: 'ns', pod: 'p-1' } }, named)).toMatchObject({ title: 'H', view: 'ns', scope: 'p-1' });
  });

  it('a multi-line summary becomes one line; startsAt that is no time, or no labels, is a problem', () => {
    expect(map({ annotations: { summary: 'line one\n  line\ttwo\u0007' } }).title).toBe('line one line two');
    expect(mapAlertmanagerAlert({ ...base, startsAt: 'yesterday' })).toEqual({ ok: false, fingerprint: base.fingerprint, alertname: 'DiskFull', problems: [{ path: 'startsAt', message: '"yesterday" is not a time' }] });
    const m = mapAlertmanagerAlert({ status: 'pending', startsAt: base.startsAt });
    expect(m.ok).toBe(false);
    expect(!m.ok && m.problems.map((p) => p.path)).toEqual(['status', 'labels']);
    expect(alertmanagerAlertId('f', 'not a time')).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------------------
describe('the API in-process against the stack\'s Redis', () => {
  let r: Redis;
  const streams: string[] = [];
  const apps: IntakeApp[] = [];

  beforeAll(() => {
    r = redis();
  });
  afterAll(async () => {
    for (const a of apps) await a.close();
    await cleanup(r, undefined, streams, []);
    r.disconnect();
  });

  function intake(over: Partial<IntakeDeps['cfg']> = {}, deps: Partial<IntakeDeps> = {}): { app: IntakeApp; stream: string } {
    const stream = uid('intake');
    streams.push(stream);
    const app = buildIntakeServer({
      cfg: { auth: 'bearer', tokens: [TOKEN], bodyLimit: 64 * 1024, maxAlerts: 10, alertmanager: DEFAULT_ALERTMANAGER_MAPPING, ...over },
      log: silent,
      writer: new StreamWriter(r, stream, 5_000),
      limits: { maxEventBytes: 4096, channels: new Set(['default-webhook', 'pager']) },
      ready: () => true,
      ...deps,
    });
    apps.push(app);
    return { app, stream };
  }
  const post = (app: IntakeApp, url: string, body: unknown, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) =>
    inject(app, { method: 'POST', url, headers: { 'content-type': 'application/json', ...headers }, payload: typeof body === 'string' ? body : JSON.stringify(body) });

  it('one AlertEvent → 202 with its message ID; the stream holds exactly the event (normalized)', async () => {
    const { app, stream } = intake();
    const res = await post(app, '/api/v1/alerts', { ...alert(1, { title: '  CPU at 91%  ' }), unknownField: 'dropped' });
    expect(res.statusCode).toBe(202);
    const body = res.json();
    const events = await streamEvents(r, stream);
    expect(body).toEqual({ accepted: 1, stream, ids: [events[0].id], deliveryIds: [`${stream}:${events[0].id}`] });
    expect(events.map((e) => e.event)).toEqual([alert(1)]);
  });

  it('an array → 202 with the message IDs in request order, XADDed in that order', async () => {
    const { app, stream } = intake();
    const items = [alert(3), alert(1, { status: 'resolved' }), alert(2, { channels: ['pager'], labels: { team: 'infra' } })];
    const res = await post(app, '/api/v1/alerts', items);
    expect(res.statusCode).toBe(202);
    const events = await streamEvents(r, stream);
    expect(events.map((e) => e.event)).toEqual(items);
    expect(res.json().ids).toEqual(events.map((e) => e.id));
  });

  it('a bad array → 400 naming every problem (index, path, message), and nothing is written', async () => {
    const { app, stream } = intake();
    const items = [alert(1), { ...alert(2), severity: 'urgent', firedAt: '2026-11-23 01:00' }, alert(3), { ...alert(4), channels: ['nope'] }, { ...alert(5), labels: { 'bad\u0001key': 'v' } }];
    const res = await post(app, '/api/v1/alerts', items);
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.error).toBe('3 of 5 alert(s) invalid; nothing was written');
    expect(body.problems.map((p: any) => [p.index, p.path])).toEqual([[1, 'severity'], [1, 'firedAt'], [3, 'channels'], [4, 'labels.bad\u0001key']]);
    expect(body.problems[0].message).toMatch(/expected one of "critical"/);
    expect(body.problems[2].message).toBe('unknown channel(s) "nope" (configured: default-webhook, pager)');
    expect(body.problems[3].message).toBe('must not contain control characters');
    expect(await r.xlen(stream)).toBe(0);
  });

  it('refuses what the ingest would reject: over MAX_EVENT_BYTES, not an object, an empty array', async () => {
    const { app, stream } = intake();
    const big = await post(app, '/api/v1/alerts', alert(1, { description: 'x'.repeat(5000) }));
    expect(big.statusCode).toBe(400);
    expect(big.json().problems).toEqual([{ index: 0, path: '(event)', message: expect.stringMatching(/^is \d+ bytes as JSON, over the limit of 4096 \(MAX_EVENT_BYTES\)$/) }]);
    expect((await post(app, '/api/v1/alerts', '"text"')).statusCode).toBe(400);
    expect((await post(app, '/api/v1/alerts', '[]')).json()).toEqual({ error: 'empty array: no alerts' });
    expect((await post(app, '/api/v1/alerts', '{"alertId":')).statusCode).toBe(400);
    expect(await r.xlen(stream)).toBe(0);
  });

  it('401 without a token, with a wrong one or another scheme; the token is never echoed; nothing written', async () => {
    const { app, stream } = intake();
    const wrong = 'wrong-token-0123456789abcdef-SECRETISH';
    const cases: Array<Record<string, string>> = [{}, { authorization: `Bearer ${wrong}` }, { authorization: `Basic ${Buffer.from(`u:${TOKEN}`).toString('base64')}` }];
    for (const headers of cases) {
      for (const url of ['/api/v1/alerts', '/api/v1/alertmanager']) {
        const res = await post(app, url, [alert(1)], headers);
        expect([url, headers, res.statusCode]).toEqual([url, headers, 401]);
        expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="alert-intake"/);
        expect(res.body).not.toContain(wrong);
        expect(res.body).not.toContain(TOKEN);
      }
    }
    expect(await r.xlen(stream)).toBe(0);
  });

  it('INTAKE_AUTH=none takes alerts without a token', async () => {
    const { app, stream } = intake({ auth: 'none', tokens: [] });
    expect((await post(app, '/api/v1/alerts', alert(1), {})).statusCode).toBe(202);
    expect(await r.xlen(stream)).toBe(1);
  });

  it('413 for a body over INTAKE_BODY_LIMIT and for more alerts than INTAKE_MAX_ALERTS; nothing written', async () => {
    const { app, stream } = intake({ bodyLimit: 2048, maxAlerts: 3 });
    const big = await post(app, '/api/v1/alerts', Array.from({ length: 3 }, (_, i) => alert(i, { description: 'y'.repeat(800) })));
    expect(big.statusCode).toBe(413);
    const many = await post(app, '/api/v1/alerts', Array.from({ length: 4 }, (_, i) => alert(i)));
    expect(many.statusCode).toBe(413);
    expect(many.json().error).toBe('4 alerts in one request, at most 3 (INTAKE_MAX_ALERTS); nothing was written');
    expect((await post(app, '/api/v1/alerts', Array.from({ length: 3 }, (_, i) => alert(i)))).statusCode).toBe(202); // at the limits: accepted
    expect(await r.xlen(stream)).toBe(3);
  });

  it('415 for a body that is not JSON; 503 (nothing written, retry) when Redis cannot take the write', async () => {
    const { app } = intake();
    const text = await inject(app, { method: 'POST', url: '/api/v1/alerts', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'text/plain' }, payload: 'hello' });
    expect(text.statusCode).toBe(415);
    const urlencoded = await inject(app, { method: 'POST', url: '/api/v1/alerts', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'alertId=a-1' });
    expect(urlencoded.statusCode).toBe(415); // the ack form's parser is the ack routes' own
    const down = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    down.on('error', () => undefined);
    try {
      const { app: offline } = intake({}, { writer: new StreamWriter(down, 'unreachable', 1_000) });
      const res = await post(offline, '/api/v1/alerts', [alert(1), alert(2)]);
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
    } finally {
      down.disconnect();
    }
  });

  it('POST /api/v1/alertmanager: one AlertEvent per alert, in order; group and alert status are each kept', async () => {
    const { app, stream } = intake();
    const payload = {
      version: '4', status: 'firing', receiver: 'intake', groupKey: '{}:{alertname="DiskFull"}', truncatedAlerts: 0, externalURL: 'http://am:9093',
      groupLabels: { alertname: 'DiskFull' }, commonLabels: { alertname: 'DiskFull' }, commonAnnotations: {},
      alerts: [
        { status: 'firing', labels: { alertname: 'DiskFull', severity: 'warning', instance: 'db-1' }, annotations: { summary: 'db-1 /var full' }, startsAt: '2026-11-23T10:00:00Z', endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://p', fingerprint: 'aaaaaaaaaaaaaaaa' },
        { status: 'resolved', labels: { alertname: 'DiskFull', severity: 'warning', instance: 'db-2' }, annotations: {}, startsAt: '2026-11-23T09:00:00Z', endsAt: '2026-11-23T09:30:00Z', generatorURL: 'http://p', fingerprint: 'bbbbbbbbbbbbbbbb' },
      ],
    };
    const res = await post(app, '/api/v1/alertmanager', payload);
    expect(res.statusCode).toBe(202);
    expect(res.json().alertIds).toEqual(['am:aaaaaaaaaaaaaaaa:2026-11-23T10:00:00.000Z', 'am:bbbbbbbbbbbbbbbb:2026-11-23T09:00:00.000Z']);
    const events = await streamEvents(r, stream);
    expect(events.map((e) => [e.event.alertId, e.event.status, e.event.severity, e.event.scope, e.event.title])).toEqual([
      ['am:aaaaaaaaaaaaaaaa:2026-11-23T10:00:00.000Z', 'firing', 'medium', 'db-1', 'db-1 /var full'],
      ['am:bbbbbbbbbbbbbbbb:2026-11-23T09:00:00.000Z', 'resolved', 'medium', 'db-2', 'DiskFull'],
    ]);
    expect(res.json().ids).toEqual(events.map((e) => e.id));
  });

  it('POST /api/v1/alertmanager with one bad alert → 400 naming it (index, fingerprint, alertname), nothing written', async () => {
    const { app, stream } = intake();
    const good = { status: 'firing', labels: { alertname: 'Ok' }, annotations: {}, startsAt: '2026-11-23T10:00:00Z', fingerprint: '1111111111111111' };
    const tooManyLabels = Object.fromEntries(Array.from({ length: 70 }, (_, i) => [`l${i}`, 'v']));
    const payload = { version: '4', status: 'firing', alerts: [good, { ...good, labels: { ...tooManyLabels, alertname: 'Noisy' }, fingerprint: '2222222222222222' }, { ...good, startsAt: 'soon', fingerprint: '3333333333333333' }] };
    const res = await post(app, '/api/v1/alertmanager', payload);
    expect(res.statusCode).toBe(400);
    expect(res.json().problems).toEqual([{ index: 2, fingerprint: '3333333333333333', alertname: 'Ok', path: 'startsAt', message: '"soon" is not a time' }]);
    const res2 = await post(app, '/api/v1/alertmanager', { ...payload, alerts: payload.alerts.slice(0, 2) });
    expect(res2.statusCode).toBe(400);
    expect(res2.json().problems).toEqual([{ index: 1, fingerprint: '2222222222222222', alertname: 'Noisy', path: 'labels', message: 'at most 64 labels' }]);
    expect((await post(app, '/api/v1/alertmanager', { version: '3', alerts: [] })).json().problems).toEqual([{ path: 'version', message: expect.any(String) }]);
    expect((await post(app, '/api/v1/alertmanager', [good])).statusCode).toBe(400);
    expect(await r.xlen(stream)).toBe(0);
  });

  it('/healthz always; /readyz follows readiness; unknown paths 404; ack routes are off without ACK_SECRET', async () => {
    let ready = false;
    const { app } = intake({}, { ready: () => ready });
    expect((await inject(app, '/healthz')).statusCode).toBe(200);
    expect((await inject(app, '/readyz')).statusCode).toBe(503);
    ready = true;
    expect((await inject(app, '/readyz')).statusCode).toBe(200);
    expect((await inject(app, '/nope')).statusCode).toBe(404);
    expect((await inject(app, `/ack/${signAckToken({ workflowId: 'w', expiresAt: Date.now() + 60_000 }, SECRET)}`)).statusCode).toBe(404);
  });
});

// ---------------------------------------------------------------------------------------------------------
describe('ack links against the stack\'s Temporal (a test workflow handling acknowledgeUpdate)', () => {
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  let app: IntakeApp;
  const taskQueue = uid('intake-ack');
  const started: string[] = [];

  beforeAll(async () => {
    env = await devServerEnv();
    worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath: require.resolve('./workflows/ack') });
    running = worker.run();
    app = buildIntakeServer({
      cfg: { auth: 'bearer', tokens: [TOKEN], bodyLimit: 64 * 1024, maxAlerts: 10, alertmanager: DEFAULT_ALERTMANAGER_MAPPING, ackSecret: SECRET },
      log: silent,
      writer: { stream: 'unused', add: () => Promise.reject(new Error('not in this test')) },
      limits: { maxEventBytes: 4096, channels: new Set() },
      acknowledge: temporalAcknowledger(env.client, 5_000),
      ready: () => true,
    });
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    for (const id of started) await env.client.workflow.getHandle(id).terminate('test clean-up').catch(() => undefined);
    worker?.shutdown();
    await running;
    await env?.teardown();
  });

  const start = async (type: 'ackable' | 'notAckable') => {
    const workflowId = uid(`ack-${type}`);
    await env.client.workflow.start(type, { taskQueue, workflowId });
    started.push(workflowId);
    return workflowId;
  };
  const link = (workflowId: string, expiresAt = Date.now() + 600_000) => `/ack/${signAckToken({ workflowId, expiresAt }, SECRET)}`;
  const submit = (url: string, by: string) => inject(app, { method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ by }).toString() });
  const acked = (workflowId: string) => env.client.workflow.getHandle(workflowId).query(ackedQuery);

  it('GET shows the confirmation page (self-contained HTML, no-referrer, a form posting `by`) and acknowledges nothing', async () => {
    const id = await start('ackable');
    const res = await inject(app, link(id));
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.body).toContain(`<code>${id}</code>`);
    expect(res.body).toMatch(/<form method="post">[\s\S]*name="by"/);
    expect(res.body).not.toMatch(/<script|<link|src=|https?:\/\//);
    expect(await acked(id)).toBeNull();
  });

  it('POST with a name acknowledges through the update ({ by, via: "link" }) → 200; a second one is refused → 409 with the reason', async () => {
    const id = await start('ackable');
    const res = await submit(link(id), 'Alice <ops>');
    expect([res.statusCode, res.body]).toEqual([200, expect.stringContaining('Thank you, Alice &lt;ops&gt;')]);
    expect(await acked(id)).toEqual({ by: 'Alice <ops>', via: 'link' });
    const again = await submit(link(id), 'Bob');
    expect(again.statusCode).toBe(409);
    expect(again.body).toContain('already acknowledged by Alice &lt;ops&gt;');
    expect(await acked(id)).toEqual({ by: 'Alice <ops>', via: 'link' });
  });

  it('a workflow without the acknowledge handler → 409 "unknown update" with the reason', async () => {
    const id = await start('notAckable');
    const res = await submit(link(id), 'Carol');
    expect(res.statusCode).toBe(409);
    expect(res.body).toContain('No registered handler for update: acknowledge');
  });

  it('no such workflow → 404; an ended one → 409 "nothing to acknowledge"', async () => {
    expect((await submit(link(uid('never-started')), 'Dan')).statusCode).toBe(404);
    const id = await start('ackable');
    await env.client.workflow.getHandle(id).terminate('ended for the test');
    const res = await submit(link(id), 'Dan');
    expect(res.statusCode).toBe(409);
    expect(res.body).toContain('already ended');
  });

  it('expired → 410, tampered or malformed → 400, each a clear page without details; nothing acknowledged', async () => {
    const id = await start('ackable');
    const expired = link(id, Date.now() - 1_000);
    const valid = link(id).slice('/ack/'.length);
    const [payload, sig] = valid.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const tampered = `/ack/${Buffer.from(JSON.stringify({ ...claims, e: claims.e + 86_400 })).toString('base64url')}.${sig}`;
    const cases: Array<[string, number, string]> = [
      [expired, 410, 'This link has expired'],
      [tampered, 400, 'This link is not valid'],
      ['/ack/not-a-token', 400, 'This link is not valid'],
      [`/ack/${valid.slice(0, -1)}`, 400, 'This link is not valid'],
      [`/ack/${'a'.repeat(5000)}`, 400, 'This link is not valid'], // over the router's parameter limit
    ];
    for (const [url, status, title] of cases) {
      for (const res of [await inject(app, url), await submit(url, 'Eve')]) {
        expect([url, res.statusCode]).toEqual([url, status]);
        expect(res.body).toContain(`<title>${title}</title>`);
        expect(res.body).not.toContain(id); // nothing of the token's content is shown
        expect(res.body).not.toContain(url.slice(5, 40));
        expect(res.headers['cache-control']).toBe('no-store');
      }
    }
    expect(await acked(id)).toBeNull();
  });

  it('POST without a name (or with control characters) → 400 with the form again; nothing acknowledged', async () => {
    const id = await start('ackable');
    for (const by of ['', '   ', 'a\u0007b', 'x'.repeat(129)]) {
      const res = await submit(link(id), by);
      expect(res.statusCode).toBe(400);
      expect(res.body).toMatch(/<form method="post">/);
    }
    expect(await acked(id)).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------------------
describe('the real process (node dist/src/intake.js)', () => {
  let r: Redis;
  const stream = uid('intake-proc');
  beforeAll(() => {
    r = redis();
  });
  afterAll(async () => {
    await cleanup(r, undefined, [stream], []);
    r.disconnect();
  });

  it('listens, takes alerts over real HTTP, serves /readyz, and stops on SIGTERM (exit 0)', async () => {
    const p = await startIntake({ stream });
    try {
      const ok = await p.post('/api/v1/alerts', [alert(1), alert(2)]);
      expect(ok.status).toBe(202);
      const events = await streamEvents(r, stream);
      expect(events.map((e) => e.event.alertId)).toEqual(['a-1', 'a-2']);
      expect(ok.json.ids).toEqual(events.map((e) => e.id));
      const noToken = await fetch(`${p.url}/api/v1/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(noToken.status).toBe(401);
      const big = await fetch(`${p.url}/api/v1/alerts`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_INTAKE_TOKEN}` }, body: JSON.stringify([alert(1, { description: 'z'.repeat(2 * 1024 * 1024) })]) });
      expect(big.status).toBe(413);
      expect((await fetch(`${p.url}/readyz`)).status).toBe(200);
      const page = await fetch(`${p.url}/ack/${signAckToken({ workflowId: 'w-1', expiresAt: Date.now() + 60_000 }, TEST_ACK_SECRET)}`);
      expect([page.status, await page.text()]).toEqual([200, expect.stringContaining('<code>w-1</code>')]);
      expect(await r.xlen(stream)).toBe(2);
    } finally {
      expect(await p.kill('SIGTERM')).toBe(0);
    }
    expect(p.output()).toMatch(/"msg":"intake stopped"/);
    expect(p.output()).not.toContain(TEST_INTAKE_TOKEN);
  });

  it('fails loud at start-up: no token configured; Redis unreachable', async () => {
    const { INTAKE_TOKEN: _, ...noToken } = intakeEnv({ stream });
    const a = startProcess('intake', noToken);
    expect(await a.exited).toBe(1);
    expect(a.output()).toContain('intake: cannot start.');
    expect(a.output()).toContain('INTAKE_TOKEN or INTAKE_TOKEN_FILE: no bearer token configured');

    const b = startProcess('intake', intakeEnv({ stream, extra: { REDIS_URL: 'redis://127.0.0.1:1', STARTUP_TIMEOUT: '1s' } }));
    expect(await b.exited).toBe(1);
    expect(b.output()).toMatch(/intake: cannot start\.\nRedis: not reachable after 1s/);
  }, 30_000);
});
