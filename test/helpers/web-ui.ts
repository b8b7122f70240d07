// The Web UI tests' pieces (test/codec-ui.test.ts: a start-dev of its own; test/codec-ui-stack.test.ts: the
// stack's own UI): the codec endpoint as a real process, an alert workflow whose input and result are encrypted,
// headless Debian Chromium (playwright-core) and the workflow page's text.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { AesGcmCodec, payloadDataConverter, type PayloadKeys } from '../../src/codec';
import { alertEvent } from './alerts';
import { ROOT } from './stack';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** Polls `fn` every 250 ms until it returns something truthy (errors count as not yet). */
export async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Child processes with their output in log files; `stopAll` stops them, last started first. */
export class Processes {
  private readonly started: ChildProcess[] = [];
  constructor(private readonly dir: string) {}

  start(cmd: string, args: string[], env: Record<string, string> = {}, log = path.join(this.dir, `${path.basename(cmd)}.log`)): ChildProcess {
    const out = fs.openSync(log, 'a');
    const child = spawn(cmd, args, { env: { PATH: process.env.PATH ?? '', HOME: this.dir, ...env }, stdio: ['ignore', out, out] });
    fs.closeSync(out);
    this.started.push(child);
    return child;
  }

  async stop(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(t);
  }

  async stopAll(): Promise<void> {
    for (const c of this.started.reverse()) await this.stop(c);
  }
}

export interface CodecEndpointOptions {
  port: number;
  key: { id: string; bytes: Buffer };
  token: string;
  /** the UI origins allowed by CORS */
  origins: string[];
  log: string;
}

/** `npm run start:codec` (dist/src/codec-server.js) with bearer authorization; resolves once /healthz answers. */
export async function startCodecEndpoint(processes: Processes, o: CodecEndpointOptions): Promise<ChildProcess> {
  const child = processes.start(process.execPath, [path.join(ROOT, 'dist/src/codec-server.js')], {
    PAYLOAD_ENCRYPTION_KEYS: `${o.key.id}:${o.key.bytes.toString('base64')}`, CODEC_PORT: String(o.port), CODEC_TOKENS: o.token,
    CODEC_CORS_ORIGINS: o.origins.join(','), LOG_LEVEL: 'debug',
  }, o.log);
  await until('the codec endpoint', async () => (await fetch(`http://127.0.0.1:${o.port}/healthz`)).ok);
  return child;
}

/**
 * An alert delivery whose input (the whole alert) and result are encrypted: started by a client with the codec,
 * its one workflow task completed by hand with an encrypted result (no worker needed). Returns the history as JSON.
 */
export async function encryptedAlertWorkflow(target: ConnectionOptions, keys: PayloadKeys, o: { workflowId: string; taskQueue: string; title: string }): Promise<string> {
  const connection = await Connection.connect(target);
  try {
    return await startAndComplete(connection, keys, o);
  } finally {
    await connection.close();
  }
}

async function startAndComplete(connection: Connection, keys: PayloadKeys, o: { workflowId: string; taskQueue: string; title: string }): Promise<string> {
  const client = new Client({ connection, dataConverter: payloadDataConverter(keys) });
  await client.workflow.start('deliverAlert', { taskQueue: o.taskQueue, workflowId: o.workflowId, args: [{ event: alertEvent({ title: o.title, labels: { customer: 'acme' } }) }] });
  const task = await connection.withDeadline(Date.now() + 30_000, () => connection.workflowService.pollWorkflowTaskQueue({ namespace: 'default', taskQueue: { name: o.taskQueue }, identity: 'codec-ui-test' }));
  const [result] = await new AesGcmCodec(keys).encode([defaultPayloadConverter.toPayload({ status: 'delivered', title: o.title, channels: { hook: 'delivered' } })]);
  await connection.workflowService.respondWorkflowTaskCompleted({
    namespace: 'default', taskToken: task.taskToken, identity: 'codec-ui-test',
    commands: [{ commandType: temporal.api.enums.v1.CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION, completeWorkflowExecutionCommandAttributes: { result: { payloads: [result] } } }],
  });
  return JSON.stringify(await client.workflow.getHandle(o.workflowId).fetchHistory());
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
}

/** The workflow page's visible text once its Input and Result sections show (and `want`, if given, appears). */
export async function workflowPage(page: Page, ui: string, workflowId: string, want?: string): Promise<string> {
  await page.goto(`${ui}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`, { waitUntil: 'load' });
  await page.getByText(workflowId).first().waitFor({ timeout: 30_000 });
  const text = () => page.locator('body').innerText();
  // the payload views render after the codec call: wait for them (the title, when expected), then a moment more
  await until('the Input and Result sections', async () => /\nInput\n[\s\S]*\nResult\n/.test(await text()) && (!want || (await text()).includes(want)), 30_000);
  await page.waitForTimeout(1500);
  return text();
}

/** The UI's forwarded credentials (codec.passAccessToken with an OIDC login) as the codec endpoint sees them: a bearer header on the UI's calls to it. */
export async function forwardBearer(context: BrowserContext, codecUrl: string, token: string): Promise<void> {
  await context.route(`${codecUrl}/**`, (route) => route.continue({ headers: { ...route.request().headers(), authorization: `Bearer ${token}` } }));
}
