// The codec endpoint with the real Web UI (headless Debian Chromium, driven by playwright-core) and the real
// `temporal` CLI: an alert workflow whose input and result are encrypted (AES-GCM, the service's codec) is shown
// decoded when the UI is started with --ui-codec-endpoint pointing at `npm run start:codec` (dist/src/codec-server.js,
// a real process), and as ciphertext without it; `temporal workflow show --codec-endpoint` decodes too.
// A Temporal dev server of its own (the stack's CLI binary, free ports, a database file in a temporary directory)
// is started twice on the same database: with the UI's codec endpoint, then without.
// The screenshot goes to CODEC_UI_SCREENSHOT (e.g. docs/codec-ui.png) when set, else to the temporary directory.
import { execFile, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import type { PayloadKeys } from '../src/codec';
import { freePort } from './helpers/secure-proxy';
import { ROOT } from './helpers/stack';
import { encryptedAlertWorkflow, forwardBearer, launchChromium, Processes, startCodecEndpoint, until, workflowPage } from './helpers/web-ui';

jest.setTimeout(180_000);

const TEMPORAL_CLI = process.env.TEMPORAL_CLI ?? execFileSync(path.join(ROOT, 'scripts', 'stack'), ['path', 'temporal']).toString().trim();
const KEY = randomBytes(32);
const KEY_ID = 'ui-test-k1';
const KEYS: PayloadKeys = { currentKeyId: KEY_ID, keys: new Map([[KEY_ID, KEY]]) };
const TOKEN = randomBytes(24).toString('hex');
const TITLE = `Disk full on db-7.customer-${randomUUID().slice(0, 8)}.internal`;
const WORKFLOW_ID = `alerts:codec-ui-${randomUUID()}`;
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'codec-ui-'));
const SCREENSHOT = process.env.CODEC_UI_SCREENSHOT ? path.resolve(ROOT, process.env.CODEC_UI_SCREENSHOT) : path.join(TMP, 'codec-ui.png');
const processes = new Processes(TMP);

let port: number, uiPort: number, codecPort: number;
let ui: string, codecUrl: string;
let dev: ChildProcess | undefined;
let browser: Browser;

/** start-dev on the test's database, with or without the UI's codec endpoint; resolves when the UI answers. */
async function startDev(codecEndpoint?: string): Promise<void> {
  dev = processes.start(TEMPORAL_CLI, ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--ui-port', String(uiPort),
    '--db-filename', path.join(TMP, 'temporal.db'), '--log-level', 'error', ...(codecEndpoint ? ['--ui-codec-endpoint', codecEndpoint] : [])]);
  await until('the dev server\'s UI', async () => (await fetch(`${ui}/api/v1/settings`)).ok);
  const settings = (await (await fetch(`${ui}/api/v1/settings`)).json()) as { Codec: { Endpoint: string } };
  expect(settings.Codec.Endpoint).toBe(codecEndpoint ?? '');
}

beforeAll(async () => {
  [port, uiPort, codecPort] = [await freePort(), await freePort(), await freePort()];
  ui = `http://127.0.0.1:${uiPort}`;
  codecUrl = `http://127.0.0.1:${codecPort}`;
  // the codec endpoint as the process `npm run start:codec` runs, bearer authorization on
  await startCodecEndpoint(processes, { port: codecPort, key: { id: KEY_ID, bytes: KEY }, token: TOKEN, origins: [ui, `http://localhost:${uiPort}`], log: path.join(TMP, 'codec-server.log') });
  await startDev(codecUrl);

  const history = await encryptedAlertWorkflow({ address: `127.0.0.1:${port}` }, KEYS, { workflowId: WORKFLOW_ID, taskQueue: `codec-ui-${randomUUID()}`, title: TITLE });
  expect(history).not.toContain(TITLE.slice(0, 12)); // nothing plain reached the server (search for the start of the title)
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await processes.stopAll();
  fs.rmSync(TMP, { recursive: true, force: true });
});

describe('Web UI with the codec endpoint (headless Chromium)', () => {
  it('the workflow page shows the decoded input and result (the UI forwards the bearer credentials)', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    // The UI's forwarded credentials (codec.passAccessToken with an OIDC login) arrive as an Authorization header:
    // added here to the UI's own calls to the codec endpoint, which the browser makes cross-origin (CORS preflight).
    const codecCalls: { url: string; status: number; origin?: string }[] = [];
    await forwardBearer(context, codecUrl, TOKEN);
    context.on('response', (r) => { if (r.url().startsWith(codecUrl)) codecCalls.push({ url: r.url(), status: r.status(), origin: r.request().headers().origin }); });
    const page = await context.newPage();
    const decoded = await workflowPage(page, ui, WORKFLOW_ID, TITLE);
    expect(decoded).toContain(TITLE);
    expect(decoded).toContain('acme'); // the labels of the input
    expect(decoded).toContain('delivered'); // the result
    // the UI's calls: POST <endpoint>/decode?preserveStorageRefs=true from the UI's origin, answered 200
    expect(codecCalls.some((c) => new URL(c.url).pathname === '/decode' && c.status === 200 && c.origin === ui)).toBe(true);
    // the header, the input and the result, for the docs
    await page.screenshot({ path: SCREENSHOT, type: 'png', clip: { x: 0, y: 0, width: 1400, height: 700 } });
    expect(fs.statSync(SCREENSHOT).size).toBeGreaterThan(10_000);
    await context.close();
  });

  it('without a token the codec endpoint refuses the UI (401): the page shows no plain text', async () => {
    const context = await browser.newContext();
    const statuses: number[] = [];
    context.on('response', (r) => { if (r.url().startsWith(`${codecUrl}/decode`)) statuses.push(r.status()); });
    const text = await workflowPage(await context.newPage(), ui, WORKFLOW_ID);
    expect(statuses).toContain(401);
    expect(text).not.toContain(TITLE);
    await context.close();
  });

  it('without the codec endpoint (start-dev without --ui-codec-endpoint) the page shows ciphertext only', async () => {
    await processes.stop(dev!);
    await startDev();
    const context = await browser.newContext();
    const text = await workflowPage(await context.newPage(), ui, WORKFLOW_ID);
    expect(text).not.toContain(TITLE);
    expect(text).not.toContain('acme');
    // the UI shows an encoded payload's data as its base64: IV, ciphertext and tag
    expect(text).toMatch(/\nInput\n"[A-Za-z0-9+/]{100,}={0,2}"\n/);
    expect(text).toMatch(/\nResult\n"[A-Za-z0-9+/]{100,}={0,2}"\n/);
    await context.close();
  });
});

describe('temporal workflow show --codec-endpoint', () => {
  const show = (...extra: string[]) =>
    promisify(execFile)(TEMPORAL_CLI, ['workflow', 'show', '--workflow-id', WORKFLOW_ID, '--address', `127.0.0.1:${port}`, '--namespace', 'default', '--output', 'json', ...extra], { env: { PATH: process.env.PATH ?? '', HOME: TMP } })
      .then((r) => ({ code: 0, out: r.stdout + r.stderr }), (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code ?? 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` }))
      // the JSON output holds each payload's data in base64: the text it decodes to, after the output
      .then(({ code, out }) => ({ code, out: `${out}\n${[...out.matchAll(/"data":\s*"([A-Za-z0-9+/=]+)"/g)].map((m) => Buffer.from(m[1], 'base64').toString('utf8')).join('\n')}` }));

  it('decodes the input and result with the bearer token', async () => {
    const r = await show('--codec-endpoint', codecUrl, '--codec-auth', `Bearer ${TOKEN}`);
    expect(r.code).toBe(0);
    expect(r.out).toContain(TITLE);
    expect(r.out).toContain('acme');
  });

  it('the {namespace} template works too', async () => {
    const r = await show('--codec-endpoint', `${codecUrl}/{namespace}`, '--codec-auth', `Bearer ${TOKEN}`);
    expect(r.code).toBe(0);
    expect(r.out).toContain(TITLE);
  });

  it('without the endpoint, or with a wrong token: no plain text', async () => {
    const plain = await show();
    expect(plain.out).not.toContain(TITLE);
    expect(plain.out).toMatch(/binary\/encrypted|YmluYXJ5L2VuY3J5cHRlZA/);
    const wrong = await show('--codec-endpoint', codecUrl, '--codec-auth', 'Bearer wrong-token-0123456789abcdef');
    expect(wrong.out).not.toContain(TITLE);
    expect(wrong.code !== 0 || /401|unauthorized/i.test(wrong.out)).toBe(true);
  });
});
