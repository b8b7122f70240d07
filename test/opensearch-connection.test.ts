// Managed OpenSearch: https with a custom CA and basic auth, through nginx on 127.0.0.1 in front of the
// stack's OpenSearch, acting as a least-privilege user: every cluster-level API answers 403. Wrong
// credentials are refused by nginx (401); the worker stops at start-up naming OpenSearch.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../src/config';
import { alertEvent } from './helpers/alerts';
import { Pipeline } from './helpers/pipeline';
import { startProcess } from './helpers/processes';
import { freePort, makeCerts, startNginx, type Certs, type Nginx } from './helpers/secure-proxy';
import { OPENSEARCH_URL } from './helpers/stack';

jest.setTimeout(120_000);
const USER = 'alert-writer';
const PASSWORD = 'os-pw-7c1d9e2f';

let certs: Certs;
let nginx: Nginx;
let port: number;

beforeAll(async () => {
  certs = makeCerts();
  port = await freePort();
  const htpasswd = path.join(certs.dir, 'htpasswd');
  fs.writeFileSync(htpasswd, `${USER}:${execFileSync('openssl', ['passwd', '-apr1', PASSWORD]).toString().trim()}\n`);
  fs.chmodSync(certs.dir, 0o755);
  fs.chmodSync(htpasswd, 0o644);
  nginx = await startNginx(`
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${certs.serverCert}; ssl_certificate_key ${certs.serverKey};
    auth_basic "opensearch"; auth_basic_user_file ${htpasswd};
    client_max_body_size 50m;
    location = / { return 403; }
    location ~ ^/(_cluster|_nodes|_cat|_snapshot|_tasks)(/|$) { return 403; }
    location / { proxy_pass ${OPENSEARCH_URL}; proxy_set_header Authorization ""; }
  }`, [port]);
});
afterAll(async () => {
  await nginx?.stop();
  fs.rmSync(certs.dir, { recursive: true, force: true });
});

describe('OpenSearch over TLS with basic auth, least privilege', () => {
  const p = new Pipeline();
  const secured = () => {
    const passwordFile = path.join(certs.dir, 'os-password');
    fs.writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
    return { OPENSEARCH_URL: `https://localhost:${port}`, OPENSEARCH_CA_FILE: certs.ca, OPENSEARCH_USERNAME: USER, OPENSEARCH_PASSWORD_FILE: passwordFile };
  };
  beforeAll(() => p.start());
  afterAll(() => p.stop());

  it('worker and ingest create the index with the configured settings and deliver; no cluster-level right needed', async () => {
    const worker = await p.worker({ ...secured(), OPENSEARCH_INDEX_SHARDS: '2', OPENSEARCH_INDEX_REPLICAS: '0' });
    await p.ingest(secured());
    expect(worker.output()).toContain(`"opensearch":"https://localhost:${port} (TLS, user ${USER})"`);
    const id = await p.publish(alertEvent());
    await p.receiver.waitFor(() => p.receiver.deliveredKeys().has(p.key(id)), 60_000);
    await p.waitFor('recorded', async () => (await p.doc(id))?.delivered === true);
    const settings = (await p.os.indices.getSettings({ index: p.index })).body as Record<string, { settings: { index: { number_of_shards: string } } }>;
    expect(settings[p.index].settings.index.number_of_shards).toBe('2');
    expect(worker.output()).not.toContain(PASSWORD);
  });

  it.each([
    ['a wrong password', () => ({ OPENSEARCH_PASSWORD_FILE: '', OPENSEARCH_PASSWORD: 'wrong-os-password' }), /OpenSearch: https:\/\/localhost:\d+ \(TLS, user alert-writer\) refused the credentials \(HTTP 401\)/],
    ['no custom CA (the certificate cannot be verified)', () => ({ OPENSEARCH_CA_FILE: '' }), /OpenSearch: not reachable after 3s/],
  ])('%s: the worker stops at start-up naming OpenSearch', async (_name, over, reason) => {
    const proc = startProcess('worker', p.env({ ...secured(), ...over(), STARTUP_TIMEOUT: '3s' }));
    expect(await proc.exited).toBe(1);
    expect(proc.output()).toMatch(reason);
    expect(proc.output()).not.toContain('wrong-os-password');
  });
});

describe('loadConfig: OpenSearch settings', () => {
  it('names every bad OpenSearch setting at once', () => {
    expect(() => loadConfig('tool', { OPENSEARCH_URL: 'http://h:9200', OPENSEARCH_PASSWORD: 'x', OPENSEARCH_CA_FILE: certs.ca, OPENSEARCH_INDEX_SHARDS: '0', OPENSEARCH_INDEX_REPLICAS: 'many' }))
      .toThrow(expect.objectContaining({
        problems: expect.arrayContaining([
          'OPENSEARCH_PASSWORD is set without OPENSEARCH_USERNAME',
          'OPENSEARCH_CA_FILE is set but OPENSEARCH_URL is not https://',
          'OPENSEARCH_INDEX_SHARDS="0": expected a whole number up to 1024',
          'OPENSEARCH_INDEX_REPLICAS="many": expected a whole number up to 16',
        ]),
      }));
  });
});
