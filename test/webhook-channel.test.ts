// WebhookChannel against a real HTTP receiver on 127.0.0.1: what is sent, how answers are classified,
// that errors never leak the URL, and that signatures verify with an independent Standard Webhooks library.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { WebhookChannel, type WebhookConfig } from '../src/channels/webhook';
import type { OutgoingAlert } from '../src/channels/types';
import { ConfigError, PermanentDeliveryError, TransientDeliveryError } from '../src/errors';
import type { AlertEvent } from '../src/contracts/alert';
import { TestReceiver, type Behaviour, type ReceivedPost, type Reply } from './helpers/receiver';

const EVENT: AlertEvent = {
  alertId: 'alert-0001',
  ruleId: 'rule-cpu',
  ruleName: 'CPU high',
  severity: 'critical',
  title: 'CPU at 99% on host-1',
  description: 'Sustained\nsaturation',
  view: 'prod',
  scope: 'host-1',
  labels: { team: 'infra' },
  firedAt: '2026-01-15T10:20:30Z',
};

let seq = 0;
function outgoing(over: Partial<OutgoingAlert> = {}): OutgoingAlert {
  seq++;
  const messageId = `1768472430000-${seq}`;
  return { channel: 'hook', deliveryId: `alerts:${messageId}`, messageId, workflowId: `alerts:${messageId}`, receivedAt: '2026-01-15T10:20:31.000Z', event: EVENT, ...over };
}

const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

/** Headers as the standardwebhooks library takes them (node gives string | string[] | undefined). */
function headerRecord(p: ReceivedPost): Record<string, string> {
  return Object.fromEntries(Object.entries(p.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]));
}

/** The error send() rejected with; fails the test if it resolved (the throw is outside the try, so it is not caught). */
async function failure(p: Promise<string>): Promise<Error> {
  let ok: string;
  try {
    ok = await p;
  } catch (e) {
    expect(e).toBeInstanceOf(Error);
    return e as Error;
  }
  throw new Error(`send resolved with ${ok}, expected it to reject`);
}

/** A port on 127.0.0.1 with nothing listening. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** A 200 the receiver answers after `delayMs` (its stop() cancels one still due). */
const slowReply = (delayMs: number): Reply => ({ status: 200, delayMs });

describe('WebhookChannel', () => {
  let receiver: TestReceiver;
  const signal = new AbortController().signal;

  beforeEach(async () => {
    receiver = await new TestReceiver().start();
  });
  afterEach(async () => {
    await receiver.stop();
  });

  const channel = (over: Partial<WebhookConfig> = {}) => new WebhookChannel({ name: 'hook', url: receiver.url, timeoutMs: 2000, ...over });
  const answer = (b: Behaviour) => {
    receiver.behaviour = b;
  };

  describe('a delivered alert', () => {
    it('resolves with "HTTP 200" and posts the alert as JSON', async () => {
      const alert = outgoing();
      await expect(channel().send(alert, signal)).resolves.toBe('HTTP 200');
      expect(receiver.posts).toHaveLength(1);
      const p = receiver.posts[0];
      expect(p.path).toBe('/alerts');
      expect(p.headers['content-type']).toBe('application/json');
      expect(p.headers['user-agent']).toMatch(/^alert-delivery\//);
      expect(p.json).toEqual({
        type: 'alert.fired',
        timestamp: alert.receivedAt,
        data: { deliveryId: alert.deliveryId, messageId: alert.messageId, workflowId: alert.workflowId, ...EVENT },
      });
      expect(p.json.data.alertId).toBe('alert-0001');
      expect(p.json.data.description).toBe('Sustained\nsaturation');
    });

    it.each([201, 202, 204])('treats HTTP %i as delivered', async (status) => {
      answer(() => ({ status }));
      await expect(channel().send(outgoing(), signal)).resolves.toBe(`HTTP ${status}`);
    });

    it('sends webhook-id and idempotency-key = the delivery ID, the same on every attempt', async () => {
      const alert = outgoing();
      const ch = channel();
      await ch.send(alert, signal);
      await ch.send(alert, signal);
      expect(receiver.posts).toHaveLength(2);
      const [a, b] = receiver.posts;
      for (const p of [a, b]) {
        expect(p.headers['webhook-id']).toBe(alert.deliveryId);
        expect(p.headers['idempotency-key']).toBe(alert.deliveryId);
        expect(p.headers['webhook-timestamp']).toMatch(/^\d{10}$/);
        expect(Math.abs(Number(p.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
      }
      expect(receiver.keys()).toEqual(new Set([alert.deliveryId]));
    });

    it('sends the configured extra headers', async () => {
      await channel({ headers: { Authorization: 'Bearer abc', 'X-Team': 'infra' } }).send(outgoing(), signal);
      expect(receiver.posts[0].headers).toMatchObject({ authorization: 'Bearer abc', 'x-team': 'infra' });
    });
  });

  describe('classifying the answer', () => {
    it.each([400, 401, 403, 404, 410, 413, 422])('HTTP %i → PermanentDeliveryError', async (status) => {
      answer(() => ({ status, body: 'nope' }));
      const err = await failure(channel().send(outgoing(), signal));
      expect(err).toBeInstanceOf(PermanentDeliveryError);
      expect(err.name).toBe('PermanentDeliveryError');
      expect(err.message).toBe(`webhook "hook": HTTP ${status}: nope`);
    });

    it.each([408, 429, 500, 502, 503, 504])('HTTP %i → TransientDeliveryError', async (status) => {
      answer(() => ({ status }));
      const err = await failure(channel().send(outgoing(), signal));
      expect(err).toBeInstanceOf(TransientDeliveryError);
      expect(err.name).toBe('TransientDeliveryError');
      expect(err.message).toBe(`webhook "hook": HTTP ${status}`);
      expect((err as TransientDeliveryError).retryAfterMs).toBeUndefined();
    });

    it('keeps a short, one-line excerpt of the answer body', async () => {
      answer(() => ({ status: 500, body: `  upstream\n\n  exploded ${'x'.repeat(500)}` }));
      const err = await failure(channel().send(outgoing(), signal));
      expect(err.message).toMatch(/^webhook "hook": HTTP 500: +upstream exploded x+$/);
      expect(err.message.length).toBeLessThan(250);
    });

    it('429 with Retry-After: 7 → retryAfterMs 7000', async () => {
      answer(() => ({ status: 429, headers: { 'Retry-After': '7' } }));
      const err = await failure(channel().send(outgoing(), signal));
      expect(err).toBeInstanceOf(TransientDeliveryError);
      expect((err as TransientDeliveryError).retryAfterMs).toBe(7000);
    });

    it('503 with Retry-After as an HTTP date → ms until then', async () => {
      answer(() => ({ status: 503, headers: { 'Retry-After': new Date(Date.now() + 30_000).toUTCString() } }));
      const err = await failure(channel().send(outgoing(), signal));
      expect(err).toBeInstanceOf(TransientDeliveryError);
      const ms = (err as TransientDeliveryError).retryAfterMs!;
      expect(ms).toBeGreaterThan(27_000); // the date has whole-second precision
      expect(ms).toBeLessThanOrEqual(30_000);
    });

    it('Retry-After in the past → 0; absurdly far → capped at 15 minutes; garbage → ignored', async () => {
      const retryAfter = async (value: string) => {
        answer(() => ({ status: 503, headers: { 'Retry-After': value } }));
        const err = await failure(channel().send(outgoing(), signal));
        expect(err).toBeInstanceOf(TransientDeliveryError); // else retryAfterMs is undefined and "garbage → ignored" passes
        return (err as TransientDeliveryError).retryAfterMs;
      };
      expect(await retryAfter(new Date(Date.now() - 60_000).toUTCString())).toBe(0);
      expect(await retryAfter('86400')).toBe(15 * 60_000);
      expect(await retryAfter('soon')).toBeUndefined();
    });

    it('Retry-After on a permanent failure is irrelevant: still PermanentDeliveryError', async () => {
      answer(() => ({ status: 400, headers: { 'Retry-After': '5' } }));
      expect(await failure(channel().send(outgoing(), signal))).toBeInstanceOf(PermanentDeliveryError);
    });

    it.each([301, 302, 303, 307, 308])('HTTP %i redirect is not followed: PermanentDeliveryError', async (status) => {
      answer((p) => (p.path === '/alerts' ? { status, headers: { Location: '/elsewhere' } } : { status: 200 }));
      const err = await failure(channel().send(outgoing(), signal));
      expect(err).toBeInstanceOf(PermanentDeliveryError);
      expect(err.message).toBe(`webhook "hook": HTTP ${status}`);
      expect(receiver.posts.map((p) => p.path)).toEqual(['/alerts']);
    });

    it('a slow receiver → TransientDeliveryError naming the timeout, within about a second', async () => {
      answer(() => slowReply(2000));
      const t0 = Date.now();
      const err = await failure(channel({ timeoutMs: 300 }).send(outgoing(), signal));
      const took = Date.now() - t0;
      expect(err).toBeInstanceOf(TransientDeliveryError);
      expect(err.message).toBe('webhook "hook": no answer within 300 ms');
      expect(took).toBeGreaterThanOrEqual(250);
      expect(took).toBeLessThan(1000);
    });

    it('connection refused → TransientDeliveryError', async () => {
      const port = await closedPort();
      const err = await failure(channel({ url: `http://127.0.0.1:${port}/hooks/T000/SECRET123` }).send(outgoing(), signal));
      expect(err).toBeInstanceOf(TransientDeliveryError);
      expect(err.message).toBe('webhook "hook": connection failed (ECONNREFUSED)');
    });

    it('an aborted signal (activity cancelled) → TransientDeliveryError "cancelled"', async () => {
      const ac = new AbortController();
      ac.abort();
      const err = await failure(channel().send(outgoing(), ac.signal));
      expect(err).toBeInstanceOf(TransientDeliveryError);
      expect(err.message).toBe('webhook "hook": cancelled');
    });
  });

  describe('error messages never contain the URL', () => {
    const secretUrl = () => receiver.url.replace('/alerts', '/hooks/T000/SECRET123');

    it.each([
      ['HTTP 404', { status: 404 }],
      ['HTTP 500', { status: 500 }],
      ['HTTP 302 to a secret location', { status: 302, headers: { Location: '/hooks/T000/SECRET123/moved' } }],
      ['a timeout', 'slow'],
    ] as const)('%s', async (_name, reply) => {
      answer(() => (reply === 'slow' ? slowReply(1000) : reply));
      const err = await failure(channel({ url: secretUrl(), timeoutMs: 300 }).send(outgoing(), signal));
      expect(err).toBeInstanceOf(reply === 'slow' || reply.status >= 500 ? TransientDeliveryError : PermanentDeliveryError);
      expect(err.message).toMatch(reply === 'slow' ? /^webhook "hook": no answer within 300 ms$/ : new RegExp(`^webhook "hook": HTTP ${reply.status}$`));
      expect(receiver.posts[0].path).toBe('/hooks/T000/SECRET123');
      expect(err.message).not.toContain('SECRET123');
      expect(err.message).not.toContain(secretUrl());
      expect(err.message).not.toContain('127.0.0.1');
      expect(String(err.stack)).not.toContain('SECRET123');
    });

    it('a refused connection', async () => {
      const err = await failure(channel({ url: `http://127.0.0.1:${await closedPort()}/hooks/T000/SECRET123` }).send(outgoing(), signal));
      expect(err).toBeInstanceOf(TransientDeliveryError);
      expect(err.message).toMatch(/^webhook "hook": connection failed/);
      expect(err.message).not.toContain('SECRET123');
      expect(String(err.stack)).not.toContain('SECRET123');
    });

    it('credentials in the URL', async () => {
      const err = await failure(channel({ url: secretUrl().replace('http://', 'http://user:SECRET123@') }).send(outgoing(), signal));
      expect(err).toBeInstanceOf(TransientDeliveryError);
      expect(err.message).toMatch(/^webhook "hook": /);
      expect(err.message).not.toContain('SECRET123');
      expect(String(err.stack)).not.toContain('SECRET123');
    });
    // request path in error pages (Express: "Cannot POST /hooks/T000/SECRET123"). The token then lands in the error,
    // workflow history and the alert index. Fix: redact the URL, its path and query from the excerpt before using it.
    it('an error page that echoes the request path', async () => {
      answer((p) => ({ status: 404, body: `<pre>Cannot POST ${p.path}</pre>` }));
      const err = await failure(channel({ url: secretUrl() }).send(outgoing(), signal));
      expect(err).toBeInstanceOf(PermanentDeliveryError);
      expect(receiver.posts[0].path).toBe('/hooks/T000/SECRET123'); // so the page did echo the secret path
      expect(err.message).toMatch(/^webhook "hook": HTTP 404: <pre>Cannot POST \S+<\/pre>$/);
      expect(err.message).not.toContain('SECRET123');
    });
  });

  describe('the test receiver', () => {
    it('counts as delivered only replies written to a live socket, not a delayed 2xx the client gave up on', async () => {
      const [late, failed, ok] = [outgoing(), outgoing(), outgoing()];
      // the client gives up after 1 s, the reply comes after 3 s (room for a busy machine to send the request first)
      answer(() => slowReply(3_000));
      const err = await failure(channel({ timeoutMs: 1_000 }).send(late, signal));
      expect(err).toBeInstanceOf(TransientDeliveryError);
      await receiver.repliesDone(); // the delayed 200's turn came: it found the client gone
      expect(receiver.posts).toHaveLength(1);
      expect(receiver.posts[0].key).toBe(late.deliveryId);
      expect(receiver.deliveredKeys()).toEqual(new Set());

      answer(() => ({ status: 500 }));
      await failure(channel().send(failed, signal));
      expect(receiver.deliveredKeys()).toEqual(new Set());
      answer(() => ({ status: 204 }));
      await expect(channel().send(ok, signal)).resolves.toBe('HTTP 204');
      expect(receiver.posts).toHaveLength(3);
      expect(receiver.posts.map((p) => p.key)).toEqual([late.deliveryId, failed.deliveryId, ok.deliveryId]);
      expect(receiver.deliveredKeys()).toEqual(new Set([ok.deliveryId]));
    });
  });

  describe('Standard Webhooks signing', () => {
    it('a whsec_ secret signs requests that standardwebhooks verifies', async () => {
      const secret = newSecret();
      const alert = outgoing();
      await channel({ secret }).send(alert, signal);
      const p = receiver.posts[0];
      expect(p.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
      expect(new Webhook(secret).verify(p.body, headerRecord(p))).toEqual(p.json);
      expect(p.headers['webhook-id']).toBe(alert.deliveryId);
      expect(p.json.data.deliveryId).toBe(alert.deliveryId);
      expect(p.json.data.messageId).toBe(alert.messageId);
    });

    it('verification fails for a tampered body, another secret or another message ID', async () => {
      const secret = newSecret();
      await channel({ secret }).send(outgoing(), signal);
      const p = receiver.posts[0];
      const headers = headerRecord(p);
      const wh = new Webhook(secret);
      expect(() => wh.verify(p.body.replace('alert-0001', 'alert-0002'), headers)).toThrow(WebhookVerificationError);
      expect(() => wh.verify(p.body.replace('"critical"', '"info"'), headers)).toThrow(WebhookVerificationError);
      expect(() => wh.verify(`${p.body} `, headers)).toThrow(WebhookVerificationError);
      expect(() => new Webhook(newSecret()).verify(p.body, headers)).toThrow(WebhookVerificationError);
      expect(() => wh.verify(p.body, { ...headers, 'webhook-id': 'other-id' })).toThrow(WebhookVerificationError);
      expect(() => wh.verify(p.body, { ...headers, 'webhook-timestamp': String(Number(headers['webhook-timestamp']) - 1) })).toThrow(WebhookVerificationError);
    });

    // The body is byte-identical on every attempt (its timestamp is receivedAt), so only webhook-timestamp, and with
    // it the signature, changes between attempts: two attempts in different seconds must carry different signatures.
    it('each attempt is signed afresh (same body, new timestamp) and verifies on its own', async () => {
      const secret = newSecret();
      const alert = outgoing();
      const ch = channel({ secret });
      const t = Math.floor(Date.now() / 1000) * 1000;
      const now = jest.spyOn(Date, 'now');
      try {
        // send() reads the clock once, synchronously, for webhook-timestamp: only that read is mocked.
        now.mockReturnValueOnce(t);
        await ch.send(alert, signal);
        now.mockReturnValueOnce(t + 2000);
        await ch.send(alert, signal);
      } finally {
        now.mockRestore();
      }
      const wh = new Webhook(secret);
      expect(receiver.posts).toHaveLength(2);
      const [a, b] = receiver.posts;
      expect(a.headers['webhook-timestamp']).toBe(String(t / 1000));
      expect(b.headers['webhook-timestamp']).toBe(String(t / 1000 + 2));
      expect(a.body).toBe(b.body);
      expect(a.headers['webhook-id']).toBe(b.headers['webhook-id']);
      expect(a.headers['webhook-signature']).not.toBe(b.headers['webhook-signature']);
      for (const p of receiver.posts) expect(wh.verify(p.body, headerRecord(p))).toEqual(p.json);
    });

    it('a bare base64 secret (no whsec_ prefix) is read as base64, as standardwebhooks reads it', async () => {
      const secret = randomBytes(32).toString('base64');
      await channel({ secret }).send(outgoing(), signal);
      const p = receiver.posts[0];
      expect(new Webhook(secret).verify(p.body, headerRecord(p))).toEqual(p.json);
    });

    it('a secret that is not base64 (e.g. a passphrase) is a ConfigError that does not contain it', () => {
      let thrown: unknown;
      try {
        channel({ secret: 'plain-shared-secret' });
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(ConfigError);
      const err = thrown as ConfigError;
      expect(err.message).toMatch(/^webhook "hook": unusable secret/);
      expect(`${err.message}\n${err.problems.join('\n')}`).not.toContain('plain-shared-secret');
    });

    it('without a secret there is no webhook-signature header; webhook-id and webhook-timestamp are sent all the same', async () => {
      const alert = outgoing();
      const before = Math.floor(Date.now() / 1000);
      await channel().send(alert, signal);
      const after = Math.floor(Date.now() / 1000);
      const p = receiver.posts[0];
      expect(p.headers).not.toHaveProperty('webhook-signature');
      expect(p.headers['webhook-id']).toBe(alert.deliveryId);
      expect(p.headers['webhook-timestamp']).toMatch(/^\d+$/);
      expect(Number(p.headers['webhook-timestamp'])).toBeGreaterThanOrEqual(before);
      expect(Number(p.headers['webhook-timestamp'])).toBeLessThanOrEqual(after);
    });

    it('the signature never appears in an error message', async () => {
      const secret = newSecret();
      answer(() => ({ status: 401, body: 'bad signature' }));
      const err = await failure(channel({ secret }).send(outgoing(), signal));
      expect(err).toBeInstanceOf(PermanentDeliveryError);
      expect(err.message).toBe('webhook "hook": HTTP 401: bad signature');
      const signature = String(receiver.posts[0].headers['webhook-signature']);
      expect(signature).toMatch(/^v1,.{40,}/);
      expect(err.message).not.toContain(secret);
      expect(err.message).not.toContain(secret.slice('whsec_'.length));
      expect(err.message).not.toContain(signature.slice(3));
    });
  });

  // On call (issue 22): a person's own webhook URL replaces the channel's; signing, headers and rules stay the channel's.
  describe('a personal notification (recipient: the person\'s URL)', () => {
    let personal: TestReceiver;
    beforeEach(async () => {
      personal = await new TestReceiver().start();
    });
    afterEach(async () => {
      await personal.stop();
    });
    /** The person's URL, with a path that would identify them (it must never show up in an error). */
    const personUrl = () => personal.url.replace('/alerts', '/push/alice-PRIVATE-7f3a');
    const forAlice = (address = personUrl(), over: Partial<OutgoingAlert> = {}) => outgoing({ recipient: { person: 'alice', address }, ...over });

    it('posts to the person\'s URL, signed with the channel\'s secret and with its headers; the channel\'s URL receives nothing', async () => {
      const secret = newSecret();
      const alert = forAlice();
      await expect(channel({ secret, headers: { 'X-Team': 'infra' } }).send(alert, signal)).resolves.toBe('HTTP 200');
      expect(receiver.posts).toHaveLength(0);
      expect(personal.posts).toHaveLength(1);
      const p = personal.posts[0];
      expect(p.path).toBe('/push/alice-PRIVATE-7f3a');
      expect(p.headers).toMatchObject({ 'x-team': 'infra', 'webhook-id': alert.deliveryId, 'idempotency-key': alert.deliveryId });
      expect(new Webhook(secret).verify(p.body, headerRecord(p))).toEqual(p.json);
      // The body says whom it is for, by the person's ID only; everything else is as for the channel.
      expect(p.json).toEqual({
        type: 'alert.fired',
        timestamp: alert.receivedAt,
        recipient: { person: 'alice' },
        data: { deliveryId: alert.deliveryId, messageId: alert.messageId, workflowId: alert.workflowId, ...EVENT },
      });
      expect(p.body).not.toContain('PRIVATE');
    });

    it('a resolved notification to a person names the person too', async () => {
      await channel().send(forAlice(undefined, { deliveryId: 'alerts:1-0:alice:0:resolved', resolves: { deliveryId: 'alerts:1-0:alice:0', workflowId: 'alerts:1-0' } }), signal);
      expect(personal.posts[0].json).toMatchObject({ type: 'alert.resolved', recipient: { person: 'alice' }, data: { resolves: 'alerts:1-0:alice:0' } });
      expect(receiver.posts).toHaveLength(0);
    });

    it.each([
      ['not a URL', 'alice-PRIVATE-7f3a'],
      ['ftp:', 'ftp://files.example/alice-PRIVATE-7f3a'],
      ['file:', 'file:///home/alice-PRIVATE-7f3a'],
      ['javascript:', 'javascript:alert("alice-PRIVATE-7f3a")'],
      ['mailto:', 'mailto:alice-PRIVATE-7f3a@example.test'],
    ])('%s → PermanentDeliveryError naming the person, not the address; nothing is sent', async (_name, address) => {
      const err = await failure(channel().send(forAlice(address), signal));
      expect(err).toBeInstanceOf(PermanentDeliveryError);
      expect(err.message).toMatch(/^webhook "hook" \(person "alice"\): the person's address is not (a URL|an http: or https: URL)$/);
      expect(err.message).not.toContain(address);
      expect(`${err.message}\n${err.stack}`).not.toContain('PRIVATE');
      expect(receiver.posts).toHaveLength(0);
      expect(personal.posts).toHaveLength(0);
    });

    it('an error page echoing the person\'s URL, path and host: the error names the person, never the address', async () => {
      personal.behaviour = (p) => ({ status: 404, body: `Cannot POST ${p.path} on ${String(p.headers.host)} (${personUrl()})` });
      const err = await failure(channel().send(forAlice(), signal));
      expect(err).toBeInstanceOf(PermanentDeliveryError);
      expect(err.message).toMatch(/^webhook "hook" \(person "alice"\): HTTP 404: Cannot POST /);
      expect(err.message).not.toContain(personUrl());
      expect(err.message).not.toContain('PRIVATE');
      expect(err.message).not.toContain('127.0.0.1');
    });

    it('as for the channel\'s URL: a redirect is not followed (permanent), a slow or refused receiver is transient', async () => {
      personal.behaviour = (p) => (p.path === '/push/alice-PRIVATE-7f3a' ? { status: 307, headers: { Location: '/elsewhere' } } : { status: 200 });
      const redirected = await failure(channel().send(forAlice(), signal));
      expect(redirected).toBeInstanceOf(PermanentDeliveryError);
      expect(redirected.message).toBe('webhook "hook" (person "alice"): HTTP 307');
      expect(personal.posts.map((p) => p.path)).toEqual(['/push/alice-PRIVATE-7f3a']);

      const refused = await failure(channel().send(forAlice(`http://127.0.0.1:${await closedPort()}/push/alice-PRIVATE-7f3a`), signal));
      expect(refused).toBeInstanceOf(TransientDeliveryError);
      expect(refused.message).toBe('webhook "hook" (person "alice"): connection failed (ECONNREFUSED)');
      expect(receiver.posts).toHaveLength(0);
    });
  });
});
