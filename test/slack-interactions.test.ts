// The intake's Slack interactivity endpoint (POST /slack/interactions) in process, with recording dependencies: the
// request signature checked with Slack's published example vector, then over HTTP a wrong, a missing and a stale
// signature refused with nothing done; each button's action (acknowledge, resolve, silence 1 h) done once however
// often it is pressed, the presser mapped to the on-call person, and the message redrawn through response_url.
// The real Temporal, stream and silence store behind these are the end-to-end test's (test/slack-e2e.test.ts).
import { SlackAppChannel } from '../src/channels/slack-app';
import { SLACK_ACTIONS } from '../src/channels/slack-actions';
import type { AlertEvent } from '../src/contracts/alert';
import type { AckInput } from '../src/contracts/messages';
import { DEFAULT_ALERTMANAGER_MAPPING } from '../src/intake/alertmanager';
import type { AckOutcome } from '../src/intake/acknowledge';
import { intakeSlackPresses } from '../src/intake/metrics';
import { buildIntakeServer, type IntakeApp } from '../src/intake/server';
import type { SlackInteractionDeps } from '../src/intake/slack-interactions';
import { slackSignature, verifySlackSignature } from '../src/intake/slack-signature';
import { createLogger } from '../src/logger';
import type { NewSilence } from '../src/storm/silences';
import { alertEvent } from './helpers/alerts';
import { SlackStandIn, type Posted } from './helpers/slack-standin';

const SECRET = 'slack-signing-secret-0123456789abcdef';
const TOKEN = 'xoxb-1-2-slackinteractionstesttoken';
const CHANNEL = 'C0ALERTS1';
const ALICE = { id: 'U0ALICE42', username: 'alice.s' };
const BOB = { id: 'U0BOB0007', username: 'bob' };

describe('Slack\'s request signature', () => {
  // Slack's published example (api.slack.com/authentication/verifying-requests-from-slack)
  const secret = Buffer.from('8f742231b10e8888abcd99yyyzzz85a5');
  const timestamp = '1531420618';
  const body = Buffer.from('token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c');
  const signature = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';
  const at = Number(timestamp) * 1000;

  it('computes and accepts Slack\'s example', () => {
    expect(slackSignature(secret, timestamp, body)).toBe(signature);
    expect(verifySlackSignature(secret, { timestamp, signature }, body, at)).toEqual({ ok: true });
    expect(verifySlackSignature(secret, { timestamp, signature }, body, at + 300_000)).toEqual({ ok: true }); // the window's edge
  });
  it.each<[string, () => ReturnType<typeof verifySlackSignature>, string]>([
    ['a body changed by one byte', () => verifySlackSignature(secret, { timestamp, signature }, Buffer.from(body.toString().replace('roadrunner', 'roadrunnel')), at), 'invalid'],
    ['another secret', () => verifySlackSignature(Buffer.from('8f742231b10e8888abcd99yyyzzz85a6'), { timestamp, signature }, body, at), 'invalid'],
    ['another timestamp', () => verifySlackSignature(secret, { timestamp: '1531420619', signature }, body, at), 'invalid'],
    ['a timestamp 5 min 1 s old', () => verifySlackSignature(secret, { timestamp, signature }, body, at + 301_000), 'stale'],
    ['a timestamp 5 min 1 s ahead', () => verifySlackSignature(secret, { timestamp, signature }, body, at - 301_000), 'stale'],
    ['no signature', () => verifySlackSignature(secret, { timestamp }, body, at), 'missing'],
    ['a signature of another length', () => verifySlackSignature(secret, { timestamp, signature: signature.slice(0, -2) }, body, at), 'invalid'],
  ])('refuses %s', (_what, check, reason) => {
    expect(check()).toEqual({ ok: false, reason });
  });
});

describe('POST /slack/interactions', () => {
  const slack = new SlackStandIn({ token: TOKEN, channels: [CHANNEL] });
  let app: IntakeApp;
  let url: string;
  const acks: [string, AckInput][] = [];
  const published: AlertEvent[] = [];
  const silences: NewSilence[] = [];
  const claims = new Set<string>();
  const events = new Map<string, AlertEvent>();
  let ackAnswer: (input: AckInput) => AckOutcome;
  let failPublish = 0;

  const deps = (): SlackInteractionDeps => ({
    signingSecret: Buffer.from(SECRET),
    responseUrls: [slack.url],
    acknowledge: (workflowId, input) => {
      acks.push([workflowId, input]);
      return Promise.resolve(ackAnswer(input));
    },
    resolvedEvent: (workflowId) => {
      const e = events.get(workflowId);
      return Promise.resolve(e ? { ok: true, event: { ...e, status: 'resolved' } } : { ok: false, problem: `${workflowId}: no such delivery` });
    },
    publish: (event) => {
      if (failPublish-- > 0) return Promise.reject(new Error('Redis: connection lost'));
      published.push(event);
      return Promise.resolve('1-0');
    },
    addSilence: (s) => {
      silences.push(s);
      return Promise.resolve('s-1');
    },
    claim: (key) => Promise.resolve(!claims.has(key) && !!claims.add(key)),
    release: (key) => {
      claims.delete(key);
      return Promise.resolve();
    },
    personOf: (id) => (id === ALICE.id ? 'alice' : undefined),
    respond: async (u, body) => {
      await fetch(u, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    },
  });

  beforeAll(async () => {
    await slack.start();
    app = buildIntakeServer({
      cfg: { auth: 'bearer', tokens: ['slack-test-intake-token-0123456789'], bodyLimit: 1024 * 1024, maxAlerts: 10, alertmanager: DEFAULT_ALERTMANAGER_MAPPING },
      log: createLogger('slack-interactions', 'silent'),
      writer: { stream: 'alerts', add: () => Promise.resolve([]) },
      limits: { maxEventBytes: 4096, channels: new Set(['x']) },
      slack: deps(),
      ready: () => true,
    });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await app.close();
    await slack.stop();
  });
  beforeEach(() => {
    acks.length = 0;
    published.length = 0;
    silences.length = 0;
    claims.clear();
    slack.responses.length = 0;
    failPublish = 0;
    ackAnswer = () => ({ kind: 'acknowledged', state: { status: 'delivered', channels: [], rounds: 1, parkedAt: null, abandonReason: null, incidentState: 'acknowledged' } });
  });

  let n = 0;
  /** A page's message as the Slack app channel posts it, for a delivery whose firing event is known. */
  async function page(): Promise<{ msg: Posted; workflowId: string; event: AlertEvent }> {
    const workflowId = `alerts:${Date.now()}-${++n}`;
    const event = alertEvent({ alertId: `a-${n}`, title: 'Disk full' });
    events.set(workflowId, event);
    await new SlackAppChannel({ name: 's', token: TOKEN, channel: CHANNEL, apiUrl: slack.apiUrl, timeoutMs: 2_000, buttons: true })
      .send({ channel: 's', deliveryId: workflowId, messageId: workflowId.slice(7), workflowId, receivedAt: new Date().toISOString(), event }, new AbortController().signal);
    return { msg: slack.posted.at(-1)!, workflowId, event };
  }
  const redrawn = async (responseId: string) => {
    for (let i = 0; i < 200; i++) {
      const r = slack.responses.find((x) => x.id === responseId);
      if (r) return r.body;
      await new Promise((res) => setTimeout(res, 25));
    }
    throw new Error(`no redraw for ${responseId}`);
  };
  /** Presses handled to the end (acted on and redrawn or not), from the intake's metric. */
  const handled = async () => (await intakeSlackPresses.get()).values.filter((v) => /_(done|already|failed)$/.test(String(v.labels.result))).reduce((a, v) => a + v.value, 0);
  const outcomeLine = (body: any) => body.blocks.find((b: any) => b.block_id === 'alert-outcome').elements[0].text;
  const buttons = (body: any) => body.blocks.filter((b: any) => b.type === 'actions').flatMap((b: any) => b.elements.map((e: any) => e.action_id));

  it.each<[string, { timestamp?: number; signature?: string }]>([
    ['a wrong signature', { signature: `v0=${'0'.repeat(64)}` }],
    ['a stale timestamp (signed correctly for it)', { timestamp: Math.floor(Date.now() / 1000) - 301 }],
    ['no signature', { signature: '' }],
  ])('%s: 401, and nothing is done', async (_what, sign) => {
    const { msg } = await page();
    const res = await slack.press(url, SECRET, msg, SLACK_ACTIONS.resolve, ALICE, sign);
    expect(res.status).toBe(401);
    // refused before any work started: nothing ran, nothing is running
    expect([acks, published, silences, [...claims], slack.responses]).toEqual([[], [], [], [], []]);
  });

  it('signed with another app\'s secret: 401', async () => {
    const { msg } = await page();
    expect((await slack.press(url, 'another-apps-signing-secret-000000', msg, SLACK_ACTIONS.acknowledge, ALICE)).status).toBe(401);
    expect(acks).toEqual([]);
  });

  it('Acknowledge: the update with the person of the on-call file; the message shows who and the buttons left', async () => {
    const { msg, workflowId } = await page();
    const res = await slack.press(url, SECRET, msg, SLACK_ACTIONS.acknowledge, ALICE);
    expect(res.status).toBe(200);
    const body = await redrawn(res.responseId);
    expect(acks).toEqual([[workflowId, { by: 'alice', via: 'slack' }]]);
    expect(body.replace_original).toBe(true);
    expect(outcomeLine(body)).toBe(':white_check_mark: Acknowledged by alice · incident acknowledged');
    expect(buttons(body)).toEqual([SLACK_ACTIONS.resolve, SLACK_ACTIONS.silence]);
    expect(body.blocks[0]).toEqual(msg.blocks![0]); // the message itself is kept
  });

  it('a user who is nobody in the on-call file is recorded as slack:<user name>; a second acknowledgement says it already was', async () => {
    const { msg } = await page();
    ackAnswer = () => ({ kind: 'rejected', reason: 'already acknowledged by alice' });
    const body = await redrawn((await slack.press(url, SECRET, msg, SLACK_ACTIONS.acknowledge, BOB)).responseId);
    expect(acks[0][1]).toEqual({ by: 'slack:bob', via: 'slack' });
    expect(outcomeLine(body)).toBe(':white_check_mark: Acknowledged by slack:bob (it already was) · incident acknowledged');
  });

  it('Resolve pressed three times at once: the resolved event is published once; no buttons are left', async () => {
    const { msg, event } = await page();
    const presses = await Promise.all([ALICE, BOB, ALICE].map((u) => slack.press(url, SECRET, msg, SLACK_ACTIONS.resolve, u)));
    const bodies = await Promise.all(presses.map((p) => redrawn(p.responseId)));
    expect(published).toEqual([{ ...event, status: 'resolved' }]);
    expect(bodies.map(outcomeLine).filter((t) => t.includes('(it already was)'))).toHaveLength(2);
    for (const b of bodies) expect(buttons(b)).toEqual([]);
  });

  it('a resolve that fails gives its claim back: the next press publishes', async () => {
    const { msg } = await page();
    failPublish = 1;
    const first = await redrawn((await slack.press(url, SECRET, msg, SLACK_ACTIONS.resolve, ALICE)).responseId);
    expect(outcomeLine(first)).toMatch(/^:warning: Resolve by alice did not go through: /);
    expect(buttons(first)).toEqual([SLACK_ACTIONS.acknowledge, SLACK_ACTIONS.resolve, SLACK_ACTIONS.silence]);
    await redrawn((await slack.press(url, SECRET, msg, SLACK_ACTIONS.resolve, ALICE)).responseId);
    expect(published).toHaveLength(1);
  });

  it('Silence 1 h: a silence of this alert for an hour by the person, once, and the incident acknowledged with a note', async () => {
    const { msg, workflowId, event } = await page();
    const before = Date.now();
    const body = await redrawn((await slack.press(url, SECRET, msg, SLACK_ACTIONS.silence, ALICE)).responseId);
    await redrawn((await slack.press(url, SECRET, msg, SLACK_ACTIONS.silence, ALICE)).responseId);
    expect(silences).toHaveLength(1);
    const [s] = silences;
    expect(s).toMatchObject({ matchers: [{ name: 'alertId', op: '=', value: event.alertId }], createdBy: 'alice' });
    expect(new Date(s.endsAt).getTime() - new Date(s.startsAt!).getTime()).toBe(3_600_000);
    expect(new Date(s.startsAt!).getTime()).toBeGreaterThanOrEqual(before);
    expect(acks[0]).toEqual([workflowId, { by: 'alice', via: 'slack', note: 'silenced for 1 h' }]);
    expect(outcomeLine(body)).toBe(':no_bell: Silenced for 1 h by alice · incident acknowledged');
    expect(buttons(body)).toEqual([SLACK_ACTIONS.resolve]);
  });

  it('a response_url outside SLACK_RESPONSE_URLS is not posted to; a payload that is not a press of ours is ignored', async () => {
    const { msg } = await page();
    const before = await handled();
    const other = new SlackStandIn({ token: TOKEN, channels: [CHANNEL] });
    await other.start();
    try {
      const res = await other.press(url, SECRET, msg, SLACK_ACTIONS.acknowledge, ALICE);
      expect(res.status).toBe(200);
      // the press is over once its count is in the metric (the last thing its handling does)
      for (let i = 0; i < 200 && (await handled()) === before; i++) await new Promise((r) => setTimeout(r, 25));
      expect(await handled()).toBe(before + 1);
      expect(acks).toHaveLength(1); // acted on (the signature is good) …
      expect(other.responses).toEqual([]); // … but not redrawn at a URL not allowed
    } finally {
      await other.stop();
    }
    const body = new URLSearchParams({ payload: JSON.stringify({ type: 'view_submission', user: { id: ALICE.id } }) }).toString();
    const ts = String(Math.floor(Date.now() / 1000));
    const res = await fetch(`${url}/slack/interactions`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': ts, 'x-slack-signature': slackSignature(SECRET, ts, body) }, body });
    expect(res.status).toBe(200);
    expect(acks).toHaveLength(1);
  });
});
