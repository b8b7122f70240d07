// The intake's SMS and voice callbacks (src/intake/twilio-routes.ts) and the SMS's short ack link (/a/:token): the
// provider stand-in (test/helpers/twilio-standin.ts) presses the key of a call the voice channel placed, posting to the
// Gather action signed with Twilio's published algorithm (cross-checked with the `twilio` library). A correct signature
// acknowledges through the `acknowledge` dependency (a fake here, as the ack-link route tests use, recording its calls);
// a wrong, missing or other-URL signature is refused 403 and nothing is done; another key acknowledges nothing. Also
// Twilio's documented signature examples, the status callbacks, and the short token's own checks.
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import { signShortAckToken, verifyShortAckToken } from '../src/ack-links';
import { parseChannelsFile } from '../src/channels/config';
import { VoiceChannel } from '../src/channels/voice';
import { loadIntakeConfig } from '../src/intake/config';
import type { AckOutcome } from '../src/intake/acknowledge';
import { DEFAULT_ALERTMANAGER_MAPPING } from '../src/intake/alertmanager';
import { buildIntakeServer, type IntakeApp } from '../src/intake/server';
import { phoneCallbacks } from '../src/intake/metrics';
import { phoneCallbacksFor, twilioSignature, validTwilioSignature } from '../src/intake/twilio-routes';
import type { AckInput } from '../src/contracts/messages';
import { alertEvent } from './helpers/alerts';
import { TwilioStandIn, elements, parseXml, providerSignature, textOf } from './helpers/twilio-standin';
import { capturedLogger } from './oncall/fixtures';

const SID = 'AC0123456789abcdef0123456789abcdef';
const AUTH = '8f14e45fceea167a5a36dedd4bea2543';
const ALICE = '+447700900123';
const SECRET = Buffer.from('an ack secret of at least thirty-two bytes!!');
const PUBLIC = 'https://alerts.example.test';
const WORKFLOW = 'alerts:1768472430000-0';
const NOW = Date.parse('2026-01-15T10:30:00Z');
const token = signShortAckToken({ workflowId: WORKFLOW, expiresAt: NOW + 86_400_000 }, SECRET);

const provider = new TwilioStandIn({ accountSid: SID, authToken: AUTH });
const calls: [string, AckInput][] = [];
let outcome: AckOutcome = { kind: 'acknowledged', state: {} as never };
const logs = capturedLogger();
let app: IntakeApp;
let local = '';
beforeAll(async () => {
  await provider.start();
  app = buildIntakeServer({
    cfg: { auth: 'bearer', tokens: ['t'.repeat(32)], bodyLimit: 64 * 1024, maxAlerts: 10, alertmanager: DEFAULT_ALERTMANAGER_MAPPING, ackSecret: SECRET },
    log: logs.log,
    writer: { stream: 'unused', add: () => Promise.reject(new Error('not in this test')) },
    limits: { maxEventBytes: 4096, channels: new Set() },
    acknowledge: (workflowId, input) => {
      calls.push([workflowId, input]);
      return Promise.resolve(outcome);
    },
    phone: { publicUrl: PUBLIC, authToken: (c) => (c === 'phone' ? AUTH : undefined) },
    ready: () => true,
    now: () => NOW,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  local = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await app.close();
  await provider.stop();
});
beforeEach(() => {
  calls.length = 0;
  outcome = { kind: 'acknowledged', state: {} as never };
  provider.created.length = 0;
});

/** The provider's view: the public URL it was given; the test's: the same path on the local listener (a proxy in between). */
const gather = (path = `/twilio/phone/gather/${token}`) => ({ publicUrl: `${PUBLIC}${path}`, localUrl: `${local}${path}` });
const pressed = (digits: string): [string, string][] => [['AccountSid', SID], ['CallSid', 'CA1234567890ABCDE'], ['Called', ALICE], ['To', ALICE], ['From', '+15005550006'], ['Digits', digits], ['CallStatus', 'in-progress']];
const said = (xml: string) => elements(parseXml(xml), 'Say').map(textOf);

describe('press 1 on a call the voice channel placed', () => {
  it('the Gather action of the call\'s TwiML, signed by the provider → acknowledged by the person\'s ID via voice; the caller hears it', async () => {
    const channel = new VoiceChannel({ name: 'phone', url: provider.url, accountSid: SID, authToken: AUTH, from: '+15005550006', ringSeconds: 30, timeoutMs: 2_000 });
    await channel.send({
      channel: 'phone', deliveryId: WORKFLOW, messageId: '1768472430000-0', workflowId: WORKFLOW, receivedAt: '2026-01-15T10:20:31Z', event: alertEvent({ title: 'Disk full' }),
      ackUrl: `${PUBLIC}/ack/x.y`, ackShort: { base: PUBLIC, token }, recipient: { person: 'alice', address: ALICE },
    }, new AbortController().signal);
    const action = elements(provider.created[0].twiml!, 'Gather')[0].attrs.action;
    expect(action).toBe(`${PUBLIC}/twilio/phone/gather/${token}?person=alice`);
    const res = await provider.callback(action.replace(PUBLIC, local), pressed('1'), { signedUrl: action });
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^text\/xml/);
    expect(said(res.body)).toEqual(['Acknowledged. The escalation stops. Goodbye.']);
    expect(calls).toEqual([[WORKFLOW, { by: 'alice', via: 'voice' }]]);
    // the log names the delivery and the person's ID, never the number
    expect(logs.text()).toContain('"by":"alice"');
    expect(logs.text()).not.toContain(ALICE.slice(1));
  });

  it('without a person in the URL (a channel\'s own numbers): by "phone", never the called number', async () => {
    const { publicUrl, localUrl } = gather();
    expect((await provider.callback(localUrl, pressed('1'), { signedUrl: publicUrl })).status).toBe(200);
    expect(calls).toEqual([[WORKFLOW, { by: 'phone', via: 'voice' }]]);
  });

  it.each<[string, { signedUrl?: string; authToken?: string; signature?: string | null }]>([
    ['no signature', { signature: null }],
    ['a signature made with another auth token', { authToken: 'f'.repeat(32) }],
    ['a signature over another URL (http instead of https)', { signedUrl: `${PUBLIC.replace('https:', 'http:')}/twilio/phone/gather/${token}` }],
    ['a signature over another path (another delivery\'s token)', { signedUrl: `${PUBLIC}/twilio/phone/gather/${signShortAckToken({ workflowId: 'alerts:1-0', expiresAt: NOW + 60_000 }, SECRET)}` }],
    ['a signature of other parameters (Digits=2, then 1 sent)', { signature: providerSignature(AUTH, `${PUBLIC}/twilio/phone/gather/${token}`, pressed('2')) }],
    ['garbage', { signature: 'not-base64!' }],
  ])('%s → 403, nothing acknowledged', async (_what, o) => {
    const { publicUrl, localUrl } = gather();
    const res = await provider.callback(localUrl, pressed('1'), { signedUrl: publicUrl, ...o });
    expect(res.status).toBe(403);
    expect(calls).toEqual([]);
  });

  it('another key (or none) → "not acknowledged", nothing done', async () => {
    const { publicUrl, localUrl } = gather();
    for (const digits of ['2', '#', '']) {
      const res = await provider.callback(localUrl, pressed(digits), { signedUrl: publicUrl });
      expect(res.status).toBe(200);
      expect(said(res.body)).toEqual(['Not acknowledged. Goodbye.']);
    }
    expect(calls).toEqual([]);
  });

  it('a correctly signed callback with a bad or expired ack token acknowledges nothing', async () => {
    const expired = signShortAckToken({ workflowId: WORKFLOW, expiresAt: NOW - 1_000 }, SECRET);
    const forged = signShortAckToken({ workflowId: WORKFLOW, expiresAt: NOW + 60_000 }, Buffer.from('another secret of at least thirty-two bytes'));
    const answers = [];
    for (const t of [expired, forged]) {
      const { publicUrl, localUrl } = gather(`/twilio/phone/gather/${t}`);
      answers.push(said((await provider.callback(localUrl, pressed('1'), { signedUrl: publicUrl })).body));
    }
    expect(answers).toEqual([['This alert can no longer be acknowledged by phone. Goodbye.'], ['This call cannot acknowledge the alert. Goodbye.']]);
    expect(calls).toEqual([]);
  });

  it('the workflow\'s answers as the caller hears them; Temporal unavailable → the Gather again, to retry', async () => {
    const { publicUrl, localUrl } = gather();
    outcome = { kind: 'rejected', reason: 'already acknowledged by bob' };
    expect(said((await provider.callback(localUrl, pressed('1'), { signedUrl: publicUrl })).body)[0]).toMatch(/^The alert did not accept/);
    outcome = { kind: 'unavailable', reason: 'Temporal: down' };
    const res = await provider.callback(localUrl, pressed('1'), { signedUrl: publicUrl });
    expect(elements(parseXml(res.body), 'Gather')[0].attrs).toMatchObject({ numDigits: '1', action: publicUrl });
  });

  it('an unknown channel → 404, and a channel name is not a way around the signature', async () => {
    const res = await provider.callback(`${local}/twilio/other/gather/${token}`, pressed('1'), { signedUrl: `${PUBLIC}/twilio/other/gather/${token}` });
    expect(res.status).toBe(404);
    expect(calls).toEqual([]);
  });
});

describe('status callbacks', () => {
  it('counted by status; a failure logged by channel, delivery and person, without the number; unsigned → 403', async () => {
    const path = `/twilio/phone/status?delivery=${encodeURIComponent(WORKFLOW)}&person=alice`;
    const params: [string, string][] = [['AccountSid', SID], ['MessageSid', 'SM1'], ['MessageStatus', 'undelivered'], ['ErrorCode', '30003'], ['To', ALICE]];
    const before = (await phoneCallbacks.get()).values.find((v) => v.labels.result === 'undelivered')?.value ?? 0;
    expect((await provider.callback(`${local}${path}`, params, { signedUrl: `${PUBLIC}${path}` })).status).toBe(204);
    expect((await provider.callback(`${local}${path}`, params, { signedUrl: `${PUBLIC}${path}`, signature: null })).status).toBe(403);
    const after = (await phoneCallbacks.get()).values.find((v) => v.labels.result === 'undelivered' && v.labels.kind === 'sms_status')?.value ?? 0;
    expect(after - before).toBe(1);
    const line = logs.lines.find((l) => l.status === 'undelivered');
    expect(line).toMatchObject({ channel: 'phone', delivery: WORKFLOW, person: 'alice', errorCode: '30003' });
    expect(logs.text()).not.toContain(ALICE.slice(1));
    expect(calls).toEqual([]);
  });
});

describe('Twilio\'s signature', () => {
  const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
  it('matches Twilio\'s documented examples, and the official library', () => {
    // twilio.com/docs/usage/security's example (Caller and From +14158675310) …
    const docs: [string, string][] = [['CallSid', 'CA1234567890ABCDE'], ['Caller', '+14158675310'], ['Digits', '1234'], ['From', '+14158675310'], ['To', '+18005551212']];
    expect(twilioSignature('12345', url, docs)).toBe('GvWf1cFY/Q7PnoempGyD5oXAezc=');
    // … and the same with Caller and From +12349013030, as other copies of it have them
    const copy: [string, string][] = docs.map(([k, v]) => [k, v === '+14158675310' ? '+12349013030' : v]);
    expect(twilioSignature('12345', url, copy)).toBe('0/KCTR6DLpKmkAf8muzZqo1nDgQ=');
    for (const [params, sig] of [[docs, 'GvWf1cFY/Q7PnoempGyD5oXAezc='], [copy, '0/KCTR6DLpKmkAf8muzZqo1nDgQ=']] as const) {
      expect(twilio.validateRequest('12345', sig, url, Object.fromEntries(params))).toBe(true);
      expect(validTwilioSignature('12345', sig, url, [...params].reverse())).toBe(true); // any order: sorted by name
      expect(validTwilioSignature('12345', sig, url.replace('bar=2', 'bar=3'), [...params])).toBe(false);
      expect(validTwilioSignature('54321', sig, url, [...params])).toBe(false);
      expect(validTwilioSignature('12345', sig.slice(0, -1), url, [...params])).toBe(false);
    }
  });

  it('takes the URL with or without the scheme\'s default port, as the library does', () => {
    const params: [string, string][] = [['Digits', '1']];
    const sig = twilioSignature(AUTH, 'https://alerts.example.test:443/twilio/phone/gather/x', params);
    expect(validTwilioSignature(AUTH, sig, 'https://alerts.example.test/twilio/phone/gather/x', params)).toBe(true);
    expect(twilio.validateRequest(AUTH, sig, 'https://alerts.example.test/twilio/phone/gather/x', { Digits: '1' })).toBe(true);
    expect(validTwilioSignature(AUTH, sig, 'https://alerts.example.test:8443/twilio/phone/gather/x', params)).toBe(false);
  });
});

describe('the short ack link (/a/:token)', () => {
  it('GET shows the same confirmation page, POST acknowledges via link; tampered → 400, expired → 410', async () => {
    const get = (path: string) => fetch(`${local}${path}`);
    const page = await get(`/a/${token}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(WORKFLOW);
    const post = await fetch(`${local}/a/${token}`, { method: 'POST', body: 'by=Alice', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(post.status).toBe(200);
    expect(calls).toEqual([[WORKFLOW, { by: 'Alice', via: 'link' }]]);
    const tampered = token.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    expect((await get(`/a/${tampered}`)).status).toBe(400);
    expect((await get(`/a/${signShortAckToken({ workflowId: WORKFLOW, expiresAt: NOW - 1 }, SECRET)}`)).status).toBe(410);
    expect((await get(`/ack/${token}`)).status).toBe(400); // each form on its own path
  });

  it('the token: a workflow ID with dots and odd characters survives; another secret, another ID or a cut signature does not verify', () => {
    const id = 'my.stream:1768472430000-0/x y';
    const t = signShortAckToken({ workflowId: id, expiresAt: NOW + 1_000 }, SECRET);
    expect(t).toMatch(/^my\.stream:1768472430000-0%2Fx%20y\.[0-9a-z]+\.[A-Za-z0-9_-]{16}$/);
    expect(verifyShortAckToken(decodeURIComponent(t), SECRET, NOW)).toMatchObject({ ok: true, workflowId: id });
    expect(verifyShortAckToken(decodeURIComponent(t), Buffer.from('x'.repeat(40)), NOW)).toEqual({ ok: false, reason: 'invalid' });
    expect(verifyShortAckToken(decodeURIComponent(t).replace('my.', 'my_'), SECRET, NOW)).toEqual({ ok: false, reason: 'invalid' });
    expect(verifyShortAckToken(decodeURIComponent(t).slice(0, -1), SECRET, NOW)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyShortAckToken(decodeURIComponent(t), SECRET, NOW + 1_000)).toEqual({ ok: false, reason: 'expired' });
  });
});

describe('configuration', () => {
  it('the intake reads ACK_LINK_BASE as its public URL; the callbacks need it, ACK_SECRET and an sms or voice channel', () => {
    const problems: string[] = [];
    expect(loadIntakeConfig({ ACK_LINK_BASE: 'https://alerts.example.test/', INTAKE_AUTH: 'none' }, problems).publicUrl).toBe('https://alerts.example.test');
    expect(problems).toEqual([]);
    loadIntakeConfig({ ACK_LINK_BASE: 'https://user:pw@alerts.example.test', INTAKE_AUTH: 'none' }, problems);
    expect(problems).toEqual(['ACK_LINK_BASE: expected the intake\'s public URL without credentials, query or fragment (e.g. https://alerts.example.com)']);
    const file = parseChannelsFile(`channels:\n  phone: { type: voice, accountSid: ${SID}, authToken: "\${T}", from: "+15005550006" }\n  hook: { type: webhook, url: https://example.test }\nroutes:\n  - channels: [hook]\n`, 'c.yaml', { T: AUTH });
    const on = phoneCallbacksFor(file, PUBLIC, SECRET).callbacks!;
    expect([on.authToken('phone'), on.authToken('hook'), on.authToken('__proto__')]).toEqual([AUTH, undefined, undefined]);
    expect(phoneCallbacksFor(file, undefined, undefined)).toEqual({ missing: 'ACK_LINK_BASE and ACK_SECRET' });
    expect(phoneCallbacksFor(parseChannelsFile('channels:\n  hook: { type: webhook, url: https://example.test }\n', 'c.yaml', {}), PUBLIC, SECRET)).toEqual({});
  });
});
