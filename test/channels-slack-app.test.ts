// The Slack channel as an app (bot token, chat.postMessage through @slack/web-api) against a stand-in that checks the
// token and the Web API's request shape (test/helpers/slack-standin.ts): the buttons on a page, none on a resolve or
// a group; a person's DM; one message per delivery however often an attempt runs again (the history look-up); Slack's
// answers mapped to retry or permanent; no token nor member ID in any error; the channels file's rules for the mode.
import { parseChannelsFile } from '../src/channels/config';
import { ChannelRegistry } from '../src/channels/registry';
import { SLACK_ACTIONS } from '../src/channels/slack-actions';
import { SLACK_METADATA_EVENT, SlackAppChannel, slackAppMessage } from '../src/channels/slack-app';
import type { OutgoingAlert } from '../src/channels/types';
import type { AlertEvent } from '../src/contracts/alert';
import type { GroupNotice } from '../src/contracts/group';
import { PermanentDeliveryError, TransientDeliveryError } from '../src/errors';
import { alertEvent } from './helpers/alerts';
import { SlackStandIn } from './helpers/slack-standin';

const TOKEN = 'xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx';
const CHANNEL = 'C0ALERTS1';
const MEMBER = 'U0ALICE42';
const signal = new AbortController().signal;
const slack = new SlackStandIn({ token: TOKEN, channels: [CHANNEL], members: [MEMBER] });
beforeAll(() => slack.start());
afterAll(() => slack.stop());
beforeEach(() => {
  slack.posted.length = 0;
  slack.calls.length = 0;
  for (const k of Object.keys(slack.forced)) delete slack.forced[k];
});

const channel = (over: Partial<ConstructorParameters<typeof SlackAppChannel>[0]> = {}) =>
  new SlackAppChannel({ name: 'team-slack', token: TOKEN, channel: CHANNEL, apiUrl: slack.apiUrl, timeoutMs: 2_000, linkBase: 'https://ui.example.test/alerts', buttons: true, ...over });
let n = 0;
function outgoing(event: Partial<AlertEvent> = {}, over: Partial<OutgoingAlert> = {}): OutgoingAlert {
  const id = `alerts:${Date.now()}-${++n}`;
  return { channel: 'team-slack', deliveryId: id, messageId: id.slice(7), workflowId: id, receivedAt: new Date().toISOString(), event: alertEvent({ alertId: 'a-1', ...event }), ...over };
}
const buttonsOf = (blocks: any[] | undefined) => blocks?.filter((b) => b.type === 'actions').flatMap((b) => b.elements.map((e: any) => [e.action_id, e.value]));

it('a page: posted to the channel with the bot token, the webhook mode\'s blocks and the three buttons carrying its workflow ID', async () => {
  const alert = outgoing({ title: 'Disk full' });
  expect(await channel().send(alert, signal)).toMatch(/^Slack: posted \(ts \d+\.\d{6}\)$/);
  expect(slack.posted).toHaveLength(1);
  const [msg] = slack.posted;
  expect(msg).toMatchObject({ channel: CHANNEL, authorization: `Bearer ${TOKEN}`, metadata: { event_type: SLACK_METADATA_EVENT, event_payload: { delivery_id: alert.deliveryId, workflow_id: alert.workflowId } } });
  expect(msg.blocks![0]).toMatchObject({ type: 'header', text: { text: '[critical] Disk full' } });
  expect(buttonsOf(msg.blocks)).toEqual([[SLACK_ACTIONS.acknowledge, alert.workflowId], [SLACK_ACTIONS.resolve, alert.workflowId], [SLACK_ACTIONS.silence, alert.workflowId]]);
  // the look-up for an earlier post came first, since the delivery was received (a minute of margin)
  expect(slack.calls.map((c) => c.method)).toEqual(['conversations.history', 'chat.postMessage']);
  expect(Number(slack.calls[0].args.oldest)).toBeCloseTo(Date.parse(alert.receivedAt) / 1000 - 60, 3);
});

it('no buttons on a resolve, on a group notification, or with `buttons: false`', () => {
  const resolved = outgoing({}, { resolves: { deliveryId: 'alerts:1-0', workflowId: 'alerts:1-0' } });
  const g: GroupNotice = {
    id: 'alerts:group:db:3f2a', route: 'db', labels: { cluster: 'eu-1' }, status: 'firing', sequence: 1, counts: { firing: 1, new: 1, resolved: 0 }, severity: 'high',
    alerts: [{ alertId: 'a-7', deliveryId: 'd7', workflowId: 'd7', status: 'firing', severity: 'high', title: 'Disk full on db-7', ruleName: 'DiskFull', firedAt: '2026-01-15T10:00:00Z' }],
  };
  const cfg = { buttons: true };
  expect(buttonsOf(slackAppMessage(resolved, cfg).blocks)).toEqual([]);
  expect(buttonsOf(slackAppMessage(outgoing({}, { group: g }), cfg).blocks)).toEqual([]);
  expect(buttonsOf(slackAppMessage(outgoing(), { buttons: false }).blocks)).toEqual([]);
  expect(buttonsOf(slackAppMessage(outgoing(), cfg).blocks)).toHaveLength(3);
});

it('an attempt that runs again (a local activity after a crash, a retry after a timeout) finds its own message and posts none', async () => {
  const alert = outgoing();
  await channel().send(outgoing(), signal); // another delivery's message in between
  await channel().send(alert, signal);
  expect(await channel().send(alert, signal)).toBe(`Slack: already posted (ts ${slack.posted[1].ts})`);
  expect(slack.posted.filter((m) => m.metadata?.event_payload.delivery_id === alert.deliveryId)).toHaveLength(1);
  expect(slack.calls.filter((c) => c.method === 'chat.postMessage')).toHaveLength(2);
});

it('a person\'s contact: a direct message (conversations.open on their member ID); a wrong ID is refused naming the person only', async () => {
  await channel({ channel: undefined }).send(outgoing({}, { recipient: { person: 'alice', address: MEMBER } }), signal);
  expect(slack.posted.map((m) => m.channel)).toEqual([`D${MEMBER.slice(1)}`]);
  expect(slack.calls[0]).toMatchObject({ method: 'conversations.open', args: { users: MEMBER } });
  const refused = await channel().send(outgoing({}, { recipient: { person: 'bob', address: 'bob@example.com' } }), signal).catch((e: Error) => e);
  expect(refused).toBeInstanceOf(PermanentDeliveryError);
  expect((refused as Error).message).toBe('slack "team-slack" (person "bob"): the person\'s address is not a Slack member ID (U… or W…)');
  const unknown = await channel().send(outgoing({}, { recipient: { person: 'carol', address: 'U0NOBODY9' } }), signal).catch((e: Error) => e);
  expect(unknown).toBeInstanceOf(PermanentDeliveryError);
  expect((unknown as Error).message).toBe('slack "team-slack" (person "carol"): Slack conversations.open: user_not_found');
  const noChannel = await channel({ channel: undefined }).send(outgoing(), signal).catch((e: Error) => e);
  expect(noChannel).toBeInstanceOf(PermanentDeliveryError);
});

it.each<[string, { error?: string; status?: number; retryAfter?: number }, typeof PermanentDeliveryError | typeof TransientDeliveryError, RegExp, number | undefined]>([
  ['channel_not_found', { error: 'channel_not_found' }, PermanentDeliveryError, /Slack chat\.postMessage: channel_not_found$/, undefined],
  ['invalid_blocks', { error: 'invalid_blocks' }, PermanentDeliveryError, /invalid_blocks$/, undefined],
  ['internal_error', { error: 'internal_error' }, TransientDeliveryError, /internal_error$/, undefined],
  ['HTTP 429 with Retry-After', { status: 429, retryAfter: 7 }, TransientDeliveryError, /rate limited \(retry after 7 s\)$/, 7_000],
  ['HTTP 503', { status: 503 }, TransientDeliveryError, /HTTP 503$/, undefined],
])('chat.postMessage answering %s: %p', async (_what, forced, kind, message, retryAfterMs) => {
  slack.forced['chat.postMessage'] = [forced];
  const e = await channel().send(outgoing(), signal).catch((err: Error) => err);
  expect(e).toBeInstanceOf(kind);
  expect((e as Error).message).toMatch(message);
  expect((e as TransientDeliveryError).retryAfterMs).toBe(retryAfterMs);
  expect(slack.posted).toEqual([]);
});

it('a wrong token is permanent (invalid_auth) and no error names a token or a member ID; Slack unreachable is transient', async () => {
  const wrong = 'xoxb-0000000000-1111111111-WrongTokenWrongTokenWrong';
  const e = await channel({ token: wrong }).send(outgoing({}, { recipient: { person: 'alice', address: MEMBER } }), signal).catch((err: Error) => err);
  expect(e).toBeInstanceOf(PermanentDeliveryError);
  expect((e as Error).message).toBe('slack "team-slack" (person "alice"): Slack conversations.open: invalid_auth');
  const down = await channel({ apiUrl: 'http://127.0.0.1:9/api/' }).send(outgoing({}, { recipient: { person: 'alice', address: MEMBER } }), signal).catch((err: Error) => err);
  expect(down).toBeInstanceOf(TransientDeliveryError);
  for (const err of [e, down]) {
    expect((err as Error).message).not.toContain(wrong);
    expect((err as Error).message).not.toContain(TOKEN);
    expect((err as Error).message).not.toContain(MEMBER);
  }
});

describe('the channels file', () => {
  const parse = (channel: string) => () => parseChannelsFile(`channels:\n  s:\n    type: slack\n${channel}routes:\n  - channels: [s]\n`, 'channels.yaml', {});

  it('takes a bot token and a conversation ID, and builds the app channel', () => {
    const file = parseChannelsFile(`channels:\n  s:\n    type: slack\n    token: ${TOKEN}\n    channel: ${CHANNEL}\nroutes:\n  - channels: [s]\n`, 'channels.yaml', {});
    expect(file.channels.s).toMatchObject({ type: 'slack', token: TOKEN, channel: CHANNEL, apiUrl: 'https://slack.com/api/', buttons: true });
    expect(new ChannelRegistry(file).get('s')).toBeInstanceOf(SlackAppChannel);
  });
  it.each([
    ['both url and token', `    url: https://hooks.slack.com/services/T/B/x\n    token: ${TOKEN}\n`, /either `url` \(an incoming webhook\) or `token`/],
    ['neither', '    title: x\n', /either `url` \(an incoming webhook\) or `token`/],
    ['a channel with a webhook', `    url: https://hooks.slack.com/services/T/B/x\n    channel: ${CHANNEL}\n`, /`channel` goes with `token`/],
    ['a #name for a channel', `    token: ${TOKEN}\n    channel: "#alerts"\n`, /a Slack conversation ID/],
  ])('refuses %s', (_what, body, message) => {
    expect(parse(body)).toThrow(message);
  });
  it('a refusal never shows the token', () => {
    let text = '';
    try {
      parse(`    url: https://hooks.slack.com/services/T/B/x\n    token: ${TOKEN}\n`)();
    } catch (e) {
      text = (e as Error).message;
    }
    expect(text).not.toBe('');
    expect(text).not.toContain(TOKEN);
  });
});
