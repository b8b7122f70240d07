// Managed OpenSearch: https with a custom CA and basic auth, through nginx on 127.0.0.1 in front of the
// stack's OpenSearch, acting as a least-privilege user: every cluster-level API answers 403. Wrong
// credentials are refused by nginx (401); the worker stops at start-up naming OpenSearch.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../src/config';
import { alertEvent } from './helpers/alerts';
import { Pipeline } from './helpers/pipeline';
import { startProcess } from './helpers/processes';
import { freePort, makeCerts, startNginx, type Certs, type Nginx } from './helpers/secure-proxy';
import { OPENSEARCH_URL, ROOT } from './helpers/stack';

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

describe('AWS SigV4 (Amazon OpenSearch Service), verified by AWS\'s own implementation', () => {
  // A local endpoint that recomputes each request's signature with botocore and forwards only matching ones.
  const KEY = 'AKIAIOSFODNN7EXAMPLE';
  const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
  const p = new Pipeline();
  let verifier: ChildProcess;
  let verifierPort: number;
  const signed = (over: Record<string, string> = {}) => ({
    OPENSEARCH_URL: `http://127.0.0.1:${verifierPort}`, OPENSEARCH_AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: KEY, AWS_SECRET_ACCESS_KEY: SECRET, ...over,
  });
  beforeAll(async () => {
    verifierPort = await freePort();
    const botocore = execFileSync(path.join(ROOT, 'scripts/stack'), ['path', 'botocore']).toString().trim();
    verifier = spawn('python3', [path.join(__dirname, 'helpers/sigv4-verifier.py'), String(verifierPort), OPENSEARCH_URL, KEY, SECRET, 'eu-west-1', 'es'], {
      env: { ...process.env, PYTHONPATH: botocore }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    verifier.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    verifier.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    for (let i = 0; i < 100 && !out.includes('listening'); i++) await new Promise((r) => setTimeout(r, 100));
    if (!out.includes('listening')) throw new Error(`sigv4 verifier did not start: ${out}`);
    await p.start();
  });
  afterAll(async () => {
    await p.stop();
    verifier?.kill('SIGTERM');
  });

  it('signed requests pass: worker and ingest deliver through the verifying endpoint', async () => {
    const worker = await p.worker(signed());
    await p.ingest(signed());
    expect(worker.output()).toContain(`"opensearch":"http://127.0.0.1:${verifierPort} (plaintext, AWS SigV4 es eu-west-1)"`);
    const id = await p.publish(alertEvent());
    await p.receiver.waitFor(() => p.receiver.deliveredKeys().has(p.key(id)), 60_000);
    await p.waitFor('recorded', async () => (await p.doc(id))?.delivered === true);
    expect(worker.output()).not.toContain(SECRET);
  });

  it.each([
    ['a wrong secret key', { AWS_SECRET_ACCESS_KEY: 'not-the-secret' }],
    ['another region', { OPENSEARCH_AWS_REGION: 'us-east-1' }],
  ])('%s: the endpoint refuses the signature (403) and the worker stops at start-up naming OpenSearch', async (_name, over) => {
    const proc = startProcess('worker', p.env({ ...signed(over), STARTUP_TIMEOUT: '3s' }));
    expect(await proc.exited).toBe(1);
    expect(proc.output()).toMatch(/OpenSearch: http:\/\/127\.0\.0\.1:\d+ \(plaintext, AWS SigV4 es [a-z0-9-]+\) refused the credentials \(HTTP 403\)/);
    expect(proc.output()).not.toContain('not-the-secret');
  });
});

describe('loadConfig: OpenSearch settings', () => {
  it('SigV4 and basic auth exclude each other; the service is es or aoss', () => {
    expect(() => loadConfig('tool', { OPENSEARCH_URL: 'https://h:443', OPENSEARCH_AWS_REGION: 'eu-west-1', OPENSEARCH_AWS_SERVICE: 's3', OPENSEARCH_USERNAME: 'u' }))
      .toThrow(expect.objectContaining({
        problems: expect.arrayContaining([
          'OPENSEARCH_AWS_SERVICE="s3": expected es or aoss',
          'OPENSEARCH_AWS_REGION (SigV4) and OPENSEARCH_USERNAME (basic auth) exclude each other',
        ]),
      }));
  });

  it('names every bad OpenSearch setting at once', () => {
    expect(() => loadConfig('tool', { OPENSEARCH_URL: 'http://h:9200', OPENSEARCH_PASSWORD: 'x', OPENSEARCH_CA_FILE: certs.ca, OPENSEARCH_INDEX_SHARDS: '0', OPENSEARCH_INDEX_REPLICAS: 'many' }))
      .toThrow(expect.objectContaining({
        problems: expect.arrayContaining([
          'OPENSEARCH_PASSWORD is set without OPENSEARCH_USERNAME',
          'OPENSEARCH_CA_FILE is set but OPENSEARCH_URL is not https://',
          'OPENSEARCH_INDEX_SHARDS="0": expected a whole number from 1 to 1024',
          'OPENSEARCH_INDEX_REPLICAS="many": expected a whole number from 0 to 16',
        ]),
      }));
  });
});
