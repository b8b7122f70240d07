// The codec endpoint's HTTP protocol (src/codec/server.ts), in process (fastify inject) with the real AES-GCM codec:
// Temporal's remote codec JSON both ways, bearer authorization, CORS for the UI's origin only, the namespace
// check, malformed bodies, an unknown key, and logs that never hold a payload or a token.
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { defaultPayloadConverter, METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import pino from 'pino';
import { AesGcmCodec, ENCRYPTED_ENCODING, type PayloadKeys } from '../src/codec';
import { buildCodecServer, payloadsFromJson, payloadsToJson } from '../src/codec/server';
import { loadCodecServerConfig, type CodecServerConfig } from '../src/codec/server-config';

const TOKEN = 'codec-test-token-0123456789abcdef';
const UI = 'http://127.0.0.1:8233';
const TITLE = 'Disk full on db-7.customer-acme.internal';
const keys = (current: string, entries: Record<string, Buffer>): PayloadKeys => ({ currentKeyId: current, keys: new Map(Object.entries(entries)) });
const k1 = randomBytes(32);
const k2 = randomBytes(32);

function setup(over: Partial<CodecServerConfig> = {}, codecs: PayloadCodec[] = [new AesGcmCodec(keys('k1', { k1 }))]) {
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk: Buffer, _e, cb) => { lines.push(chunk.toString()); cb(); } });
  const cfg = { auth: 'bearer' as const, tokens: [TOKEN], corsOrigins: [UI, 'http://localhost:8233'], namespace: 'default', bodyLimit: 1 << 20, ...over };
  const app = buildCodecServer({ cfg, codecs, log: pino({ level: 'debug' }, sink) });
  apps.push(app);
  return { app, logs: () => lines.join('') };
}
type App = ReturnType<typeof buildCodecServer>;
const apps: App[] = [];
afterAll(async () => {
  for (const a of apps) await a.close();
});

// Over real HTTP on 127.0.0.1 (fastify's inject needs an ES-module-only dependency jest cannot load; see intake.test.ts).
const listening = new WeakMap<App, Promise<string>>();
interface Answer { statusCode: number; headers: Record<string, string>; body: string; json: () => unknown }
async function inject(app: App, o: { method: string; url: string; headers?: Record<string, string>; payload?: string }): Promise<Answer> {
  if (!listening.has(app)) listening.set(app, app.listen({ host: '127.0.0.1', port: 0 }));
  const base = await listening.get(app)!;
  const res = await fetch(`${base}${o.url}`, { method: o.method, headers: o.headers, body: o.payload, signal: AbortSignal.timeout(15_000) });
  const body = await res.text();
  return { statusCode: res.status, headers: Object.fromEntries(res.headers), body, json: () => JSON.parse(body) };
}
const auth = { authorization: `Bearer ${TOKEN}` };
const json = (p: Payload[]) => payloadsToJson(p);
const post = (app: App, url: string, body: unknown, headers: Record<string, string> = auth) =>
  inject(app, { method: 'POST', url, headers: { 'content-type': 'application/json', ...headers }, payload: typeof body === 'string' ? body : JSON.stringify(body) });

describe('codec endpoint: the remote codec protocol', () => {
  it('encode then decode round trip over HTTP: ciphertext in between, the title back at the end', async () => {
    const { app, logs } = setup();
    const plain = defaultPayloadConverter.toPayload({ title: TITLE, labels: { customer: 'acme' } });
    const enc = await post(app, '/encode', json([plain]));
    expect(enc.statusCode).toBe(200);
    const encoded = enc.json() as { payloads: { metadata: Record<string, string>; data: string }[] };
    expect(Buffer.from(encoded.payloads[0].metadata[METADATA_ENCODING_KEY], 'base64').toString()).toBe(ENCRYPTED_ENCODING);
    expect(Buffer.from(encoded.payloads[0].metadata['encryption-key-id'], 'base64').toString()).toBe('k1');
    expect(Buffer.from(encoded.payloads[0].data, 'base64').includes('acme')).toBe(false);
    const dec = await post(app, '/decode', encoded);
    expect(dec.statusCode).toBe(200);
    const [back] = payloadsFromJson(dec.json());
    expect(defaultPayloadConverter.fromPayload(back)).toEqual({ title: TITLE, labels: { customer: 'acme' } });
    expect(logs()).not.toContain(TOKEN);
    expect(logs()).not.toContain('acme');
  });

  it('decodes what a client with the codec encrypted (several payloads; a plain one passes through); empty list', async () => {
    const { app } = setup();
    const clientCodec = new AesGcmCodec(keys('k1', { k1 }));
    const payloads = [...(await clientCodec.encode([defaultPayloadConverter.toPayload(TITLE)])), defaultPayloadConverter.toPayload('plain')];
    const res = await post(app, '/decode', json(payloads), { ...auth, 'x-namespace': 'default' });
    expect(res.statusCode).toBe(200);
    expect(payloadsFromJson(res.json()).map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([TITLE, 'plain']);
    expect((await post(app, '/decode', { payloads: [] })).json()).toEqual({ payloads: [] });
    // the CLI's {namespace} template: /default/decode
    expect((await post(app, '/default/decode', json(payloads))).statusCode).toBe(200);
  });

  it('runs the codecs in data-converter order: encode first to last, decode last to first', async () => {
    const tag = (name: string): PayloadCodec => ({
      encode: (ps) => Promise.resolve().then(() => ps.map((p) => ({ metadata: { encoding: Buffer.from(name) }, data: Buffer.concat([Buffer.from(`${name}:`), defaultPayloadConverter.toPayload(p.data ? Buffer.from(p.data).toString('base64') : '').data!]) }))),
      decode: (ps) => Promise.resolve().then(() => ps.map((p) => {
        const s = Buffer.from(p.data!).toString();
        if (!s.startsWith(`${name}:`)) throw new Error(`codec ${name} got ${s.slice(0, 10)}`);
        return { metadata: { encoding: Buffer.from('binary/plain') }, data: Buffer.from(JSON.parse(s.slice(name.length + 1)) as string, 'base64') };
      })),
    });
    const { app } = setup({}, [tag('a'), tag('b')]);
    const enc = await post(app, '/encode', json([{ metadata: {}, data: Buffer.from('x') }]));
    expect(Buffer.from(payloadsFromJson(enc.json())[0].data!).toString().startsWith('b:')).toBe(true); // b ran last
    const dec = await post(app, '/decode', enc.json());
    expect(dec.statusCode).toBe(200);
    expect(Buffer.from(payloadsFromJson(dec.json())[0].data!).toString()).toBe('x');
  });

  it('an unknown key ID: 422 naming the key ID (and the ones configured), never a payload in the log', async () => {
    const { app, logs } = setup({}, [new AesGcmCodec(keys('k2', { k2 }))]);
    const [enc] = await new AesGcmCodec(keys('k1', { k1 })).encode([defaultPayloadConverter.toPayload(TITLE)]);
    const res = await post(app, '/decode', json([enc]));
    expect(res.statusCode).toBe(422);
    expect(res.json()).toEqual({ error: expect.stringContaining('encryption key k1 is not configured') as string, keyId: 'k1' });
    expect((res.json() as { error: string }).error).toContain('keys k2');
    expect(logs()).toContain('k1');
    expect(logs()).not.toContain(Buffer.from(enc.data!).toString('base64'));
  });

  it('a malformed body: 400 saying what is wrong, without echoing it', async () => {
    const { app } = setup();
    const cases: [unknown, string][] = [
      ['{"payloads": [', 'not valid JSON'],
      [{ nope: 1 }, '{"payloads": [...]}'],
      [{ payloads: [42] }, 'payloads[0]: expected an object'],
      [{ payloads: [{ metadata: { encoding: 'json/plain' }, data: 'AAAA' }] }, 'payloads[0].metadata.encoding: expected a base64 string'],
      [{ payloads: [{ metadata: {}, data: 'secret-value!' }] }, 'payloads[0].data: expected a base64 string'],
      [{ payloads: [{ metadata: ['x'] }] }, 'payloads[0].metadata: expected an object'],
    ];
    for (const [body, message] of cases) {
      const res = await post(app, '/decode', body);
      expect(res.statusCode).toBe(400);
      expect((res.json() as { error: string }).error).toContain(message);
      expect(res.body).not.toContain('secret-value');
    }
    const text = await inject(app, { method: 'POST', url: '/decode', headers: { ...auth, 'content-type': 'text/plain' }, payload: 'x' });
    expect(text.statusCode).toBe(415);
  });
});

describe('codec endpoint: who may call', () => {
  it('401 without a token, with a wrong or malformed one; the token never in the log', async () => {
    const { app, logs } = setup();
    const body = { payloads: [] };
    for (const headers of [{} as Record<string, string>, { authorization: 'Bearer wrong-token-0123456789abcdef' }, { authorization: TOKEN }, { authorization: `Basic ${TOKEN}` }]) {
      const res = await post(app, '/decode', body, headers);
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(res.body).not.toContain(TOKEN);
    }
    expect((await post(app, '/encode', body, {})).statusCode).toBe(401);
    expect((await post(app, '/decode', body, auth)).statusCode).toBe(200);
    expect(logs()).toContain('codec request refused');
    expect(logs()).not.toContain(TOKEN);
    expect(logs()).not.toContain('wrong-token');
  });

  it('several tokens (rotation): each is accepted', async () => {
    const other = 'second-codec-token-abcdef0123456789';
    const { app } = setup({ tokens: [TOKEN, other] });
    expect((await post(app, '/decode', { payloads: [] }, { authorization: `Bearer ${other}` })).statusCode).toBe(200);
  });

  it('CODEC_AUTH=none: no token needed', async () => {
    const { app } = setup({ auth: 'none', tokens: [] });
    expect((await post(app, '/decode', { payloads: [] }, {})).statusCode).toBe(200);
  });

  it('CORS preflight from the UI origin: 204 with the origin, credentials, methods and headers, no token needed', async () => {
    const { app } = setup();
    for (const origin of [UI, 'http://localhost:8233']) {
      const res = await inject(app, { method: 'OPTIONS', url: '/decode', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace,authorization' } });
      expect(res.statusCode).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe(origin);
      expect(res.headers['access-control-allow-credentials']).toBe('true');
      expect(res.headers['access-control-allow-methods']).toContain('POST');
      expect(res.headers['access-control-allow-headers']).toBe('content-type, x-namespace, authorization');
      expect(res.headers.vary).toContain('Origin');
    }
    // the actual request from the UI carries the origin back, and so does a 401 (the UI can show it)
    const ok = await post(app, '/decode', { payloads: [] }, { ...auth, origin: UI, 'x-namespace': 'default' });
    expect(ok.headers['access-control-allow-origin']).toBe(UI);
    const refused = await post(app, '/decode', { payloads: [] }, { origin: UI });
    expect(refused.statusCode).toBe(401);
    expect(refused.headers['access-control-allow-origin']).toBe(UI);
  });

  it('another origin: refused (403, no Access-Control-Allow-Origin), preflight and request, even with the token', async () => {
    const { app, logs } = setup();
    for (const origin of ['http://evil.example', 'http://127.0.0.1:8234', 'null']) {
      const pre = await inject(app, { method: 'OPTIONS', url: '/decode', headers: { origin, 'access-control-request-method': 'POST' } });
      expect(pre.statusCode).toBe(403);
      expect(pre.headers['access-control-allow-origin']).toBeUndefined();
      const res = await post(app, '/decode', { payloads: [] }, { ...auth, origin });
      expect(res.statusCode).toBe(403);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    }
    expect(logs()).toContain('not in CODEC_CORS_ORIGINS');
  });

  it('X-Namespace (or the path) naming another namespace: 403', async () => {
    const { app, logs } = setup();
    const res = await post(app, '/decode', { payloads: [] }, { ...auth, 'x-namespace': 'payments' });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual({ error: 'this codec endpoint serves namespace default, not payments' });
    expect((await post(app, '/payments/decode', { payloads: [] })).statusCode).toBe(403);
    expect((await post(app, '/default/decode', { payloads: [] }, { ...auth, 'x-namespace': 'payments' })).statusCode).toBe(403);
    expect(logs()).toContain('payments');
    // the check runs after authorization: no hint about namespaces to a caller without a token
    expect((await post(app, '/decode', { payloads: [] }, { 'x-namespace': 'payments' })).statusCode).toBe(401);
  });

  it('GET /healthz answers without a token; unknown routes 404', async () => {
    const { app } = setup();
    expect((await inject(app, { method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await inject(app, { method: 'GET', url: '/decode' })).statusCode).toBe(404);
  });
});

describe('codec endpoint settings (CODEC_*)', () => {
  const load = (env: Record<string, string>) => {
    const problems: string[] = [];
    return { cfg: loadCodecServerConfig(env, problems), problems };
  };
  it('defaults: bearer, port 8089 on 127.0.0.1, the stack UI origins, namespace default', () => {
    const { cfg, problems } = load({ CODEC_TOKENS: TOKEN });
    expect(problems).toEqual([]);
    expect(cfg).toMatchObject({ auth: 'bearer', tokens: [TOKEN], host: '127.0.0.1', port: 8089, namespace: 'default', corsOrigins: [UI, 'http://localhost:8233'] });
  });
  it('every bad value named, never a token', () => {
    const { problems } = load({ CODEC_TOKENS: 'short-secret', CODEC_CORS_ORIGINS: 'http://ui.example/path', CODEC_PORT: 'x' });
    expect(load({ CODEC_AUTH: 'basic' }).problems.join()).toMatch(/CODEC_AUTH="basic"/);
    expect(problems.join('\n')).toMatch(/CODEC_TOKENS: token 1 is 12 characters/);
    expect(problems.join('\n')).toMatch(/CODEC_CORS_ORIGINS: "http:\/\/ui.example\/path" is not an origin/);
    expect(problems.join('\n')).toMatch(/CODEC_PORT="x"/);
    expect(problems.join('\n')).not.toContain('short-secret');
    expect(load({}).problems.join()).toContain('no bearer token configured');
    expect(load({ CODEC_AUTH: 'none', CODEC_TOKENS: TOKEN }).problems.join()).toContain('exclude each other');
    expect(load({ CODEC_AUTH: 'none' }).problems).toEqual([]);
  });
});
