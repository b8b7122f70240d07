// The same storm through the real Prometheus Alertmanager (Debian `prometheus-alertmanager`): on 127.0.0.1 with a
// free port, no gossip (`--cluster.listen-address=`), its storage in a temp dir, the equivalent configuration
// (route group_by [alertname, cluster] with the same waits, a webhook to the counting receiver with
// send_resolved, the same inhibit rule; the escalating alerts each on their own, as our route without group_by
// notifies them: Alertmanager has no escalation, so our pager level has no counterpart) and the same silence
// (POST /api/v2/silences). The events are pushed with POST /api/v2/alerts on the storm's schedule; a resolved alert
// is pushed again with `endsAt`; a duplicate is the same labels pushed again. After the storm the silence is
// expired (DELETE /api/v2/silence/<id>), as on our side, and what its groups then send is counted apart.
// Alertmanager forgets an alert that is not re-sent: one pushed without `endsAt` resolves after
// `resolve_timeout` (5 m; Prometheus re-sends every evaluation). The run is shorter than that, so the alerts
// still fire when it ends; a run longer than 5 minutes would see them resolve and send resolved notifications.
// Alertmanager keeps no per-alert record: which alerts were silenced or inhibited is read from its API
// (GET /api/v2/alerts: status.silencedBy / inhibitedBy) every half of the scenario's minimum resolve age, so an
// alert is sampled at least once before it resolves.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { parseDuration } from '../../src/duration';
import { stopGracefully } from '../../tools/processes';
import { freePort, round, say, sleep } from '../harness';
import { ESCALATION, GROUP_BY, SILENCE, TIMING, inhibitRule } from './our-config';
import { StormReceiver, receiverFigures } from './receiver';
import { SILENCED_TEAM, amAlert, isInhibited, isSilenced, minResolveAgeMs, play, sourceResolves, type Storm } from './scenario';

const parseMs = (d: string): number => parseDuration(d) ?? NaN;

export const ALERTMANAGER_BINARY = process.env.ALERTMANAGER_BINARY ?? '/usr/bin/prometheus-alertmanager';

export function alertmanagerYaml(webhookUrl: string): string {
  const doc = new YAML.Document({
    global: { resolve_timeout: '5m' },
    route: {
      receiver: 'storm', group_by: GROUP_BY, group_wait: TIMING.groupWait, group_interval: TIMING.groupInterval, repeat_interval: TIMING.repeatInterval,
      // the escalating alerts: no escalation in Alertmanager, each notified on its own as ours notifies them first
      routes: [{ matchers: [ESCALATION.matcher], group_by: ['...'] }],
    },
    receivers: [{ name: 'storm', webhook_configs: [{ url: webhookUrl, send_resolved: true, max_alerts: 0 }] }],
    inhibit_rules: [inhibitRule()],
  });
  doc.commentBefore = " written by bench/storm/alertmanager.ts: the storm's route, receiver and inhibit rule";
  return doc.toString();
}

interface AmProcess {
  url: string;
  logFile: string;
  stop: () => Promise<void>;
}

async function startAlertmanager(dir: string, webhookUrl: string): Promise<AmProcess> {
  if (!fs.existsSync(ALERTMANAGER_BINARY)) throw new Error(`${ALERTMANAGER_BINARY} not found: apt-get install prometheus-alertmanager (scripts/stack install does), or set ALERTMANAGER_BINARY`);
  const config = path.join(dir, 'alertmanager.yml');
  fs.writeFileSync(config, alertmanagerYaml(webhookUrl));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const logFile = path.join(dir, 'alertmanager.log');
  const log = fs.openSync(logFile, 'a');
  const child = spawn(ALERTMANAGER_BINARY, [
    `--config.file=${config}`, `--storage.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=', '--log.level=info',
  ], { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const stop = async () => {
    await stopGracefully(child, exited);
    process.off('exit', killOnExit);
  };
  const deadline = Date.now() + 30_000;
  while (!(await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) }).then((r) => r.ok, () => false))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`Alertmanager did not become ready at ${url}:\n${fs.readFileSync(logFile, 'utf8').slice(-3000)}`);
    }
    await sleep(100);
  }
  return { url, logFile, stop };
}

async function api(url: string, method: 'GET' | 'POST' | 'DELETE', body?: unknown): Promise<unknown> {
  const res = await fetch(url, {
    method, signal: AbortSignal.timeout(30_000),
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text.slice(0, 500)}`);
  return text ? JSON.parse(text) : undefined;
}

interface AmAlertStatus {
  labels?: Record<string, string>;
  status?: { state?: string; silencedBy?: string[]; inhibitedBy?: string[] };
}

export async function runAlertmanager(storm: Storm, o: { logDir: string; shouldStop: () => boolean }) {
  const version = execFileSync(ALERTMANAGER_BINARY, ['--version'], { stdio: ['ignore', 'pipe', 'pipe'] }).toString().split('\n')[0];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'storm-alertmanager-'));
  const receiver = await new StormReceiver('alertmanager').start();
  const silenced = new Set<string>();
  const inhibited = new Set<string>();
  let held = 0;
  const sample = async (url: string) => {
    const alerts = (await api(`${url}/api/v2/alerts`, 'GET')) as AmAlertStatus[];
    held = alerts.length;
    for (const a of alerts) {
      const id = a.labels?.instance ?? '?';
      if (a.status?.silencedBy?.length) silenced.add(id);
      // Its API names both for a silenced alert that an inhibit rule would hold back too: ours screens the silence first.
      else if (a.status?.inhibitedBy?.length) inhibited.add(id);
    }
  };
  let am: AmProcess | undefined;
  try {
    am = await startAlertmanager(dir, receiver.url);
    const { url } = am;
    say('storm', `Alertmanager (${version}) on ${url}, storage ${dir}`);
    const now = Date.now();
    const created = (await api(`${url}/api/v2/silences`, 'POST', {
      matchers: [{ name: 'team', value: SILENCED_TEAM, isRegex: false, isEqual: true }],
      startsAt: new Date(now).toISOString(), endsAt: new Date(now + 3_600_000).toISOString(), createdBy: SILENCE.by, comment: SILENCE.comment,
    })) as { silenceID?: string };
    const t0 = Date.now();
    let pushes = 0;
    let sampling = true;
    const sampleEveryMs = minResolveAgeMs(storm.settings.seconds) / 2;
    const sampler = (async () => {
      while (sampling) {
        await sample(url).catch((e: Error) => say('storm', `Alertmanager sample failed: ${e.message}`));
        await sleep(sampleEveryMs);
      }
    })();
    await play(storm, t0, async (batch) => {
      pushes++;
      await api(`${url}/api/v2/alerts`, 'POST', batch.map((e) => amAlert(e, t0)));
    }, o.shouldStop);
    const pushedAt = Date.now();
    say('storm', `Alertmanager: ${storm.events.length} events pushed in ${pushes} POSTs over ${round((pushedAt - t0) / 1000, 1)} s; waiting for the last group_interval`);
    // Settled: nothing new for a group_interval (+3 s), at least group_wait + group_interval after the last push.
    const quietMs = parseMs(TIMING.groupInterval) + 3_000;
    let minEnd = pushedAt + parseMs(TIMING.groupWait) + parseMs(TIMING.groupInterval) + 3_000;
    const settle = async (from: number) => {
      const deadline = from + 120_000;
      while (!o.shouldStop() && Date.now() < deadline && (Date.now() < minEnd || Date.now() - receiver.lastAt < quietMs)) await sleep(500);
    };
    await settle(pushedAt);
    sampling = false;
    await sampler;
    await sample(url);
    const figures = receiverFigures(receiver);
    // After the storm, as on our side: the silence is expired; the alerts it held back go out with their groups' next flush.
    const expiredAt = Date.now();
    const seenBefore = new Set(receiver.alertsSeenFiring);
    await api(`${url}/api/v2/silence/${created.silenceID ?? '?'}`, 'DELETE');
    minEnd = expiredAt + parseMs(TIMING.groupInterval) + 3_000;
    await settle(expiredAt);
    const afterExpiry = {
      notifications: receiver.notifications.length - figures.notifications,
      alertsNotified: [...receiver.alertsSeenFiring].filter((a) => !seenBefore.has(a)).length,
      seconds: round((Date.now() - expiredAt) / 1000, 1),
    };
    // Then, as on our side, the inhibition sources resolve: the alerts they held back go out with the next flush.
    const resolvedAt = Date.now();
    const seenBeforeResolve = new Set(receiver.alertsSeenFiring);
    const notificationsBeforeResolve = receiver.notifications.length;
    const resolves = sourceResolves(storm, resolvedAt - t0);
    await api(`${url}/api/v2/alerts`, 'POST', resolves.map((e) => amAlert(e, t0)));
    minEnd = resolvedAt + parseMs(TIMING.groupInterval) + 3_000;
    await settle(resolvedAt);
    const afterSourcesResolved = {
      sources: resolves.length,
      notifications: receiver.notifications.length - notificationsBeforeResolve,
      alertsNotified: [...receiver.alertsSeenFiring].filter((a) => !seenBeforeResolve.has(a)).length,
      seconds: round((Date.now() - resolvedAt) / 1000, 1),
    };
    const alerts = storm.events.filter((e) => e.kind === 'firing').map((e) => e.alert);
    const toNotify = alerts.filter((a) => !isSilenced(a) && !isInhibited(a));
    const neverNotified = toNotify.filter((a) => !receiver.alertsSeen.has(a.instance)).length;
    const onlyResolved = toNotify.filter((a) => receiver.alertsSeen.has(a.instance) && !receiver.alertsSeenFiring.has(a.instance)).length;
    return {
      version,
      firstAlertAt: t0,
      firstAlertToFirstNotificationS: figures.firstAt ? round((figures.firstAt - t0) / 1000, 2) : null,
      pushSeconds: round((pushedAt - t0) / 1000, 1),
      totalSeconds: round((Date.now() - t0) / 1000, 1),
      pushes,
      /** distinct alerts seen silenced / inhibited by the API at some sample */
      silenced: silenced.size,
      inhibited: inhibited.size,
      /** alerts it held (firing, not resolved) at the end */
      heldAtEnd: held,
      /** distinct alerts that went out in a group notification (firing or resolved) */
      grouped: figures.distinctAlertsSeen,
      /** alerts neither silenced nor inhibited by the scenario that no notification carried */
      neverNotified,
      /** of those notified, alerts only ever sent resolved (fired and resolved between two notifications of their group) */
      onlyResolved,
      /** the silence expired after the storm: notifications, and alerts notified firing for the first time */
      afterExpiry,
      /** then the inhibition sources resolved: the same figures */
      afterSourcesResolved,
      /** receiver figures at the storm's end (before the silence expired) */
      receiver: figures,
    };
  } finally {
    await am?.stop();
    await receiver.stop();
    if (am) {
      fs.mkdirSync(o.logDir, { recursive: true });
      fs.copyFileSync(am.logFile, path.join(o.logDir, 'alertmanager.log'));
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
export type AlertmanagerResult = Awaited<ReturnType<typeof runAlertmanager>>;


