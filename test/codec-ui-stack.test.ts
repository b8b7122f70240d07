// The stack's own Web UI with the codec endpoint: `scripts/stack up` with STACK_UI_CODEC_ENDPOINT writes it into
// the UI's configuration (the ui-server's `codec.endpoint` on the real server profile, `--ui-codec-endpoint` of
// start-dev on the dev profile). Runs when the stack was started with it (scripts/test does so for its real
// server profile, where the UI reaches the server over mTLS); test/codec-ui.test.ts covers the dev server's UI
// with a start-dev of its own, and the UI without an endpoint.
// The codec endpoint itself is started here, on the port the UI was told, as `npm run start:codec` runs.
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import type { PayloadKeys } from '../src/codec';
import { TEMPORAL_CONNECTION } from './helpers/stack';
import { encryptedAlertWorkflow, forwardBearer, launchChromium, Processes, startCodecEndpoint, until, workflowPage } from './helpers/web-ui';

jest.setTimeout(180_000);

/** The endpoint the stack's UI was started with (scripts/stack: `on` = http://127.0.0.1:${CODEC_PORT:-8089}). */
const ENDPOINT = process.env.STACK_UI_CODEC_ENDPOINT === 'on' ? `http://127.0.0.1:${process.env.CODEC_PORT ?? 8089}` : process.env.STACK_UI_CODEC_ENDPOINT;
const UI = process.env.TEMPORAL_UI_URL ?? 'http://127.0.0.1:8233';
const KEY = randomBytes(32);
const KEY_ID = 'stack-ui-k1';
const KEYS: PayloadKeys = { currentKeyId: KEY_ID, keys: new Map([[KEY_ID, KEY]]) };
const TOKEN = randomBytes(24).toString('hex');
const TITLE = `Replica lag on pg-3.customer-${randomUUID().slice(0, 8)}.internal`;
const WORKFLOW_ID = `alerts:codec-ui-stack-${randomUUID()}`;
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'codec-ui-stack-'));
const processes = new Processes(TMP);
let browser: Browser;

const describeWithEndpoint = ENDPOINT ? describe : describe.skip;
if (!ENDPOINT) console.log('codec-ui-stack: skipped (the stack was started without STACK_UI_CODEC_ENDPOINT)');

describeWithEndpoint(`the stack's Web UI (${process.env.STACK_TEMPORAL ?? 'dev'} profile) with its codec endpoint`, () => {
  beforeAll(async () => {
    // what `scripts/stack up` configured: the UI reports the endpoint in its settings
    const settings = (await (await fetch(`${UI}/api/v1/settings`)).json()) as { Codec: { Endpoint: string } };
    expect(settings.Codec.Endpoint).toBe(ENDPOINT);
    await startCodecEndpoint(processes, {
      port: Number(new URL(ENDPOINT!).port), key: { id: KEY_ID, bytes: KEY }, token: TOKEN,
      origins: [UI, UI.replace('127.0.0.1', 'localhost')], log: path.join(TMP, 'codec-server.log'),
    });
    const history = await encryptedAlertWorkflow(TEMPORAL_CONNECTION, KEYS, { workflowId: WORKFLOW_ID, taskQueue: `codec-ui-stack-${randomUUID()}`, title: TITLE });
    expect(history).not.toContain(TITLE.slice(0, 12));
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await processes.stopAll();
    fs.rmSync(TMP, { recursive: true, force: true });
  });

  it('the workflow page shows the decoded input and result', async () => {
    const context = await browser.newContext();
    await forwardBearer(context, ENDPOINT!, TOKEN);
    const decodes: number[] = [];
    context.on('response', (r) => { if (r.url().startsWith(`${ENDPOINT}/decode`)) decodes.push(r.status()); });
    const text = await workflowPage(await context.newPage(), UI, WORKFLOW_ID, TITLE);
    expect(text).toContain(TITLE);
    expect(text).toContain('acme');
    expect(decodes).toContain(200);
    await context.close();
  });

  it('with the codec endpoint stopped the page shows ciphertext only', async () => {
    await processes.stopAll();
    await until('the codec endpoint to stop', async () => !(await fetch(`${ENDPOINT}/healthz`).then(() => true, () => false)));
    const context = await browser.newContext();
    await forwardBearer(context, ENDPOINT!, TOKEN);
    const text = await workflowPage(await context.newPage(), UI, WORKFLOW_ID);
    expect(text).not.toContain(TITLE);
    expect(text).not.toContain('acme');
    // the input as stored: its ciphertext in base64 (alone, or in the payload's JSON with its metadata, as the UI
    // shows it once a codec call failed)
    expect(text).toMatch(/\nInput\n[\s\S]*?[A-Za-z0-9+/]{100,}={0,2}[\s\S]*\nResult\n/);
    await context.close();
  });
});
