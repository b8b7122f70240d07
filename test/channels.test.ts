// Slack, PagerDuty and email channels against real local receivers (HTTP and SMTP on 127.0.0.1).
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { EmailChannel, messageIdFor } from '../src/channels/email';
import { PagerDutyChannel } from '../src/channels/pagerduty';
import { SlackChannel } from '../src/channels/slack';
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
});
