// The voice channel against the provider stand-in (test/helpers/twilio-standin.ts, which parses the call's inline
// TwiML strictly and refuses unknown verbs): the Calls request, "press 1" (a one-key Gather whose action is the
// intake's callback with the short ack token), alert content escaped so it stays words (checked by the stand-in's
// parser and by Python's XML parser), the provider's 4,000-character limit, no call for a resolved notification,
// and no number nor token in any error.
import { execFileSync } from 'node:child_process';
import type { OutgoingAlert } from '../src/channels/types';
import { VOICE_LIMITS, VoiceChannel, escapeXml, voiceTwiml } from '../src/channels/voice';
import type { AlertEvent } from '../src/contracts/alert';
import type { GroupNotice } from '../src/contracts/group';
import { PermanentDeliveryError } from '../src/errors';
import { alertEvent } from './helpers/alerts';
import { ALICE, BASE, FROM, SID, TEAM, TOKEN, WORKFLOW, signal, token, useTwilioStandIn } from './helpers/twilio-fixture';
import { elements, parseXml, textOf, type XmlNode } from './helpers/twilio-standin';

const provider = useTwilioStandIn();

const channel = (over: Partial<ConstructorParameters<typeof VoiceChannel>[0]> = {}) =>
  new VoiceChannel({ name: 'phone', url: provider.url, accountSid: SID, authToken: TOKEN, from: FROM, to: [TEAM], ringSeconds: 25, timeoutMs: 2_000, ...over });
function page(event: Partial<AlertEvent> = {}, over: Partial<OutgoingAlert> = {}): OutgoingAlert {
  return {
    channel: 'phone', deliveryId: WORKFLOW, messageId: '1768472430000-0', workflowId: WORKFLOW, receivedAt: '2026-01-15T10:20:31.123Z',
    event: alertEvent({ alertId: 'a-1', severity: 'critical', title: 'Disk full on db-7', description: 'Only 2% left.', ...event }),
    ackUrl: `${BASE}/ack/long.token`, ackShort: { base: BASE, token }, ...over,
  };
}
const twimlOf = (i = 0): XmlNode => provider.created.filter((c) => c.resource === 'Calls')[i].twiml!;
const said = (n: XmlNode) => elements(n, 'Say').map(textOf);

it('a page: one Call with inline TwiML, the alert said twice inside a one-key Gather posting to the intake with the ack token', async () => {
  expect(await channel().send(page(), signal)).toMatch(/^HTTP 201 CA[0-9a-f]{32}$/);
  const [call] = provider.params('Calls');
  expect(call).toMatchObject({ To: TEAM, From: FROM, Timeout: '25', StatusCallback: `${BASE}/twilio/phone/status?delivery=alerts%3A1768472430000-0` });
  const t = twimlOf();
  const [gather] = elements(t, 'Gather');
  expect(gather.attrs).toEqual({ numDigits: '1', timeout: '10', action: `${BASE}/twilio/phone/gather/${token}`, method: 'POST' });
  const inside = 'Alert, severity critical. Disk full on db-7. Only 2% left. Press 1 to acknowledge.';
  expect(said(gather)).toEqual([inside, inside]);
  expect(said(t).at(-1)).toBe('No key was pressed. Goodbye.');
  expect(t.children.map((c) => (typeof c === 'string' ? c : c.name))).toEqual(['Gather', 'Say']);
});

it('a person\'s contact: their number, and the Gather action and the status callback name them by ID', async () => {
  await channel().send(page({}, { recipient: { person: 'alice', address: ALICE } }), signal);
  expect(provider.params('Calls')[0].To).toBe(ALICE);
  expect(elements(twimlOf(), 'Gather')[0].attrs.action).toBe(`${BASE}/twilio/phone/gather/${token}?person=alice`);
  expect(provider.params('Calls')[0].StatusCallback).toMatch(/&person=alice$/);
  const e = await channel().send(page({}, { recipient: { person: 'alice', address: '0044 7700 900123' } }), signal).catch((err: Error) => err);
  expect(e).toBeInstanceOf(PermanentDeliveryError);
  expect((e as Error).message).toBe('voice "phone" (person "alice"): the person\'s address is not a phone number in E.164 form (+ and 8 to 15 digits)');
});

it('alert content is escaped: markup, quotes, ampersands and control characters stay words (the stand-in\'s parser and Python\'s agree)', async () => {
  const title = 'x</Say><Dial>+19005550100</Dial><Say a="1">';
  const description = `Tom & Jerry's "quote" ]]> \u0007bell <Redirect>https://evil.example</Redirect>`;
  await channel().send(page({ title, description }), signal);
  const t = twimlOf();
  expect(elements(t, 'Dial')).toEqual([]);
  expect(elements(t, 'Redirect')).toEqual([]);
  const expected = `Alert, severity critical. ${title}. Tom & Jerry's "quote" ]]> bell <Redirect>https://evil.example</Redirect>. Press 1 to acknowledge.`;
  expect(said(elements(t, 'Gather')[0])).toEqual([expected, expected]);
  // an independent XML parser reads the same words, and no verb the alert wrote
  const raw = provider.params('Calls')[0].Twiml;
  const py = execFileSync('python3', ['-c', `import sys, xml.etree.ElementTree as E
r = E.fromstring(sys.stdin.buffer.read())
print("|".join(sorted({e.tag for e in r.iter()})))
print(r.find("Gather").find("Say").text)`], { input: raw }).toString('utf8').trim().split('\n');
  expect(py).toEqual(['Gather|Pause|Response|Say', expected]);
  expect(escapeXml('a\u0000b\uFFFEc&')).toBe('abc&amp;');
});

it('text that escaping makes long is cut until the TwiML fits the provider\'s 4,000 characters', async () => {
  await channel().send(page({ title: '&'.repeat(3_000), description: '' }), signal);
  const raw = provider.params('Calls')[0].Twiml;
  expect(raw.length).toBeLessThanOrEqual(VOICE_LIMITS.twiml);
  expect(said(elements(twimlOf(), 'Gather')[0])[0]).toMatch(/^Alert, severity critical\. &+…\. Press 1 to acknowledge\.$/);
  expect(parseXml(voiceTwiml(page({ title: 'é'.repeat(5_000) }), 'phone', {}))).toBeDefined();
});

it('without an ack token (no ack links, or a group notification): the alert is read, no Gather', async () => {
  await channel().send(page({}, { ackUrl: undefined, ackShort: undefined }), signal);
  const g: GroupNotice = {
    id: 'alerts:group:db:3f2a', route: 'db', labels: { cluster: 'eu-1' }, status: 'firing', sequence: 2, counts: { firing: 2, new: 1, resolved: 0 }, severity: 'high',
    alerts: [{ alertId: 'a-7', deliveryId: 'd7', workflowId: 'd7', status: 'firing', severity: 'high', title: 'Disk full', ruleName: 'DiskFull', firedAt: '2026-01-15T10:00:00Z' }],
  };
  await channel().send(page({}, { group: g, deliveryId: `${g.id}:2`, workflowId: g.id, ackUrl: undefined, ackShort: undefined }), signal);
  expect(elements(twimlOf(0), 'Gather')).toEqual([]);
  expect(said(twimlOf(0))).toEqual(Array(2).fill('Alert, severity critical. Disk full on db-7. Only 2% left.'));
  expect(said(twimlOf(1))[0]).toBe('Alert group, 2 firing: db cluster=eu-1. 2 firing (1 new).');
  expect(provider.params('Calls')[0].StatusCallback).toBeUndefined();
});

it('a resolved notification rings no phone', async () => {
  expect(await channel().send(page({}, { deliveryId: `${WORKFLOW}:resolved`, resolves: { deliveryId: WORKFLOW, workflowId: WORKFLOW } }), signal))
    .toBe('not called: a resolved notification rings no phone');
  expect(provider.created).toEqual([]);
});

it('every attempt sends the same bytes; a refused number fails for good without the number or the token', async () => {
  await channel().send(page(), signal);
  await channel().send(page(), signal);
  expect(provider.created[0].raw).toBe(provider.created[1].raw);
  provider.forced.push({ status: 400, code: 21215 });
  const e = await channel().send(page({}, { recipient: { person: 'alice', address: ALICE } }), signal).catch((err: Error) => err);
  expect(e).toBeInstanceOf(PermanentDeliveryError);
  expect((e as Error).message).toMatch(/^voice "phone" \(person "alice"\): HTTP 400, error 21215: forced for \[redacted\]/);
  for (const s of [ALICE, ALICE.slice(1), TOKEN]) expect(`${(e as Error).message}\n${(e as Error).stack}`).not.toContain(s);
});
