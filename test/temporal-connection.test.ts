// Connecting to a secured Temporal the Temporal way (@temporalio/envconfig), against real secured endpoints
// on 127.0.0.1. On the real server profile (STACK_TEMPORAL=server) the mTLS endpoint is the Temporal server's
// own frontend, which requires a client certificate from the stack's CA and refuses others; on the dev server
// nginx terminates mTLS in front of it. The API-key endpoint is nginx checking the bearer token (then
// forwarding over mTLS to the real server, or plaintext to the dev server). Wrong certificates and keys are
// refused by them, not by our code. One temporal.toml profile drives both alertctl and the `temporal` CLI.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadTemporalTarget } from '../src/connections/temporal';
import { searchAttributeFix } from '../src/startup';
import { alertEvent } from './helpers/alerts';
import { Pipeline } from './helpers/pipeline';
import { startProcess } from './helpers/processes';
import { freePort, makeCerts, startNginx, type Certs, type Nginx } from './helpers/secure-proxy';
import { REAL_TEMPORAL_SERVER, ROOT, TEMPORAL_ADDRESS, TEMPORAL_ENV } from './helpers/stack';

jest.setTimeout(120_000);
const run = promisify(execFile);
const API_KEY = 'tk-3f9a0c1e7b5d4e2a9c8b7a6f5e4d3c2b';

let certs: Certs;
let nginx: Nginx;
let keyPort: number;
let toml: string;
/** The mTLS endpoint and the files that pass it. */
let mtls: { address: string; ca: string; cert: string; key: string };

beforeAll(async () => {
  certs = makeCerts();
  keyPort = await freePort();
  const timeouts = 'grpc_read_timeout 300s; grpc_send_timeout 300s;';
  let upstream = `grpc_pass grpc://${TEMPORAL_ADDRESS}; ${timeouts}`;
  let mtlsServer = '';
  const ports = [keyPort];
  if (REAL_TEMPORAL_SERVER) {
    const stack = { ca: TEMPORAL_ENV.TEMPORAL_TLS_SERVER_CA_CERT_PATH, cert: TEMPORAL_ENV.TEMPORAL_TLS_CLIENT_CERT_PATH, key: TEMPORAL_ENV.TEMPORAL_TLS_CLIENT_KEY_PATH };
    mtls = { address: TEMPORAL_ADDRESS, ...stack };
    upstream = `grpc_pass grpcs://${TEMPORAL_ADDRESS}; ${timeouts}
      grpc_ssl_certificate ${stack.cert}; grpc_ssl_certificate_key ${stack.key};
      grpc_ssl_trusted_certificate ${stack.ca}; grpc_ssl_verify on; grpc_ssl_name localhost;`;
  } else {
    const mtlsPort = await freePort();
    ports.push(mtlsPort);
    mtls = { address: `127.0.0.1:${mtlsPort}`, ca: certs.ca, cert: certs.clientCert, key: certs.clientKey };
    mtlsServer = `server {
    listen 127.0.0.1:${mtlsPort} ssl http2;
    ssl_certificate ${certs.serverCert}; ssl_certificate_key ${certs.serverKey};
    ssl_client_certificate ${certs.ca}; ssl_verify_client on;
    location / { ${upstream} }
  }`;
  }
  nginx = await startNginx(`
  client_max_body_size 8m;
  map $http_authorization $api_key_ok { "Bearer ${API_KEY}" 1; default 0; }
  ${mtlsServer}
  server {
    listen 127.0.0.1:${keyPort} ssl http2;
    ssl_certificate ${certs.serverCert}; ssl_certificate_key ${certs.serverKey};
    location / { if ($api_key_ok = 0) { return 401; } ${upstream} }
  }`, ports);
  toml = path.join(certs.dir, 'temporal.toml');
  fs.writeFileSync(toml, `# one file for alertctl, the worker, the ingest and the temporal CLI
[profile.mtls]
address = "${mtls.address}"
namespace = "default"
[profile.mtls.tls]
client_cert_path = "${mtls.cert}"
client_key_path = "${mtls.key}"
server_ca_cert_path = "${mtls.ca}"
server_name = "localhost"

[profile.apikey]
address = "127.0.0.1:${keyPort}"
namespace = "default"
api_key = "${API_KEY}"
[profile.apikey.tls]
server_ca_cert_path = "${certs.ca}"
server_name = "localhost"

[profile.keyless]
address = "127.0.0.1:${keyPort}"
namespace = "default"
[profile.keyless.tls]
server_ca_cert_path = "${certs.ca}"
server_name = "localhost"
`);
});
afterAll(async () => {
  await nginx?.stop();
  fs.rmSync(certs.dir, { recursive: true, force: true });
});

const alertctl = (args: string[], env: Record<string, string>) =>
  run(process.execPath, [path.join(ROOT, 'dist/src/alertctl.js'), ...args], { env: { PATH: process.env.PATH ?? '', HOME: certs.dir, TEMPORAL_CONFIG_FILE: toml, ...env } });
const temporalCli = async (args: string[], env: Record<string, string>) => {
  const bin = (await run(path.join(ROOT, 'scripts/stack'), ['path', 'temporal'])).stdout.trim();
  return run(bin, args, { env: { PATH: process.env.PATH ?? '', HOME: certs.dir, TEMPORAL_CONFIG_FILE: toml, ...env } });
};
const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('expected the command to fail'); }, (e: { code?: number; stderr?: string }) => e);

describe('worker and ingest over mTLS (TEMPORAL_TLS_* variables)', () => {
  const p = new Pipeline();
  beforeAll(() => p.start());
  afterAll(() => p.stop());

  const mtlsEnv = () => ({
    TEMPORAL_ADDRESS: mtls.address, TEMPORAL_TLS_CLIENT_CERT_PATH: mtls.cert, TEMPORAL_TLS_CLIENT_KEY_PATH: mtls.key,
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: mtls.ca, TEMPORAL_TLS_SERVER_NAME: 'localhost',
  });

  it('deliver an alert end to end through the mTLS endpoint', async () => {
    const worker = await p.worker(mtlsEnv());
    await p.ingest(mtlsEnv());
    expect(worker.output()).toContain(`"temporal":"${mtls.address} (namespace default, mTLS)"`);
    const id = await p.publish(alertEvent());
    await p.receiver.waitFor(() => p.receiver.deliveredKeys().has(p.key(id)), 60_000);
    await p.waitFor('recorded', async () => (await p.doc(id))?.delivered === true);
  });

  it.each([
    ['a client certificate from another CA', () => ({ TEMPORAL_TLS_CLIENT_CERT_PATH: certs.rogueCert, TEMPORAL_TLS_CLIENT_KEY_PATH: certs.rogueKey })],
    ['no client certificate', () => ({ TEMPORAL_TLS_CLIENT_CERT_PATH: '', TEMPORAL_TLS_CLIENT_KEY_PATH: '' })],
  ])('%s is refused by the endpoint: the worker stops at start-up naming Temporal', async (_name, over) => {
    const proc = startProcess('worker', p.env({ ...mtlsEnv(), ...over(), STARTUP_TIMEOUT: '3s' }));
    expect(await proc.exited).toBe(1);
    expect(proc.output()).toMatch(/worker: cannot start\.\nTemporal: not reachable after 3s/);
    if (REAL_TEMPORAL_SERVER) {
      // The refusal is the server's: the temporal CLI, given the same files, fails its TLS handshake too.
      const cli = await failure(temporalCli(['workflow', 'count', '--command-timeout', '5s'], { ...mtlsEnv(), ...over() }));
      expect(cli.stderr).toMatch(/TLS handshake failed/);
    } else {
      expect(nginx.errorLog()).toMatch(/client SSL certificate verify error|client sent no required SSL certificate/);
    }
  });
});

describe('one temporal.toml for alertctl and the temporal CLI (profiles, API key)', () => {
  it('the apikey profile works for both; a wrong key is refused by the endpoint for both', async () => {
    const ok = await alertctl(['list', '--profile', 'apikey', '--limit', '1'], {});
    expect(ok.stdout).toMatch(/^# WorkflowType = "deliverAlert"/);
    const cli = await temporalCli(['workflow', 'count', '--profile', 'apikey'], {});
    expect(cli.stdout).toMatch(/^Total: \d+/);

    const wrong = await failure(alertctl(['list', '--profile', 'apikey'], { TEMPORAL_API_KEY: 'tk-wrong' }));
    expect(wrong.code).toBe(1); // refused by the server: a failure, not a usage error
    expect(wrong.stderr).toMatch(/401|Unauthenticated|UNAUTHENTICATED/i);
    expect(wrong.stderr).not.toContain('tk-wrong');
    const wrongCli = await failure(temporalCli(['workflow', 'count', '--profile', 'apikey'], { TEMPORAL_API_KEY: 'tk-wrong' }));
    expect(wrongCli.code).not.toBe(0);
  });

  it('the API key may come from a file (TEMPORAL_API_KEY_FILE); without a key the endpoint refuses', async () => {
    const keyFile = path.join(certs.dir, 'api-key');
    fs.writeFileSync(keyFile, `${API_KEY}\n`, { mode: 0o600 });
    const ok = await alertctl(['list', '--profile', 'keyless', '--limit', '1'], { TEMPORAL_API_KEY_FILE: keyFile });
    expect(ok.stdout).toMatch(/^# WorkflowType/);
    const refused = await failure(alertctl(['list', '--profile', 'keyless'], {}));
    expect(refused.code).toBe(1);
  });

  it('--address and --namespace flags win over the profile', async () => {
    const viaFlag = await failure(alertctl(['list', '--profile', 'apikey', '--address', '127.0.0.1:1'], {}));
    expect(viaFlag.stderr).toMatch(/127\.0\.0\.1:1/);
  });
});

describe('loadTemporalTarget', () => {
  it('reads TEMPORAL_* like the CLI and describes the target without its secrets', () => {
    const t = loadTemporalTarget({ TEMPORAL_ADDRESS: 'my-ns.a1b2c.tmprl.cloud:7233', TEMPORAL_NAMESPACE: 'my-ns.a1b2c', TEMPORAL_API_KEY: API_KEY, HOME: '/nonexistent' });
    expect(t).toMatchObject({ namespace: 'my-ns.a1b2c', cloud: true, connection: { address: 'my-ns.a1b2c.tmprl.cloud:7233', apiKey: API_KEY, tls: true } });
    expect(t.describe).toBe('my-ns.a1b2c.tmprl.cloud:7233 (namespace my-ns.a1b2c, TLS, API key)');
    expect(t.describe).not.toContain(API_KEY);
  });

  it('defaults to localhost:7233, namespace default, plaintext; a missing key file is a clear error', () => {
    expect(loadTemporalTarget({ HOME: '/nonexistent' })).toMatchObject({ connection: { address: 'localhost:7233' }, namespace: 'default', cloud: false });
    expect(() => loadTemporalTarget({ HOME: '/nonexistent', TEMPORAL_API_KEY_FILE: '/nonexistent/key' })).toThrow('Cannot read TEMPORAL_API_KEY_FILE=/nonexistent/key: ENOENT');
    expect(() => loadTemporalTarget({ HOME: '/nonexistent', TEMPORAL_PROFILE: 'nope', TEMPORAL_CONFIG_FILE: toml })).toThrow(/Invalid Temporal connection settings: .*nope/);
  });

  it('the fix for a missing search attribute fits the target: Temporal Cloud vs a self-hosted cluster', () => {
    const cloud = loadTemporalTarget({ TEMPORAL_ADDRESS: 'prod.x1y2z.tmprl.cloud:7233', TEMPORAL_NAMESPACE: 'prod.x1y2z', HOME: '/nonexistent' });
    expect(searchAttributeFix(cloud)).toMatch(/Temporal Cloud UI .*tcld namespace search-attributes add --namespace prod\.x1y2z/);
    const own = loadTemporalTarget({ TEMPORAL_ADDRESS: 'temporal.internal:7233', HOME: '/nonexistent' });
    expect(searchAttributeFix(own)).toMatch(/^Fix: temporal operator search-attribute create --namespace default/);
  });
});
