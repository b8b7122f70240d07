// Egress through a real forward proxy (tinyproxy on 127.0.0.1): the worker's HTTP channels honour
// HTTP_PROXY / HTTPS_PROXY (CONNECT for https, the receiver's certificate still verified) and NO_PROXY.
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { alertEvent } from './helpers/alerts';
import { Pipeline } from './helpers/pipeline';
import { writeChannelsFile } from './helpers/processes';
import { makeCerts, startForwardProxy, type Certs, type ForwardProxy } from './helpers/secure-proxy';

jest.setTimeout(120_000);

let proxy: ForwardProxy;
let certs: Certs;
let tlsReceiver: https.Server;
const tlsPosts: { key: string }[] = [];

beforeAll(async () => {
  proxy = await startForwardProxy();
  certs = makeCerts();
  tlsReceiver = https.createServer({ cert: fs.readFileSync(certs.serverCert), key: fs.readFileSync(certs.serverKey) }, (req, res) => {
    req.resume();
    req.on('end', () => {
      tlsPosts.push({ key: String(req.headers['idempotency-key']) });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => tlsReceiver.listen(0, '127.0.0.1', r));
});
afterAll(async () => {
  await proxy?.stop();
  await new Promise((r) => tlsReceiver?.close(r));
  fs.rmSync(certs.dir, { recursive: true, force: true });
});

describe('channels honour HTTPS_PROXY / HTTP_PROXY / NO_PROXY', () => {
  const p = new Pipeline();
  beforeAll(async () => {
    await p.start();
    const httpsUrl = `https://localhost:${(tlsReceiver.address() as AddressInfo).port}/alerts`;
    p.channelsFile = writeChannelsFile({
      hook: { url: p.receiver.url, retry: { initialInterval: '200ms', maximumAttempts: 3 } },
      secure: { url: httpsUrl, retry: { initialInterval: '200ms', maximumAttempts: 3 } },
    });
    // writeChannelsFile has no routes: with two channels a catch-all is required; every alert names its channel.
    fs.appendFileSync(p.channelsFile, 'routes:\n  - channels: [hook]\n');
  });
  afterAll(() => p.stop());

  it('through the proxy: http and https receivers are reached through CONNECT tunnels, the https certificate still verified', async () => {
    await p.worker({ HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url, NO_PROXY: '', NODE_EXTRA_CA_CERTS: certs.ca });
    await p.ingest();
    const plain = await p.publish(alertEvent({ channels: ['hook'] }));
    const secure = await p.publish(alertEvent({ channels: ['secure'] }));
    await p.receiver.waitFor(() => p.receiver.deliveredKeys().has(p.key(plain)), 30_000);
    await p.waitFor('https delivered', () => Promise.resolve(tlsPosts.some((x) => x.key === p.key(secure))), 30_000);
    // undici tunnels every proxied request (CONNECT), http and https alike; the proxy's log shows both.
    expect(proxy.log()).toMatch(new RegExp(`CONNECT localhost:${(tlsReceiver.address() as AddressInfo).port}`));
    expect(proxy.log()).toMatch(new RegExp(`CONNECT 127\\.0\\.0\\.1:${new URL(p.receiver.url).port}`));
  });
});

describe('NO_PROXY bypasses the proxy', () => {
  const p = new Pipeline();
  beforeAll(() => p.start());
  afterAll(() => p.stop());

  it('a receiver listed in NO_PROXY is reached directly', async () => {
    const before = proxy.log().length;
    await p.worker({ HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url, NO_PROXY: '127.0.0.1' });
    await p.ingest();
    const id = await p.publish(alertEvent());
    await p.receiver.waitFor(() => p.receiver.deliveredKeys().has(p.key(id)), 30_000);
    expect(proxy.log().slice(before)).not.toContain(`127.0.0.1:${new URL(p.receiver.url).port}`);
  });
});
