// The ntfy channel (push) against a stand-in that checks ntfy's documented JSON publish API (test/helpers/ntfy-standin.ts):
// priority from severity, tags, the click to the alert, an Acknowledge button on a page, access-token auth, a person's
// own topic, plain text that alert content cannot turn into links, ntfy's 4,096-byte limit, the answers mapped to
// retry or permanent, and no token nor topic in any error.
import { parseChannelsFile } from '../src/channels/config';
import { NTFY_LIMITS, NtfyChannel, cutBytes, ntfyMessage } from '../src/channels/ntfy';
import { ChannelRegistry } from '../src/channels/registry';
import type { OutgoingAlert } from '../src/channels/types';
import type { AlertEvent, Severity } from '../src/contracts/alert';
import type { GroupNotice } from '../src/contracts/group';
import { PermanentDeliveryError, TransientDeliveryError } from '../src/errors';
import { alertEvent } from './helpers/alerts';
import { NtfyStandIn } from './helpers/ntfy-standin';

const TOKEN = 'tk_7eevizlsiwf9yi4uxsrs83r4352o0';
const TOPIC = 'oncall-db-4f9c2a';
const signal = new AbortController().signal;
const server = new NtfyStandIn({ token: TOKEN, topics: [TOPIC, 'alice-7f3a'] });
beforeAll(() => server.start());
afterAll(() => server.stop());
beforeEach(() => {
  server.published.length = 0;
  server.forced.length = 0;
});

const channel = (over: Partial<ConstructorParameters<typeof NtfyChannel>[0]> = {}) =>
  new NtfyChannel({ name: 'push', url: server.url, topic: TOPIC, token: TOKEN, timeoutMs: 2_000, linkBase: 'https://ui.example.test/alerts', ...over });
function outgoing(event: Partial<AlertEvent> = {}, over: Partial<OutgoingAlert> = {}): OutgoingAlert {
  return { channel: 'push', deliveryId: 'alerts:1768472430000-0', messageId: '1768472430000-0', workflowId: 'alerts:1768472430000-0', receivedAt: '2026-01-15T10:20:31.123Z', event: alertEvent({ alertId: 'a-1', ...event }), ...over };
}

it.each<[Severity, number, string]>([
  ['critical', 5, 'rotating_light'], ['high', 4, 'red_circle'], ['medium', 3, 'orange_circle'], ['low', 2, 'yellow_circle'], ['info', 1, 'information_source'],
])('%s: priority %i, tags [%s, severity], the click opens the alert, published to the channel topic with the token', async (severity, priority, emoji) => {
  expect(await channel().send(outgoing({ severity, title: 'Disk full' }), signal)).toBe('HTTP 200');
  expect(server.published).toHaveLength(1);
  const { body, authorization } = server.published[0];
  expect(authorization).toBe(`Bearer ${TOKEN}`);
  expect(body).toMatchObject({ topic: TOPIC, title: `[${severity}] Disk full`, priority, tags: [emoji, severity], click: 'https://ui.example.test/alerts/alerts%3A1768472430000-0' });
  expect(body.markdown).toBeUndefined(); // plain text
});

it('a page carries an Acknowledge button (its ack link) before Open; its resolve none, at priority 2 with a check mark', async () => {
  const ackUrl = 'https://intake.example.test/ack/eyJ3Ijoi.sig';
  await channel().send(outgoing({}, { ackUrl }), signal);
  await channel().send(outgoing({}, { ackUrl, deliveryId: 'alerts:1768472430000-0:resolved', resolves: { deliveryId: 'alerts:1768472430000-0', workflowId: 'alerts:1768472430000-0' } }), signal);
  const [firing, resolved] = server.published.map((p) => p.body);
  expect(firing.actions).toEqual([
    { action: 'view', label: 'Acknowledge', url: ackUrl, clear: true },
    { action: 'view', label: 'Open the alert', url: firing.click },
  ]);
  expect(resolved).toMatchObject({ priority: 2, tags: ['white_check_mark', 'resolved'] });
  expect(resolved.title).toMatch(/^RESOLVED: /);
  expect(resolved.actions!.map((a) => a.label)).toEqual(['Open the alert']);
});

it('alert content stays text: no Markdown, no links or buttons of its own; the message is cut to 4,096 bytes on a character', async () => {
  const description = `[click me](https://evil.example) **bold** ${'é'.repeat(3_000)}`;
  await channel().send(outgoing({ description }), signal);
  const { body } = server.published[0];
  expect(body.markdown).toBeUndefined();
  expect(body.actions!.every((a) => !a.url!.includes('evil'))).toBe(true);
  expect(Buffer.byteLength(body.message!)).toBeLessThanOrEqual(NTFY_LIMITS.messageBytes);
  expect(body.message).toMatch(/^\[click me\]\(https:\/\/evil\.example\) \*\*bold\*\* é+…$/);
  expect(cutBytes('ab€', 4)).toBe('a…'); // € is 3 bytes, … 3: never half a character
});

it('a group notification: the summary as the title, the counts and the listed alerts as the message', () => {
  const g: GroupNotice = {
    id: 'alerts:group:db:3f2a', route: 'db', labels: { cluster: 'eu-1' }, status: 'firing', sequence: 2, counts: { firing: 2, new: 1, resolved: 0 }, severity: 'high',
    alerts: [{ alertId: 'a-7', deliveryId: 'd7', workflowId: 'd7', status: 'firing', severity: 'high', title: 'Disk full on db-7', ruleName: 'DiskFull', firedAt: '2026-01-15T10:00:00Z' }],
  };
  const m = ntfyMessage(outgoing({}, { group: g, deliveryId: `${g.id}:2`, workflowId: g.id }), TOPIC, {});
  expect(m).toMatchObject({ title: '[FIRING:2] db cluster=eu-1', priority: 4, tags: ['red_circle', 'high'] });
  expect(m.message).toBe('2 firing (1 new)\n\n- [high] Disk full on db-7 · rule DiskFull · alert a-7\n… and 1 more');
  expect(m.actions.map((a) => a.label)).toEqual(['Open the group']);
});

it('a person\'s contact: their own topic; an address that is no topic is refused naming the person, not the address', async () => {
  await channel().send(outgoing({}, { recipient: { person: 'alice', address: 'alice-7f3a' } }), signal);
  expect(server.published[0].body.topic).toBe('alice-7f3a');
  const bad = 'alice/../../admin';
  const err = await channel().send(outgoing({}, { recipient: { person: 'alice', address: bad } }), signal).catch((e: Error) => e);
  expect(err).toBeInstanceOf(PermanentDeliveryError);
  expect((err as Error).message).toBe('ntfy "push" (person "alice"): the person\'s address is not an ntfy topic (letters, digits, _ and -, at most 64)');
  expect(server.published).toHaveLength(1);
});

type Forced = { status: number; retryAfter?: string }[];
it.each<[string, { token?: string; topic?: string }, Forced, typeof PermanentDeliveryError | typeof TransientDeliveryError, RegExp]>([
  ['a wrong token', { token: 'tk_wrong' }, [], PermanentDeliveryError, /HTTP 401/],
  ['a topic the token may not write', { topic: 'someone-elses' }, [], PermanentDeliveryError, /HTTP 403/],
  ['429 with Retry-After', {}, [{ status: 429, retryAfter: '7' }], TransientDeliveryError, /HTTP 429/],
  ['a 502', {}, [{ status: 502 }], TransientDeliveryError, /HTTP 502/],
])('%s: refused as the answer says (permanent or retried), naming neither token nor topic', async (_name, over, forced, type, message) => {
  server.forced.push(...forced);
  const err = await channel(over).send(outgoing(), signal).catch((e: Error) => e);
  expect(err).toBeInstanceOf(type);
  expect((err as Error).message).toMatch(message);
  if (forced[0]?.retryAfter) expect((err as TransientDeliveryError).retryAfterMs).toBe(7_000);
  for (const secret of [TOKEN, 'tk_wrong', TOPIC, 'someone-elses']) expect((err as Error).message).not.toContain(secret);
});

it('the channels file takes an ntfy channel (url defaults to ntfy.sh; a bad topic is refused), and a route sends through it', () => {
  const file = parseChannelsFile(['channels:', '  push: { type: ntfy, topic: oncall-db, token: "${NTFY_TOKEN}" }', 'routes:', '  - channels: [push]', ''].join('\n'), 'channels.yaml', { NTFY_TOKEN: TOKEN });
  expect(file.channels.push).toMatchObject({ type: 'ntfy', url: 'https://ntfy.sh', topic: 'oncall-db', token: TOKEN });
  expect(new ChannelRegistry(file, 'q').plan(alertEvent()).map((p) => [p.name, p.type])).toEqual([['push', 'ntfy']]);
  expect(() => parseChannelsFile('channels:\n  push: { type: ntfy, topic: "no/slash" }\n', 'channels.yaml', {})).toThrow(/an ntfy topic: letters, digits, _ and - only, at most 64/);
});
