// A real Prometheus Alertmanager (Debian package prometheus-alertmanager, installed by `scripts/stack install`)
// for tests: on a free port of 127.0.0.1, clustering off, a temporary storage directory, and one route that
// sends every alert (group_by: ['...'], each alert its own group) at once to a webhook with a bearer token.
// Alerts are pushed through Alertmanager's own API (POST /api/v2/alerts), as Prometheus does.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stopGracefully } from '../../tools/processes';
import { freePort } from './secure-proxy';

export const ALERTMANAGER_BINARY = process.env.ALERTMANAGER_BINARY ?? 'prometheus-alertmanager';

/** An alert as Prometheus posts it to Alertmanager (API v2 `postableAlert`). */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
  generatorURL?: string;
}

export interface AlertmanagerOptions {
  /** Where notifications go: e.g. `<intake URL>/api/v1/alertmanager`. */
  webhookUrl: string;
  /** Sent as `Authorization: Bearer <token>` (http_config.authorization). */
  token: string;
  /** How often a changed group is notified again (resolved alerts wait for this): default 1s. */
  groupInterval?: string;
  /** How often a firing alert that did not change is notified again: default 1h (tests of repeats use seconds). */
  repeatInterval?: string;
}

export interface AlertmanagerProcess {
  /** http://127.0.0.1:<port> */
  url: string;
  push: (alerts: PostableAlert[]) => Promise<void>;
  output: () => string;
  stop: () => Promise<void>;
}

export function alertmanagerVersion(): string {
  return execFileSync(ALERTMANAGER_BINARY, ['--version'], { stdio: ['ignore', 'pipe', 'pipe'] }).toString().split('\n')[0];
}

/** The configuration (Alertmanager 0.25 syntax): one receiver, a webhook with a bearer token, timings for tests. */
export function alertmanagerConfig(o: AlertmanagerOptions): string {
  return `global:
  resolve_timeout: 5m
route:
  receiver: intake
  group_by: ['...']
  group_wait: 0s
  group_interval: ${o.groupInterval ?? '1s'}
  repeat_interval: ${o.repeatInterval ?? '1h'}
receivers:
  - name: intake
    webhook_configs:
      - url: ${JSON.stringify(o.webhookUrl)}
        send_resolved: true
        max_alerts: 0
        http_config:
          authorization:
            type: Bearer
            credentials: ${JSON.stringify(o.token)}
`;
}

/** Starts Alertmanager and waits until /-/ready answers (at most 20 s). */
export async function startAlertmanager(o: AlertmanagerOptions): Promise<AlertmanagerProcess> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alertmanager-'));
  const config = path.join(dir, 'alertmanager.yml');
  fs.writeFileSync(config, alertmanagerConfig(o));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    ALERTMANAGER_BINARY,
    [`--config.file=${config}`, `--storage.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=', '--log.level=debug'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  const onData = (d: Buffer) => {
    out += d.toString();
    if (out.length > 1_000_000) out = out.slice(-500_000);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    await stopGracefully(child, exited);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    const ok = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) }).then((r) => r.ok, () => false);
    if (ok) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`Alertmanager did not become ready at ${url}. Output:\n${out.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const push = async (alerts: PostableAlert[]) => {
    const res = await fetch(`${url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts), signal: AbortSignal.timeout(5_000) });
    if (!res.ok) throw new Error(`Alertmanager refused the alerts: ${res.status} ${await res.text()}`);
  };
  return { url, push, output: () => out, stop };
}
