// The sms channel against a stand-in of a provider with Twilio's REST shape (test/helpers/twilio-standin.ts): the
// Messages request (path with the account SID, basic auth, form encoding, To/From/Body, StatusCallback), the body
// (severity and title, the short ack link, two segments at most), the same bytes on every attempt, a person's number,
// several numbers, the provider's answers mapped to retry or permanent, and neither the auth token nor a number in
// any error or result. Also the channels file's sms and voice entries and the on-call file's phone contacts.
import { verifyShortAckToken } from '../src/ack-links';
import { parseChannelsFile } from '../src/channels/config';
import { ChannelRegistry } from '../src/channels/registry';
import { SMS_LIMITS, SmsChannel, fitSms, gsm7Length, smsBody } from '../src/channels/sms';
import type { OutgoingAlert } from '../src/channels/types';
import type { AlertEvent } from '../src/contracts/alert';
import type { GroupNotice } from '../src/contracts/group';
import { ConfigError, PermanentDeliveryError, TransientDeliveryError } from '../src/errors';
import { checkOnCallAgainstChannels } from '../src/oncall/cross-check';
import { parseOnCallFile } from '../src/oncall/file';
import { alertEvent } from './helpers/alerts';
import { ALICE, BASE, FROM, SECRET, SID, TEAM, TOKEN, WORKFLOW, signal, token, useTwilioStandIn } from './helpers/twilio-fixture';
import { TwilioStandIn } from './helpers/twilio-standin';

const provider = useTwilioStandIn();

const channel = (over: Partial<ConstructorParameters<typeof SmsChannel>[0]> = {}) =>
  new SmsChannel({ name: 'sms-oncall', url: provider.url, accountSid: SID, authToken: TOKEN, from: FROM, to: [TEAM], timeoutMs: 2_000, ...over });
function outgoing(event: Partial<AlertEvent> = {}, over: Partial<OutgoingAlert> = {}): OutgoingAlert {
  return {
    channel: 'sms-oncall', deliveryId: WORKFLOW, messageId: '1768472430000-0', workflowId: WORKFLOW, receivedAt: '2026-01-15T10:20:31.123Z',
    event: alertEvent({ alertId: 'a-1', severity: 'critical', title: 'Disk full on db-7', ...event }), ...over,
  };
}
const page = (event: Partial<AlertEvent> = {}, over: Partial<OutgoingAlert> = {}) => outgoing(event, { ackUrl: `${BASE}/ack/long.token`, ackShort: { base: BASE, token }, ...over });
/** Everything an error or a result must never contain. */
const SECRETS = [TOKEN, TEAM, ALICE, TEAM.slice(1), ALICE.slice(1), Buffer.from(`${SID}:${TOKEN}`).toString('base64')];
const clean = (text: string) => SECRETS.filter((s) => text.includes(s));
async function failure(p: Promise<unknown>): Promise<Error> {
  const e = await p.then(() => undefined, (err: Error) => err);
  if (!e) throw new Error('expected the send to fail');
  return e;
}

describe('the message', () => {
  it('a page: one Message to the channel\'s number, basic auth, the severity, the title and the short ack link; a status callback', async () => {
    const answer = await channel().send(page(), signal);
    expect(answer).toMatch(/^HTTP 201 SM[0-9a-f]{32}$/);
    const [m] = provider.params('Messages');
    expect(provider.created).toHaveLength(1);
    expect(m).toEqual({
      To: TEAM, From: FROM, Body: `[critical] Disk full on db-7\nAck: ${BASE}/a/${token}`,
      StatusCallback: `${BASE}/twilio/sms-oncall/status?delivery=alerts%3A1768472430000-0`,
    });
    // the link's token is one the intake takes for this delivery
    const link = m.Body.split('Ack: ')[1];
    expect(verifyShortAckToken(link.slice(`${BASE}/a/`.length), SECRET, Date.parse('2026-01-16T00:00:00Z'))).toMatchObject({ ok: true, workflowId: WORKFLOW });
    expect(link.length).toBeLessThan(90);
    expect(provider.created[0].raw).toMatch(/^To=%2B14155550123&From=%2B15005550006&Body=/); // form-encoded, in a fixed order
  });

  it('every attempt sends the same bytes (no time, no attempt number in the request)', async () => {
    await channel().send(page(), signal);
    await channel().send(page(), signal);
    expect(provider.created[0].raw).toBe(provider.created[1].raw);
  });

  it('a resolved notification: RESOLVED, no ack link; a group: its summary line; without ack links: no link and no callback', async () => {
    await channel().send(page({}, { deliveryId: `${WORKFLOW}:resolved`, resolves: { deliveryId: WORKFLOW, workflowId: WORKFLOW } }), signal);
    const g: GroupNotice = {
      id: 'alerts:group:db:3f2a', route: 'db', labels: { cluster: 'eu-1' }, status: 'firing', sequence: 2, counts: { firing: 2, new: 1, resolved: 0 }, severity: 'high',
      alerts: [{ alertId: 'a-7', deliveryId: 'd7', workflowId: 'd7', status: 'firing', severity: 'high', title: 'Disk full', ruleName: 'DiskFull', firedAt: '2026-01-15T10:00:00Z' }],
    };
    await channel().send(outgoing({}, { group: g, deliveryId: `${g.id}:2`, workflowId: g.id }), signal);
    await channel().send(outgoing(), signal);
    const [resolved, group, plain] = provider.params('Messages');
    expect(resolved.Body).toBe('RESOLVED: [critical] Disk full on db-7');
    expect(group.Body).toBe('[FIRING:2] db cluster=eu-1');
    expect(plain).toEqual({ To: TEAM, From: FROM, Body: '[critical] Disk full on db-7' });
  });

  it('keeps to two segments: 306 GSM-7 characters, or 134 when a character is not GSM-7; the text is cut, never the link', () => {
    const tail = `\nAck: ${BASE}/a/${token}`;
    const long = smsBody(page({ title: 'x'.repeat(500) }), {});
    expect(gsm7Length(long)).toBe(SMS_LIMITS.gsm7);
    expect(long.endsWith(`x...${tail}`)).toBe(true);
    const wide = smsBody(page({ title: `Диск заполнен ${'я'.repeat(300)}` }), {});
    expect(gsm7Length(wide)).toBeUndefined();
    expect([...wide].length).toBe(SMS_LIMITS.ucs2);
    expect(wide.endsWith(`я...${tail}`)).toBe(true);
    expect(gsm7Length('€[a')).toBe(5); // extension characters take two septets
    expect(fitSms('short', tail)).toBe(`short${tail}`);
    expect(smsBody(page({ title: 'line\nbreaks\tand   spaces' }), {})).toBe(`[critical] line breaks and spaces${tail}`);
  });

  it('the channel\'s `text` template makes the first line', async () => {
    await channel({ text: '{{severity}}: {{title}} ({{labels.team}})' }).send(page({ labels: { team: 'db' } }), signal);
    expect(provider.params('Messages')[0].Body).toBe(`critical: Disk full on db-7 (db)\nAck: ${BASE}/a/${token}`);
  });
});

describe('people and numbers', () => {
  it('a person\'s contact: their number instead of the channel\'s; the status callback names the person by ID', async () => {
    await channel().send(page({}, { recipient: { person: 'alice', address: ALICE } }), signal);
    const [m] = provider.params('Messages');
    expect(m.To).toBe(ALICE);
    expect(m.StatusCallback).toBe(`${BASE}/twilio/sms-oncall/status?delivery=alerts%3A1768472430000-0&person=alice`);
  });

  it('an address that is not an E.164 number is refused naming the person, never the address; nothing is sent', async () => {
    for (const address of ['07700 900123', '+44 7700 900123', 'alice@example.com', '+0123456789']) {
      const e = await failure(channel().send(page({}, { recipient: { person: 'alice', address } }), signal));
      expect(e).toBeInstanceOf(PermanentDeliveryError);
      expect(e.message).toBe('sms "sms-oncall" (person "alice"): the person\'s address is not a phone number in E.164 form (+ and 8 to 15 digits)');
    }
    expect(provider.created).toHaveLength(0);
  });

  it('a channel without `to` reaches only people: a notification of its own fails for good', async () => {
    const e = await failure(channel({ to: undefined }).send(page(), signal));
    expect(e).toBeInstanceOf(PermanentDeliveryError);
    expect(e.message).toMatch(/no `to` numbers/);
  });

  it('several numbers: one message each; a failure names the number by position, not by the number', async () => {
    expect(await channel({ to: [TEAM, ALICE] }).send(page(), signal)).toMatch(/^HTTP 201 SM\w+; HTTP 201 SM\w+$/);
    expect(provider.params('Messages').map((m) => m.To).sort()).toEqual([ALICE, TEAM].sort());
    provider.created.length = 0;
    provider.forced.push({ status: 201, text: '{}' }, { status: 400, code: 21211 });
    const e = await failure(channel({ to: [TEAM, ALICE] }).send(page(), signal));
    expect(e).toBeInstanceOf(PermanentDeliveryError);
    expect(e.message).toMatch(/^sms "sms-oncall" to\[[01]\]: HTTP 400, error 21211: forced for \[redacted\] \(Basic \[redacted\]; \[redacted\]\)$/);
    expect(clean(`${e.message}\n${e.stack}`)).toEqual([]);
  });
});

describe('the provider\'s answers', () => {
  it.each<[string, { status: number; code?: number; retryAfter?: string; text?: string }, 'permanent' | 'transient', RegExp]>([
    ['an invalid number (21211)', { status: 400, code: 21211 }, 'permanent', /HTTP 400, error 21211/],
    ['an unverified number on a trial account (21608)', { status: 400, code: 21608 }, 'permanent', /HTTP 400, error 21608/],
    ['too many requests (429, 20429)', { status: 429, code: 20429, retryAfter: '2' }, 'transient', /HTTP 429, error 20429/],
    ['the sender\'s queue is full (400, 21611)', { status: 400, code: 21611 }, 'transient', /HTTP 400, error 21611/],
    ['a server error (500)', { status: 500, code: 20500 }, 'transient', /HTTP 500, error 20500/],
    ['a proxy\'s HTML page (502)', { status: 502, text: `<html>bad gateway for To=${TEAM} token ${TOKEN}</html>` }, 'transient', /HTTP 502: <html>bad gateway for To=\[number\] token \[redacted\]<\/html>/],
  ])('%s → %s, without the token or the number', async (_what, forced, kind, message) => {
    provider.forced.push(forced);
    const e = await failure(channel().send(page({}, { recipient: { person: 'alice', address: ALICE } }), signal));
    expect(e).toBeInstanceOf(kind === 'permanent' ? PermanentDeliveryError : TransientDeliveryError);
    expect(e.message).toMatch(message);
    expect(e.message.startsWith('sms "sms-oncall" (person "alice"): ')).toBe(true);
    expect(clean(`${e.message}\n${e.stack}`)).toEqual([]);
    if (forced.retryAfter) expect((e as TransientDeliveryError).retryAfterMs).toBe(2000);
  });

  it('a wrong auth token → 401 (20003) → permanent, naming neither token', async () => {
    const e = await failure(channel({ authToken: 'f'.repeat(32) }).send(page(), signal));
    expect(e).toBeInstanceOf(PermanentDeliveryError);
    expect(e.message).toBe('sms "sms-oncall": HTTP 401, error 20003: Authenticate');
    expect(e.message).not.toContain('f'.repeat(32));
  });

  it('no answer, or no server → transient', async () => {
    const closed = new TwilioStandIn({ accountSid: SID, authToken: TOKEN });
    await closed.start();
    const url = closed.url;
    await closed.stop();
    const e = await failure(channel({ url }).send(page(), signal));
    expect(e).toBeInstanceOf(TransientDeliveryError);
    expect(e.message).toMatch(/^sms "sms-oncall": connection failed \(ECONNREFUSED\)$/);
  });
});

describe('the channels file and the on-call file', () => {
  const env = { TWILIO_AUTH_TOKEN: TOKEN };
  const file = (channels: string) => parseChannelsFile(`channels:\n${channels}`, 'channels.yaml', env);
  const problems = (channels: string) => {
    try {
      file(channels);
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as ConfigError).problems;
    }
    throw new Error('accepted');
  };

  it('an sms and a voice channel: the token from the environment, Twilio\'s API by default, the registry builds them', () => {
    const f = file(`  text: { type: sms, accountSid: ${SID}, authToken: "\${TWILIO_AUTH_TOKEN}", from: "${FROM}", to: ["${TEAM}"] }
  call: { type: voice, url: https://laml.example.test/api/laml, accountSid: 0f2d7c1e-5b7a-4c6e-9f1a-2b3c4d5e6f70, authToken: "\${TWILIO_AUTH_TOKEN}", from: "${FROM}" }
routes:
  - channels: [text, call]
`);
    expect(f.channels.text).toMatchObject({ type: 'sms', url: 'https://api.twilio.com', authToken: TOKEN, to: [TEAM], required: true });
    expect(f.channels.call).toMatchObject({ type: 'voice', url: 'https://laml.example.test/api/laml', ringSeconds: 30 });
    const registry = new ChannelRegistry(f);
    expect([registry.get('text')?.type, registry.get('call')?.type]).toEqual(['sms', 'voice']);
  });

  it('names bad entries without echoing a number', () => {
    const found = problems(`  text: { type: sms, accountSid: "AC 1", authToken: "", from: "0044 7700 900999", to: ["+44 7700 900888"], extra: 1 }
  call: { type: voice, accountSid: ${SID}, authToken: x, from: "${FROM}", ringSeconds: 2 }
routes:
  - channels: [text]
`);
    expect(found.join('\n')).toMatch(/channels\.text\.accountSid: an account SID/);
    expect(found.join('\n')).toMatch(/channels\.text\.from: a phone number in E\.164 form/);
    expect(found.join('\n')).toMatch(/channels\.text\.to\.0: a phone number in E\.164 form/);
    expect(found.join('\n')).toMatch(/channels\.call\.ringSeconds/);
    expect(found.join('\n')).not.toMatch(/7700 900/);
  });

  it('the on-call cross-check takes E.164 numbers as sms and voice contacts, and names any other without showing it', () => {
    const channels = file(`  text: { type: sms, accountSid: ${SID}, authToken: x, from: "${FROM}" }
  call: { type: voice, accountSid: ${SID}, authToken: x, from: "${FROM}" }
routes:
  - channels: [text]
`);
    const oncall = (a: string, b: string) => parseOnCallFile(`people:
  alice:
    contacts:
      sms: { via: text, address: "${a}" }
      phone: { via: call, address: "${b}" }
    rules:
      high: [ { contact: sms }, { contact: phone, after: 2m } ]
`, 'oncall.yaml', {});
    expect(checkOnCallAgainstChannels(oncall(ALICE, ALICE), channels)).toEqual([]);
    expect(checkOnCallAgainstChannels(oncall('07700 900123', 'alice@example.com'), channels)).toEqual([
      'people.alice.contacts.sms.address: is not a phone number in E.164 form (+ and 8 to 15 digits) (channel "text" is of type sms)',
      'people.alice.contacts.phone.address: is not a phone number in E.164 form (+ and 8 to 15 digits) (channel "call" is of type voice)',
    ]);
  });
});
