// Delivery safety of the channels, at unit level with real receivers on 127.0.0.1 (HTTP and SMTP):
// the delivery ID is every channel's idempotency key, a webhook body is byte-identical on every attempt,
// signing secrets are checked at start-up and verify with the independent `standardwebhooks` library,
// 409/422 are classified per the Idempotency-Key draft, Slack text cannot mention or disguise links and
// stays within Slack's limits, and an alert no route matches never pages every channel.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { parseChannelsFile, type ChannelsFile } from '../src/channels/config';
import { EmailChannel, messageIdFor } from '../src/channels/email';
import { pagerDutyEvent } from '../src/channels/pagerduty';
import { ChannelRegistry } from '../src/channels/registry';
import { SLACK_LIMITS, SlackChannel, slackMessage } from '../src/channels/slack';
import { checkTemplate, render } from '../src/channels/template';
import type { OutgoingAlert } from '../src/channels/types';
import { WebhookChannel, signStandardWebhook, webhookPayload, type WebhookConfig } from '../src/channels/webhook';
import { ConfigError, PermanentDeliveryError, TransientDeliveryError } from '../src/errors';
import type { AlertEvent } from '../src/contracts/alert';

const EVENT: AlertEvent = {
  alertId: 'alert-0042',
  ruleId: 'rule-disk',
  ruleName: 'Disk full',
  severity: 'critical',
  title: 'Disk at 97% on db-1',
  description: 'Free space below 3%',
  view: 'prod',
  scope: 'db-1',
  labels: { team: 'storage' },
  firedAt: '2026-01-15T10:20:30Z',
};

/** The same message ID exists on every stream (IDs are timestamps): only the delivery ID tells them apart. */
const MESSAGE_ID = '1768472430000-0';
function outgoing(stream = 'alerts', event: Partial<AlertEvent> = {}): OutgoingAlert {
  const deliveryId = `${stream}:${MESSAGE_ID}`;
  return { channel: 'c', deliveryId, messageId: MESSAGE_ID, workflowId: deliveryId, receivedAt: '2026-01-15T10:20:31.123Z', event: { ...EVENT, ...event } };
}

const signal = new AbortController().signal;

// ---------------------------------------------------------------------------------------------------
// A minimal HTTP receiver: records each raw POST and answers as the test says.
interface Post { path: string; headers: Record<string, string>; body: string; json: any }
interface Reply { status: number; headers?: Record<string, string>; body?: string }

class Receiver {
  readonly posts: Post[] = [];
  reply: (p: Post) => Reply = () => ({ status: 200 });
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]));
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const post: Post = { path: req.url ?? '', headers, body, json };
      this.posts.push(post);
      const r = this.reply(post);
      res.writeHead(r.status, r.headers).end(r.body ?? '');
    });
  });

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/alerts`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** The error a promise rejected with; fails the test if it resolved. */
async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    const ok = await p;
    throw new Error(`resolved with ${String(ok)}`);
  } catch (e) {
    return e as Error;
  }
}

/** A whsec_ secret of n deterministic bytes (all byte values, so the base64 has + and /). */
const bytes = (n: number, seed = 0) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 37 + seed + 251) % 256));
const whsec = (n = 32, seed = 0) => `whsec_${bytes(n, seed).toString('base64')}`;

let rx: Receiver;
beforeEach(async () => {
  rx = await new Receiver().start();
});
afterEach(async () => {
  jest.restoreAllMocks();
  await rx.stop();
});

// ---------------------------------------------------------------------------------------------------
describe('webhook: one delivery, one key, one body', () => {
  const hook = (over: Partial<WebhookConfig> = {}) => new WebhookChannel({ name: 'hook', url: rx.url, timeoutMs: 2000, ...over });

  it('two attempts (on two workers, 7 s apart) send byte-identical bodies and the same webhook-id = Idempotency-Key = deliveryId; only webhook-timestamp changes', async () => {
    const alert = outgoing('alerts-eu');
    const secret = whsec();
    const now = Date.now();
    const clock = jest.spyOn(Date, 'now').mockReturnValue(now);
    await hook({ secret }).send(alert, signal);
    clock.mockReturnValue(now + 7_000);
    await hook({ secret }).send(alert, signal);
    clock.mockRestore();

    expect(rx.posts).toHaveLength(2);
    const [a, b] = rx.posts;
    expect(b.body).toBe(a.body);
    for (const p of [a, b]) {
      expect(p.headers['webhook-id']).toBe('alerts-eu:1768472430000-0');
      expect(p.headers['idempotency-key']).toBe('alerts-eu:1768472430000-0');
    }
    expect(Number(b.headers['webhook-timestamp']) - Number(a.headers['webhook-timestamp'])).toBe(7);
    expect(b.headers['webhook-signature']).not.toBe(a.headers['webhook-signature']);
    // the payload's timestamp is when the entry was received, and data carries all three IDs
    expect(a.json).toEqual({
      type: 'alert.fired',
      timestamp: '2026-01-15T10:20:31.123Z',
      data: { deliveryId: 'alerts-eu:1768472430000-0', messageId: MESSAGE_ID, workflowId: 'alerts-eu:1768472430000-0', ...EVENT },
    });
    expect(a.body).toBe(JSON.stringify(webhookPayload(alert)));
  });

  it('the same message ID on two streams gives two different keys', async () => {
    await hook().send(outgoing('alerts-eu'), signal);
    await hook().send(outgoing('alerts-us'), signal);
    expect(rx.posts.map((p) => p.headers['webhook-id'])).toEqual(['alerts-eu:1768472430000-0', 'alerts-us:1768472430000-0']);
    expect(rx.posts.map((p) => p.headers['idempotency-key'])).toEqual(['alerts-eu:1768472430000-0', 'alerts-us:1768472430000-0']);
  });
});

// ---------------------------------------------------------------------------------------------------
describe('webhook: Standard Webhooks secrets', () => {
  const hook = (secret: string) => new WebhookChannel({ name: 'hook', url: rx.url, timeoutMs: 2000, secret });

  it.each([
    ['whsec_<base64>', whsec(32)],
    ['bare <base64> (no prefix)', bytes(24, 5).toString('base64')],
    ['whsec_ with exactly 16 bytes', whsec(16)],
  ])('%s: standardwebhooks verifies every attempt, signed over the delivery ID', async (_name, secret) => {
    const alert = outgoing();
    await hook(secret).send(alert, signal);
    await hook(secret).send(alert, signal);
    const wh = new Webhook(secret);
    for (const p of rx.posts) {
      expect(wh.verify(p.body, p.headers)).toEqual(p.json);
      // the signed ID is the delivery ID, not the bare message ID
      expect(() => wh.verify(p.body, { ...p.headers, 'webhook-id': alert.messageId })).toThrow(WebhookVerificationError);
    }
    expect(signStandardWebhook(secret, alert.deliveryId, Number(rx.posts[0].headers['webhook-timestamp']), rx.posts[0].body)).toBe(rx.posts[0].headers['webhook-signature']);
  });

  it('with and without the prefix, the same base64 is the same key', () => {
    const b64 = bytes(32).toString('base64');
    expect(signStandardWebhook(b64, 'id', 1_700_000_000, '{}')).toBe(signStandardWebhook(`whsec_${b64}`, 'id', 1_700_000_000, '{}'));
  });

  const yaml = (secret: string) => `channels:\n  hook:\n    type: webhook\n    url: https://hooks.example.com/T000\n    secret: "${secret}"\n`;

  it.each([
    ['whsec_ followed by something that is not base64', 'whsec_Th1s is-not_base64!!', /^channels\.hook\.secret: the part after the whsec_ prefix is not valid base64/],
    ['whsec_ with URL-safe base64', `whsec_${bytes(32).toString('base64url')}=`, /^channels\.hook\.secret: the part after the whsec_ prefix is not valid base64/],
    ['whsec_ with base64 missing its padding', `whsec_${bytes(32).toString('base64').replace(/=+$/, '')}`, /^channels\.hook\.secret: the part after the whsec_ prefix is not valid base64/],
    ['whsec_ decoding to 15 bytes', whsec(15), /^channels\.hook\.secret: the secret decodes to 15 bytes, fewer than 16 \(Standard Webhooks recommends 24-64\)/],
    ['whsec_ with nothing after it', 'whsec_', /^channels\.hook\.secret: the part after the whsec_ prefix is not valid base64/],
    ['a passphrase without the prefix', 'correct horse battery staple', /^channels\.hook\.secret: a secret without the whsec_ prefix is read as base64 \(as Standard Webhooks libraries do\), and it is not valid base64/],
    ['short base64 without the prefix', bytes(8).toString('base64'), /^channels\.hook\.secret: a secret without the whsec_ prefix is read as base64 .*, and it decodes to 8 bytes, fewer than 16/],
  ])('rejects at start-up: %s, naming the path and the fix, never the secret', (_name, secret, problem) => {
    const err = failureSync(() => parseChannelsFile(yaml(secret), 'channels.yaml', {}));
    expect(err).toBeInstanceOf(ConfigError);
    const { problems } = err as ConfigError;
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(problem);
    expect(problems[0]).toContain('openssl rand -base64 32');
    expect(err.message).toContain('channels file channels.yaml');
    const body = secret.replace(/^whsec_/, '');
    if (body) expect(err.message).not.toContain(body);
    if (body.length > 8) expect(err.message).not.toContain(body.slice(0, 8));
    // a channel built without the file is refused the same way
    const built = failureSync(() => hook(secret));
    expect(built).toBeInstanceOf(ConfigError);
    if (body) expect(built.message).not.toContain(body);
  });

  it('accepts both forms at start-up', () => {
    for (const secret of [whsec(32), bytes(64).toString('base64'), whsec(16)]) {
      expect(parseChannelsFile(yaml(secret), 'channels.yaml', {}).channels.hook).toMatchObject({ secret });
    }
  });
});

function failureSync(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('no error thrown');
}

// ---------------------------------------------------------------------------------------------------
describe('HTTP answers about the idempotency key (IETF Idempotency-Key draft)', () => {
  it('409 (a request with this key is in progress) → TransientDeliveryError, Retry-After honoured', async () => {
    rx.reply = () => ({ status: 409, headers: { 'Retry-After': '4' }, body: 'request in progress' });
    const err = await failure(new WebhookChannel({ name: 'hook', url: rx.url, timeoutMs: 2000 }).send(outgoing(), signal));
    expect(err).toBeInstanceOf(TransientDeliveryError);
    expect(err.message).toBe('webhook "hook": HTTP 409: request in progress');
    expect((err as TransientDeliveryError).retryAfterMs).toBe(4000);
  });

  it('409 without Retry-After is transient too, on Slack as well', async () => {
    rx.reply = () => ({ status: 409 });
    const err = await failure(new SlackChannel({ name: 'ops', url: rx.url, timeoutMs: 2000 }).send(outgoing(), signal));
    expect(err).toBeInstanceOf(TransientDeliveryError);
    expect((err as TransientDeliveryError).retryAfterMs).toBeUndefined();
  });

  it('422 (the key was used with another body) → PermanentDeliveryError, even with Retry-After', async () => {
    rx.reply = () => ({ status: 422, headers: { 'Retry-After': '4' }, body: 'idempotency key reused' });
    const err = await failure(new WebhookChannel({ name: 'hook', url: rx.url, timeoutMs: 2000 }).send(outgoing(), signal));
    expect(err).toBeInstanceOf(PermanentDeliveryError);
    expect(err.message).toBe('webhook "hook": HTTP 422: idempotency key reused');
  });
});

// ---------------------------------------------------------------------------------------------------
describe('slack: alert content cannot mention anyone or disguise links', () => {
  const HOSTILE: Partial<AlertEvent> = {
    title: 'Disk <!channel> & <@U123>',
    ruleName: 'Rule <!here>',
    ruleId: 'r<@U999>',
    view: '<!subteam^S1>',
    scope: 'db & <https://evil.example|db-1>',
    description: 'Click <https://evil.example/login|here> & <!everyone>',
    labels: { team: '<!channel>', 'a&b': '<https://evil.example|x>' },
    alertId: 'id<!here>',
  };
  const LINK = 'http://127.0.0.1:8233/namespaces/default/workflows/alerts%3A1768472430000-0';

  /** Every mrkdwn text and the fallback text, i.e. the whole message without the plain_text header. */
  const mrkdwnJson = (msg: { blocks: unknown[] }) => JSON.stringify({ ...msg, blocks: msg.blocks.slice(1) });

  it('escapes & < > in every piece of alert content; the header stays literal plain_text', async () => {
    await new SlackChannel({ name: 'ops', url: rx.url, timeoutMs: 2000 }).send(outgoing('alerts', HOSTILE), signal);
    const msg = rx.posts[0].json;
    expect(rx.posts[0].headers['idempotency-key']).toBe('alerts:1768472430000-0');
    expect(msg.text).toBe(':rotating_light: [critical] Disk &lt;!channel&gt; &amp; &lt;@U123&gt;');
    expect(msg.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: '[critical] Disk <!channel> & <@U123>', emoji: true } });
    expect(msg.blocks[1].fields.map((f: { text: string }) => f.text)).toEqual([
      '*Severity*\n:rotating_light: critical',
      '*Rule*\nRule &lt;!here&gt; (`r&lt;@U999&gt;`)',
      '*Where*\n&lt;!subteam^S1&gt; / db &amp; &lt;https://evil.example|db-1&gt;',
      '*Fired*\n2026-01-15T10:20:30Z',
    ]);
    expect(msg.blocks[2]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: 'Click &lt;https://evil.example/login|here&gt; &amp; &lt;!everyone&gt;' } });
    expect(msg.blocks[3].elements).toEqual([
      { type: 'mrkdwn', text: 'Labels: `team=&lt;!channel&gt;` `a&amp;b=&lt;https://evil.example|x&gt;`' },
      { type: 'mrkdwn', text: `<${LINK}|Open the alert> · alert \`id&lt;!here&gt;\`` },
    ]);
    const json = mrkdwnJson(msg);
    expect(json).not.toContain('<!');
    expect(json).not.toContain('<@');
    expect(json).not.toContain('<https://evil');
    expect(json.match(/</g)).toEqual(['<']); // one `<`: the alert link built by the channel
    expect(json).not.toMatch(/&(?!amp;|lt;|gt;)/); // every & is the start of an escape
  });

  it('escapes values inserted into configured templates, keeping the operator\'s own text', () => {
    // the operator may mention on purpose (configuration); the alert's content never can
    const msg = slackMessage(outgoing('alerts', HOSTILE), { title: '*{{severity}}* {{title}} ({{labels.team}})', text: '<!here> _{{ruleName}}_: {{description}} [{{labels}}] {{deliveryId}}' });
    expect(msg.blocks[0].text!.text).toBe('*critical* Disk <!channel> & <@U123> (<!channel>)');
    expect(msg.text).toBe(':rotating_light: *critical* Disk &lt;!channel&gt; &amp; &lt;@U123&gt; (&lt;!channel&gt;)');
    expect(msg.blocks[2].text!.text).toBe(
      '<!here> _Rule &lt;!here&gt;_: Click &lt;https://evil.example/login|here&gt; &amp; &lt;!everyone&gt; [team=&lt;!channel&gt;, a&amp;b=&lt;https://evil.example|x&gt;] alerts:1768472430000-0',
    );
    expect(mrkdwnJson(msg).match(/<!/g)).toEqual(['<!']); // the operator's <!here>, nothing else
  });

  it('200 labels, a 1000-character title and a 5000-character description stay within Slack\'s limits', () => {
    const labels = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`label-${String(i).padStart(3, '0')}`, `value-${i}-<&>`]));
    const msg = slackMessage(outgoing('alerts', { labels, title: `T${'<'.repeat(999)}`, description: '&'.repeat(5000) }), {});
    const header = msg.blocks[0].text!.text;
    expect(header.length).toBeLessThanOrEqual(SLACK_LIMITS.header);
    expect(header).toBe(`[critical] T${'<'.repeat(137)}…`);
    expect(msg.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fallback);
    expect(msg.text.length).toBeGreaterThan(SLACK_LIMITS.fallback - 5);
    expect(msg.text).toMatch(/^:rotating_light: \[critical\] T(&lt;)+…$/); // cut between escapes, never inside one
    const section = msg.blocks[2].text!.text;
    expect(section.length).toBeLessThanOrEqual(SLACK_LIMITS.section);
    expect(section).toMatch(/^(&amp;)+…$/);
    const context = msg.blocks[3].elements!;
    expect(context.length).toBeLessThanOrEqual(SLACK_LIMITS.contextElements);
    for (const el of context) expect(el.text.length).toBeLessThanOrEqual(SLACK_LIMITS.context);
    const labelText = context[0].text;
    const shown = labelText.match(/`label-\d{3}=value-\d+-&lt;&amp;&gt;`/g) ?? [];
    const more = Number(/ \(\+(\d+) more labels\)$/.exec(labelText)?.[1]);
    expect(shown.length).toBeGreaterThan(20);
    expect(more).toBe(200 - shown.length);
    expect(labelText.length).toBeGreaterThan(SLACK_LIMITS.context - 40); // filled, not cut short
    for (const f of msg.blocks[1].fields!) expect(f.text.length).toBeLessThanOrEqual(SLACK_LIMITS.field);
  });

  it('one huge label is shortened rather than hiding every other label', () => {
    const msg = slackMessage(outgoing('alerts', { labels: { huge: 'x'.repeat(10_000), team: 'storage' } }), {});
    const text = msg.blocks[3].elements![0].text;
    expect(text.length).toBeLessThanOrEqual(SLACK_LIMITS.context);
    expect(text).toMatch(/^Labels: `huge=x+…` `team=storage`$/);
  });
});

// ---------------------------------------------------------------------------------------------------
describe('routes: an unmatched alert never pages every channel', () => {
  const two = (routes: string) => `channels:
  pager:
    type: pagerduty
    routingKey: R0UTINGKEY
  hook:
    type: webhook
    url: https://hooks.example.com/T000
${routes}`;
  const FIX = 'routes: with 2 channels, an alert that no route matches would have nowhere to go (it is not sent to every channel): add a last route without `match`, e.g. `- channels: [pager]`';
  const event = (over: Partial<AlertEvent> = {}): AlertEvent => ({ ...EVENT, ...over });

  it.each([
    ['no routes at all', ''],
    ['routes without a catch-all', 'routes:\n  - match: { severity: [critical] }\n    channels: [pager]\n  - match: { labels: { team: web } }\n    channels: [hook]\n'],
  ])('more than one channel and %s → start-up error at `routes` with the fix', (_name, routes) => {
    const err = failureSync(() => parseChannelsFile(two(routes), 'channels.yaml', {}));
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([FIX]);
  });

  it.each([
    ['a route without match', '  - channels: [hook]\n'],
    ['match: {}', '  - match: {}\n    channels: [hook]\n'],
    ['an empty labels match', '  - match: { labels: {} }\n    channels: [hook]\n'],
  ])('a catch-all (%s) is accepted and takes what nothing else matched', (_name, catchAll) => {
    const file = parseChannelsFile(two(`routes:\n  - match: { severity: [critical] }\n    channels: [pager]\n${catchAll}`), 'channels.yaml', {});
    const reg = new ChannelRegistry(file);
    expect(reg.route(event({ severity: 'critical' }))).toEqual(['pager']);
    expect(reg.route(event({ severity: 'info' }))).toEqual(['hook']);
  });

  it('one channel without routes is accepted: everything goes to it', () => {
    const file = parseChannelsFile('channels:\n  hook:\n    type: webhook\n    url: https://hooks.example.com/T000\n', 'channels.yaml', {});
    expect(file.routes).toEqual([]);
    expect(new ChannelRegistry(file).route(event({ severity: 'info' }))).toEqual(['hook']);
  });

  it('one channel whose routes match nothing: the alert goes to that channel', () => {
    const file = parseChannelsFile('channels:\n  hook:\n    type: webhook\n    url: https://hooks.example.com/T000\nroutes:\n  - match: { severity: [critical] }\n    channels: [hook]\n', 'channels.yaml', {});
    expect(new ChannelRegistry(file).route(event({ severity: 'info' }))).toEqual(['hook']);
  });

  it('a registry built from an unvalidated file without a catch-all refuses to start', () => {
    const file = parseChannelsFile(two('routes:\n  - channels: [hook]\n'), 'channels.yaml', {});
    const unsafe: ChannelsFile = { ...file, routes: [{ match: { severity: ['critical'] }, channels: ['pager'], continue: false }] };
    const err = failureSync(() => new ChannelRegistry(unsafe));
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([FIX]);
  });
});

// ---------------------------------------------------------------------------------------------------
describe('email, PagerDuty and templates use the delivery ID', () => {
  it('Message-ID = <alertId.deliveryId@alert-delivery>: equal message IDs on two streams differ', () => {
    expect(messageIdFor(outgoing('alerts-eu'))).toBe('<alert-0042.alerts-eu_1768472430000-0@alert-delivery>');
    expect(messageIdFor(outgoing('alerts-us'))).toBe('<alert-0042.alerts-us_1768472430000-0@alert-delivery>');
  });

  describe('over SMTP (real server on 127.0.0.1)', () => {
    let server: SMTPServer;
    let port: number;
    const mails: string[] = [];
    beforeAll(async () => {
      server = new SMTPServer({
        authOptional: true, disabledCommands: ['STARTTLS'], logger: false,
        onData(stream, _session, cb) {
          let data = '';
          stream.on('data', (c: Buffer) => (data += c.toString()));
          stream.on('end', () => {
            mails.push(data);
            cb();
          });
        },
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.server.address() as AddressInfo).port;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('sends Message-ID and Idempotency-Key from the delivery ID; a retry repeats them', async () => {
      const mail = new EmailChannel({ name: 'oncall', host: '127.0.0.1', port, secure: false, from: 'alerts@example.test', to: ['oncall@example.test'], timeoutMs: 3000 });
      await mail.send(outgoing('alerts-eu'), signal);
      await mail.send(outgoing('alerts-eu'), signal);
      await mail.send(outgoing('alerts-us'), signal);
      const header = (m: string, name: string) => new RegExp(`^${name}: (.*)$`, 'mi').exec(m)?.[1];
      expect(mails.map((m) => header(m, 'Message-ID'))).toEqual([
        '<alert-0042.alerts-eu_1768472430000-0@alert-delivery>',
        '<alert-0042.alerts-eu_1768472430000-0@alert-delivery>',
        '<alert-0042.alerts-us_1768472430000-0@alert-delivery>',
      ]);
      expect(mails.map((m) => header(m, 'Idempotency-Key'))).toEqual(['alerts-eu:1768472430000-0', 'alerts-eu:1768472430000-0', 'alerts-us:1768472430000-0']);
    });
  });

  it('PagerDuty keeps dedup_key = alert ID (the incident) and reports the delivery ID in custom_details', () => {
    const ev = pagerDutyEvent(outgoing('alerts-eu'), { routingKey: 'R0UTINGKEY' });
    expect(ev.dedup_key).toBe('alert-0042');
    expect(ev.payload.custom_details).toMatchObject({ deliveryId: 'alerts-eu:1768472430000-0', streamMessageId: MESSAGE_ID });
  });

  it('{{deliveryId}} is a template field', () => {
    expect(checkTemplate('{{deliveryId}} / {{messageId}}')).toEqual([]);
    expect(render('{{deliveryId}} / {{messageId}}', outgoing('alerts-eu'))).toBe('alerts-eu:1768472430000-0 / 1768472430000-0');
  });

  it('{{labels.constructor}} is an absent label, not Object.prototype\'s', () => {
    expect(render('[{{labels.constructor}}]', outgoing('alerts', { labels: {} }))).toBe('[]');
    expect(slackMessage(outgoing('alerts', { labels: {} }), { title: '{{labels.constructor}}x' }).text).toBe(':rotating_light: x');
  });
});

// ---------------------------------------------------------------------------------------------------
describe('ack links in messages (a page\'s firing notification carries `ackUrl`)', () => {
  const ACK = 'https://alerts.example.com/ack/eyJ2IjoxLCJ3IjoiYWxlcnRzOjE3Njg0NzI0MzAwMDAtMCIsImUiOjE3Njk2ODIwMzF9.Vq3mX2y9dZ7rQ0aH6kT1uB8cN4pE5fG2hJ3iK7lM9nO';
  /** A link with every character mrkdwn and HTML treat specially (a base with an odd path, as a hostile config could give). */
  const ODD = 'https://alerts.example.com/a&b<c>d|e"f\'g/ack/tok.en';
  const withAck = (ackUrl = ACK, stream = 'alerts', event: Partial<AlertEvent> = {}): OutgoingAlert => ({ ...outgoing(stream, event), ackUrl });
  const resolved = (): OutgoingAlert => ({ ...withAck(), deliveryId: 'alerts:1768472430000-0:resolved', resolves: { deliveryId: 'alerts:1768472430000-0', workflowId: 'alerts:1768472430000-0' } });

  it('webhook: data.ackUrl, the same bytes on every attempt; none on a resolved notification or without a link', async () => {
    const hook = new WebhookChannel({ name: 'hook', url: rx.url, timeoutMs: 2000, secret: whsec() });
    const now = Date.now();
    const clock = jest.spyOn(Date, 'now').mockReturnValue(now);
    await hook.send(withAck(), signal);
    clock.mockReturnValue(now + 7_000);
    await hook.send(withAck(), signal);
    clock.mockRestore();
    expect(rx.posts[1].body).toBe(rx.posts[0].body);
    expect(rx.posts[0].json).toEqual({
      type: 'alert.fired', timestamp: '2026-01-15T10:20:31.123Z',
      data: { deliveryId: 'alerts:1768472430000-0', messageId: MESSAGE_ID, workflowId: 'alerts:1768472430000-0', ...EVENT, ackUrl: ACK },
    });
    expect(webhookPayload(resolved()).data).not.toHaveProperty('ackUrl');
    expect(webhookPayload(resolved()).type).toBe('alert.resolved');
    expect(webhookPayload(outgoing()).data).not.toHaveProperty('ackUrl');
  });

  it('Slack: an "Acknowledge" link of its own in the context block, escaped; none on a resolved notification', () => {
    const msg = slackMessage(withAck(), {});
    expect(msg.blocks[3].elements).toHaveLength(3);
    expect(msg.blocks[3].elements![2]).toEqual({ type: 'mrkdwn', text: `*<${ACK}|Acknowledge>*` });
    // & < > escaped as Slack asks, | (which would end the URL) percent-encoded: still one link, to the same place
    const odd = slackMessage(withAck(ODD), {}).blocks[3].elements![2].text;
    expect(odd).toBe('*<https://alerts.example.com/a&amp;b&lt;c&gt;d%7Ce"f\'g/ack/tok.en|Acknowledge>*');
    expect(odd.match(/[<>|]/g)).toEqual(['<', '|', '>']);
    expect(JSON.stringify(slackMessage(resolved(), {}))).not.toContain('/ack/');
    expect(slackMessage(outgoing(), {}).blocks[3].elements).toHaveLength(2);
  });

  it('Slack: with 200 labels and a huge alert ID, the link is whole and every element within the limits', () => {
    const labels = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`label-${i}`, `<&>${i}`]));
    const msg = slackMessage(withAck(ACK, 'alerts', { labels, alertId: 'x'.repeat(256) }), {});
    const els = msg.blocks[3].elements!;
    expect(els.length).toBeLessThanOrEqual(SLACK_LIMITS.contextElements);
    for (const el of els) expect(el.text.length).toBeLessThanOrEqual(SLACK_LIMITS.context);
    expect(els.at(-1)!.text).toBe(`*<${ACK}|Acknowledge>*`);
    // a link that cannot fit is left out, never cut (a cut link would lead nowhere)
    const huge = `https://alerts.example.com/ack/${'a'.repeat(2100)}`;
    expect(JSON.stringify(slackMessage(withAck(huge), {}))).not.toContain('/ack/');
  });

  it('PagerDuty: the link is added to `links` next to the alert\'s; none without a link', () => {
    const ev = pagerDutyEvent(withAck(), { routingKey: 'R0UTINGKEY' });
    expect(ev.links).toEqual([
      { href: 'http://127.0.0.1:8233/namespaces/default/workflows/alerts%3A1768472430000-0', text: 'Alert delivery (Temporal)' },
      { href: ACK, text: 'Acknowledge in alert-delivery' },
    ]);
    expect(pagerDutyEvent(outgoing(), { routingKey: 'R0UTINGKEY' }).links).toHaveLength(1);
  });

  it('templates: {{ackUrl}} is a field (empty without a link)', () => {
    expect(checkTemplate('{{title}} ack: {{ackUrl}}')).toEqual([]);
    expect(render('ack: {{ackUrl}}', withAck())).toBe(`ack: ${ACK}`);
    expect(render('ack: [{{ackUrl}}]', outgoing())).toBe('ack: []');
    // in Slack it is inserted as escaped text, like every value
    expect(slackMessage(withAck(ODD), { text: 'ack {{ackUrl}}' }).blocks[2].text!.text).toBe('ack https://alerts.example.com/a&amp;b&lt;c&gt;d|e"f\'g/ack/tok.en');
  });

  describe('email over SMTP (real server on 127.0.0.1)', () => {
    let server: SMTPServer;
    let port: number;
    const mails: string[] = [];
    beforeAll(async () => {
      server = new SMTPServer({
        authOptional: true, disabledCommands: ['STARTTLS'], logger: false,
        onData(stream, _session, cb) {
          let data = '';
          stream.on('data', (c: Buffer) => (data += c.toString()));
          stream.on('end', () => {
            mails.push(data);
            cb();
          });
        },
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.server.address() as AddressInfo).port;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
    beforeEach(() => {
      mails.length = 0;
    });
    const mail = (text?: string) => new EmailChannel({ name: 'oncall', host: '127.0.0.1', port, secure: false, from: 'alerts@example.test', to: ['oncall@example.test'], timeoutMs: 3000, ...(text ? { text } : {}) });
    /** The text and HTML parts of a raw message, quoted-printable decoded. */
    const parts = (raw: string) => {
      const part = (type: string) => {
        const m = new RegExp(`Content-Type: ${type}[^\\r\\n]*\\r\\n(?:[^\\r\\n]+\\r\\n)*\\r\\n([\\s\\S]*?)\\r\\n--`).exec(raw);
        const body = m?.[1] ?? '';
        return /Content-Transfer-Encoding: quoted-printable/.test(raw) ? body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_x, h: string) => String.fromCharCode(parseInt(h, 16))) : body;
      };
      return { text: part('text/plain'), html: part('text/html') };
    };

    it('the text ends with the link, the HTML has an "Acknowledge" anchor with the URL escaped', async () => {
      await mail().send(withAck(ODD), signal);
      const { text, html } = parts(mails[0]);
      expect(text).toMatch(/\/workflows\/alerts%3A1768472430000-0\r\n\r\nAcknowledge: (.*)\r\n$/);
      expect(/Acknowledge: (.*)\r\n$/.exec(text)![1]).toBe(ODD); // plain text: the URL as it is
      expect(html).toContain('<p><a href="https://alerts.example.com/a&#38;b&#60;c&#62;d|e&#34;f&#39;g/ack/tok.en"><strong>Acknowledge</strong></a></p>');
      expect(html).not.toContain('a&b<c>');
      expect(html.match(/<a /g)).toHaveLength(2); // the ack link and the alert's, nothing from the URL
    });

    it('a text template that places {{ackUrl}} gets it once, not appended again; a resolved notification has none', async () => {
      await mail('{{title}}: acknowledge at {{ackUrl}}').send(withAck(), signal);
      await mail().send(resolved(), signal);
      const placed = parts(mails[0]);
      expect(placed.text).toBe(`Disk at 97% on db-1: acknowledge at ${ACK}`);
      expect(placed.html).toContain(`<a href="${ACK}"><strong>Acknowledge</strong></a>`);
      const resolvedParts = parts(mails[1]);
      expect(resolvedParts.text).toContain('/workflows/alerts%3A1768472430000-0'); // the control: the part was read
      expect(`${resolvedParts.text}${resolvedParts.html}`).not.toContain('/ack/');
    });
  });
});
