// Slack, PagerDuty and email channels against real local receivers (HTTP and SMTP on 127.0.0.1).
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { EmailChannel, messageIdFor } from '../src/channels/email';
import { PagerDutyChannel } from '../src/channels/pagerduty';
import { canReachPerson } from '../src/channels/recipients';
import { SlackChannel, slackMessage } from '../src/channels/slack';
import { checkTemplate, render } from '../src/channels/template';
import type { OutgoingAlert } from '../src/channels/types';
import { PermanentDeliveryError, TransientDeliveryError } from '../src/errors';
import { alertEvent } from './helpers/alerts';
import { TestReceiver } from './helpers/receiver';

const signal = new AbortController().signal;
const alert = (over = {}): OutgoingAlert => ({
  channel: 'c', deliveryId: 'alerts:1700000000000-0', messageId: '1700000000000-0', workflowId: 'alerts:1700000000000-0',
  receivedAt: '2023-11-14T22:13:20.000Z',
  event: alertEvent({ alertId: 'a-42', severity: 'critical', title: 'Disk full', labels: { team: 'storage', region: 'eu' }, ...over }),
});

describe('templates', () => {
  it('renders fields and labels as text, never evaluating alert content', () => {
    const a = alert({ title: '{{labels.team}} ${process.env.HOME}' });
    expect(render('[{{severity}}] {{title}} team={{labels.team}} all={{labels}} missing={{labels.nope}}', a)).toBe(
      '[critical] {{labels.team}} ${process.env.HOME} team=storage all=team=storage, region=eu missing=',
    );
  });
  it('reports unknown fields and malformed placeholders', () => {
    expect(checkTemplate('{{title}} {{labels.team}}')).toEqual([]);
    expect(checkTemplate('{{titel}}')[0]).toMatch(/unknown field \{\{titel\}\}/);
    expect(checkTemplate('{{title}')).toEqual(['unbalanced or malformed {{ }} placeholder']);
  });
});

describe('slack channel', () => {
  let rx: TestReceiver;
  beforeEach(async () => {
    rx = await new TestReceiver().start();
  });
  afterEach(() => rx.stop());

  it('posts a Block Kit message with severity, title, rule, labels and a link to the alert', async () => {
    const ch = new SlackChannel({ name: 'ops', url: `${rx.url}/T000/B000/SECRETTOKEN`, timeoutMs: 2000 });
    await expect(ch.send(alert(), signal)).resolves.toBe('HTTP 200');
    const msg = rx.posts[0].json;
    expect(msg.text).toMatch(/\[critical\] Disk full/);
    expect(msg.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: '[critical] Disk full', emoji: true } });
    const text = JSON.stringify(msg.blocks);
    for (const part of ['*Severity*', 'critical', 'CPU high', 'rule-cpu', '`team=storage`', 'alerts%3A1700000000000-0']) expect(text).toContain(part);
  });

  it('classifies Slack answers and keeps the webhook token out of errors', async () => {
    const ch = new SlackChannel({ name: 'ops', url: `${rx.url}/T000/B000/SECRETTOKEN`, timeoutMs: 2000 });
    rx.behaviour = () => ({ status: 404, body: 'no_service for /alerts/T000/B000/SECRETTOKEN' });
    const permanent = await ch.send(alert(), signal).catch((e: Error) => e);
    expect(permanent).toBeInstanceOf(PermanentDeliveryError);
    expect((permanent as Error).message).not.toContain('SECRETTOKEN');
    rx.behaviour = () => ({ status: 429, headers: { 'retry-after': '3' } });
    const limited = await ch.send(alert(), signal).catch((e: Error) => e);
    expect(limited).toBeInstanceOf(TransientDeliveryError);
    expect((limited as TransientDeliveryError).retryAfterMs).toBe(3000);
  });

  // On call (issue 22): a person's Slack member ID, mentioned in the channel the webhook posts to.
  it('a personal notification mentions the member first in the text and the blocks; the rest is the message as today', async () => {
    const ch = new SlackChannel({ name: 'ops', url: `${rx.url}/T000/B000/SECRETTOKEN`, timeoutMs: 2000 });
    const base = alert();
    await expect(ch.send({ ...base, recipient: { person: 'alice', address: 'U024BE7LH' } }, signal)).resolves.toBe('HTTP 200');
    expect(rx.posts).toHaveLength(1);
    const msg = rx.posts[0].json;
    const plain = slackMessage(base, {});
    expect(msg.text).toBe(`<@U024BE7LH> ${plain.text}`);
    expect(msg.blocks[0]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: '<@U024BE7LH>' } });
    expect(msg.blocks.slice(1)).toEqual(plain.blocks);
    expect(rx.posts[0].path).toBe('/alerts/T000/B000/SECRETTOKEN'); // the channel's webhook: the mention is in the message
  });

  it('a long message keeps the whole mention and stays within Slack\'s fallback limit', async () => {
    const ch = new SlackChannel({ name: 'ops', url: rx.url, timeoutMs: 2000 });
    await ch.send({ ...alert({ title: 'x'.repeat(5000) }), recipient: { person: 'alice', address: 'W0123ABCDEF' } }, signal);
    const { text } = rx.posts[0].json as { text: string };
    expect(text.startsWith('<@W0123ABCDEF> ')).toBe(true);
    expect(text.length).toBe(3000);
    expect(text.endsWith('…')).toBe(true);
  });

  it.each([
    ['lower case', 'u024be7lh'],
    ['a name', '@alice.smith'],
    ['a channel mention', '<!channel>'],
    ['an ID with a mention smuggled in', 'U024BE7LH> <!here'],
    ['an email address', 'alice.smith@example.test'],
    ['too short', 'U1'],
  ])('%s is refused: PermanentDeliveryError naming the person, not the address; nothing is sent', async (_name, address) => {
    const ch = new SlackChannel({ name: 'ops', url: rx.url, timeoutMs: 2000 });
    const err = await ch.send({ ...alert(), recipient: { person: 'alice', address } }, signal).then(
      (ok) => new Error(`send resolved with ${ok}, expected it to reject`),
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(PermanentDeliveryError);
    expect(err.message).toBe('slack "ops" (person "alice"): the person\'s address is not a Slack member ID (U… or W…)');
    expect(`${err.message}\n${err.stack}`).not.toContain(address);
    expect(rx.posts).toHaveLength(0);
  });
});

describe('pagerduty channel', () => {
  let rx: TestReceiver;
  beforeEach(async () => {
    rx = await new TestReceiver(() => ({ status: 202, body: '{"status":"success","dedup_key":"a-42"}' })).start();
  });
  afterEach(() => rx.stop());
  const pd = (url: string) => new PagerDutyChannel({ name: 'pager', routingKey: 'R0UTINGKEY123', url, timeoutMs: 2000 });

  it('sends an Events API v2 trigger with dedup_key = alert ID and the severity mapped', async () => {
    await expect(pd(rx.url).send(alert({ severity: 'high' }), signal)).resolves.toBe('HTTP 202');
    expect(rx.posts[0].json).toMatchObject({
      routing_key: 'R0UTINGKEY123', event_action: 'trigger', dedup_key: 'a-42',
      payload: { summary: '[high] Disk full', severity: 'error', source: 'host-1', component: 'prod', group: 'rule-cpu', custom_details: { labels: { team: 'storage' } } },
    });
  });

  it.each([
    [400, PermanentDeliveryError],
    [429, TransientDeliveryError],
    [500, TransientDeliveryError],
    [503, TransientDeliveryError],
  ])('HTTP %i → %p, without the routing key in the message', async (status, kind) => {
    rx.behaviour = () => ({ status, body: `{"message":"Event object is invalid","errors":["routing_key R0UTINGKEY123 invalid"]}` });
    const err = await pd(rx.url).send(alert(), signal).catch((e: Error) => e);
    expect(err).toBeInstanceOf(kind);
    expect((err as Error).message).not.toContain('R0UTINGKEY123');
  });

  it('refuses a personal notification for good, without the address, and sends nothing', async () => {
    const err = await pd(rx.url).send({ ...alert(), recipient: { person: 'alice', address: 'alice.smith@example.test' } }, signal).then(
      (ok) => new Error(`send resolved with ${ok}, expected it to reject`),
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(PermanentDeliveryError);
    expect(err.message).toBe('pagerduty "pager" (person "alice"): channel type pagerduty cannot reach a person');
    expect(`${err.message}\n${err.stack}`).not.toContain('alice.smith');
    expect(rx.posts).toHaveLength(0);
  });
});

describe('canReachPerson', () => {
  it('email, slack, webhook, sms and voice reach a person; pagerduty and anything else do not', () => {
    expect(['email', 'slack', 'webhook', 'pagerduty', 'unknown', 'sms', 'voice', 'fax', ''].filter(canReachPerson)).toEqual(['email', 'slack', 'webhook', 'sms', 'voice']);
  });
});

describe('email channel (real SMTP server on 127.0.0.1)', () => {
  interface Mail { from: string; to: string[]; data: string }
  let server: SMTPServer;
  let port: number;
  const mails: Mail[] = [];
  let reject: { code: number; message: string } | undefined;

  beforeAll(async () => {
    server = new SMTPServer({
      authOptional: true, disabledCommands: ['STARTTLS'], logger: false,
      onAuth(auth, _s, cb) {
        if (auth.username === 'alerts' && auth.password === 'Pa55word!') cb(null, { user: 'alerts' });
        // Echo the password the client sent, as careless servers and proxies do: the channel must scrub it.
        else cb(Object.assign(new Error(`Invalid credentials for ${auth.username}/${auth.password}`), { responseCode: 535 }));
      },
      onRcptTo(_addr, _s, cb) {
        if (reject) cb(Object.assign(new Error(reject.message), { responseCode: reject.code }));
        else cb();
      },
      onData(stream, session, cb) {
        let data = '';
        stream.on('data', (c: Buffer) => (data += c.toString()));
        stream.on('end', () => {
          mails.push({ from: String((session.envelope.mailFrom as { address: string }).address), to: session.envelope.rcptTo.map((r) => r.address), data });
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
    reject = undefined;
  });

  const email = (over: Partial<ConstructorParameters<typeof EmailChannel>[0]> = {}) =>
    new EmailChannel({ name: 'oncall', host: '127.0.0.1', port, secure: false, from: 'alerts@example.test', to: ['oncall@example.test'], timeoutMs: 3000, ...over });

  it('sends plain text + HTML with a stable Message-ID derived from the alert', async () => {
    const a = alert();
    await expect(email().send(a, signal)).resolves.toMatch(/^SMTP 250/);
    await email().send(a, signal); // a retry: same Message-ID
    expect(mails).toHaveLength(2);
    const id = messageIdFor(a);
    for (const m of mails) {
      expect(m.to).toEqual(['oncall@example.test']);
      expect(m.data).toContain(`Message-ID: ${id}`);
      expect(m.data).toMatch(/Subject: \[critical\] Disk full/);
      expect(m.data).toContain('Content-Type: text/plain');
      expect(m.data).toContain('Content-Type: text/html');
    }
    expect(id).toBe('<a-42.alerts_1700000000000-0@alert-delivery>');
  });

  it('authenticates, and a wrong password is permanent without the password in the error', async () => {
    await expect(email({ user: 'alerts', password: 'Pa55word!' }).send(alert(), signal)).resolves.toMatch(/^SMTP 250/);
    const err = await email({ user: 'alerts', password: 'wrong-Pa55word!' }).send(alert(), signal).then(
      (ok) => new Error(`send resolved with ${ok}, expected it to reject`),
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(PermanentDeliveryError);
    // The server's answer did carry the password (it names the user), and the channel replaced it.
    expect(err.message).toMatch(/^email "oncall": SMTP 535: .*Invalid credentials for alerts\/\[redacted\]/);
    expect(err.message).not.toContain('wrong-Pa55word!');
    expect(err.message).not.toContain('Pa55word');
  });

  it('SMTP 550 is permanent, 451 is transient, no server is transient', async () => {
    reject = { code: 550, message: 'mailbox unavailable' };
    expect(await email().send(alert(), signal).catch((e: Error) => e)).toBeInstanceOf(PermanentDeliveryError);
    reject = { code: 451, message: 'try again later' };
    expect(await email().send(alert(), signal).catch((e: Error) => e)).toBeInstanceOf(TransientDeliveryError);
    expect(await email({ port: 1 }).send(alert(), signal).catch((e: Error) => e)).toBeInstanceOf(TransientDeliveryError);
  });

  // On call (issue 22): one step of a person's notification rules, under its own key `<delivery ID>:<person>:<step>`.
  const personal = (address: string, step = 0): OutgoingAlert => {
    const a = alert();
    return { ...a, deliveryId: `${a.deliveryId}:alice:${step}`, recipient: { person: 'alice', address } };
  };
  const failure = (p: Promise<string>) => p.then((ok) => new Error(`send resolved with ${ok}, expected it to reject`), (e: Error) => e);

  it('a personal notification arrives at the person\'s address, not the channel\'s `to`, with its own Message-ID per step', async () => {
    const [first, second] = [personal('alice.smith@example.test', 0), personal('alice.smith@example.test', 1)];
    await expect(email().send(first, signal)).resolves.toMatch(/^SMTP 250/);
    await expect(email().send(second, signal)).resolves.toMatch(/^SMTP 250/);
    expect(mails.map((m) => m.to)).toEqual([['alice.smith@example.test'], ['alice.smith@example.test']]);
    expect(mails.flatMap((m) => m.to)).not.toContain('oncall@example.test');
    expect(mails[0].data).toContain(`Message-ID: ${messageIdFor(first)}`);
    expect(mails[1].data).toContain(`Message-ID: ${messageIdFor(second)}`);
    expect(messageIdFor(first)).toBe('<a-42.alerts_1700000000000-0_alice_0@alert-delivery>');
    expect(messageIdFor(first)).not.toBe(messageIdFor(second));
    expect(mails[0].data).toMatch(/^To: alice\.smith@example\.test\r?$/m);
    expect(mails[0].data).toMatch(/Subject: \[critical\] Disk full/);
  });

  it.each([
    ['two addresses', 'alice.smith@example.test, boss@example.test'],
    ['a display name', 'Alice Smith <alice.smith@example.test>'],
    ['a header smuggled in', 'alice.smith@example.test\r\nBcc: everyone@example.test'],
    ['no domain', 'alice.smith'],
    ['empty', ''],
  ])('%s is refused: PermanentDeliveryError naming the person, not the address; nothing is sent', async (_name, address) => {
    const err = await failure(email().send(personal(address), signal));
    expect(err).toBeInstanceOf(PermanentDeliveryError);
    expect(err.message).toBe('email "oncall" (person "alice"): the person\'s address is not one email address');
    if (address) expect(`${err.message}\n${err.stack}`).not.toContain(address);
    expect(err.message).not.toContain('alice.smith');
    expect(mails).toHaveLength(0);
  });

  it('a server that rejects the person\'s address and echoes it (lower-cased): the error names the person, never the address', async () => {
    reject = { code: 550, message: '5.1.1 <alice.smith@example.test>: Recipient address rejected: User unknown' };
    const err = await failure(email().send(personal('Alice.Smith@Example.test'), signal));
    expect(err).toBeInstanceOf(PermanentDeliveryError);
    expect(err.message).toMatch(/^email "oncall" \(person "alice"\): SMTP 550: .*\[address\].*Recipient address rejected/);
    expect(err.message.toLowerCase()).not.toContain('alice.smith');
    reject = { code: 451, message: '4.7.1 <alice.smith@example.test>: greylisted' };
    const later = await failure(email().send(personal('alice.smith@example.test'), signal));
    expect(later).toBeInstanceOf(TransientDeliveryError);
    expect(later.message).not.toContain('alice.smith');
  });
});
