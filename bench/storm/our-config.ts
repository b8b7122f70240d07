// The storm's configuration, the same for both systems: one webhook to the counting receiver, one route that
// groups by (alertname, cluster) with short timings (so that a run is bounded), one inhibit rule (a firing
// ClusterDown holds back the medium alerts of its cluster), one silence (team="batch"). Before it, a route for the
// escalating alerts (team="sre"), without group_by (a grouped route cannot escalate): ours gives them the escalation
// policy ESCALATION (the same webhook at once, a second webhook, the "pager", 10 s later, each its own counting
// receiver); Alertmanager, which has no escalation, notifies each on its own (`group_by: ['...']`) on the same
// receiver. This module writes our channels file and adds our silence; bench/storm/alertmanager.ts writes
// Alertmanager's equivalent.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { writeChannelsFile } from '../../tools/processes';
import { ROOT } from '../harness';
import { ESCALATING_TEAM, SILENCE_MATCHER, SOURCE_RULE, TARGET_SEVERITY } from './scenario';

export const GROUP_BY = ['alertname', 'cluster'];
export const TIMING = { groupWait: '5s', groupInterval: '10s', repeatInterval: '1h' } as const;
export const INHIBIT = { source: `alertname="${SOURCE_RULE}"`, target: `severity="${TARGET_SEVERITY}"`, equal: ['cluster'] } as const;
export const SILENCE = { matcher: SILENCE_MATCHER, for: '1h', comment: 'storm', by: 'storm' } as const;
/** Ours only: the escalating alerts' policy. The pager is first reached at level 1, so under the delivery ID. */
export const ESCALATION = {
  matcher: `team="${ESCALATING_TEAM}"`, policy: 'storm-escalation', pagerAfter: '10s', pagerAfterMs: 10_000,
} as const;

/** Our channels file in a temp dir; returns its path (the caller removes its directory). */
export function writeOurChannelsFile(receiverUrl: string, pagerUrl: string): string {
  const retry = { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '2s', maximumAttempts: 0 };
  return writeChannelsFile(
    { hook: { url: receiverUrl, timeout: '5s', retry }, pager: { url: pagerUrl, timeout: '5s', retry: { ...retry } } },
    {
      routes: [
        { name: 'escalating', match: { labels: { team: ESCALATING_TEAM } }, escalation: ESCALATION.policy },
        { name: 'storm', channels: ['hook'], group_by: GROUP_BY, group_wait: TIMING.groupWait, group_interval: TIMING.groupInterval, repeat_interval: TIMING.repeatInterval },
      ],
      escalations: { [ESCALATION.policy]: { levels: [{ after: '0s', channels: ['hook'] }, { after: ESCALATION.pagerAfter, channels: ['pager'] }] } },
      inhibit_rules: [inhibitRule()],
    },
  );
}

/** The inhibit rule, as both channels files (ours and Alertmanager's) write it. */
export function inhibitRule() {
  return { source_matchers: [INHIBIT.source], target_matchers: [INHIBIT.target], equal: [...INHIBIT.equal] };
}

/** `node dist/src/alertctl.js <args> --json` with the run's environment (its ALERT_INDEX: silences live in `<index>.silences`). */
function alertctl(env: Record<string, string>, args: string[]): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [path.join(ROOT, 'dist', 'src', 'alertctl.js'), ...args, '--json'], { cwd: ROOT, env, timeout: 60_000 }, (err, stdout, stderr) => {
      const out = `${stdout}${stderr}`.trim();
      if (err) return reject(new Error(`alertctl ${args.slice(0, 2).join(' ')} failed: ${out.split('\n').slice(0, 5).join(' | ') || err.message}`));
      try {
        resolve(JSON.parse(stdout) as Record<string, unknown>);
      } catch {
        reject(new Error(`alertctl ${args.slice(0, 2).join(' ')}: not JSON: ${out.slice(0, 300)}`));
      }
    });
  });
}

/** `alertctl silence add` (the storm's silence); resolves with the silence's ID. */
export async function addOurSilence(env: Record<string, string>): Promise<string> {
  const out = await alertctl(env, ['silence', 'add', '--match', SILENCE.matcher, '--for', SILENCE.for, '--comment', SILENCE.comment, '--by', SILENCE.by]);
  const id = (out.silence as { id?: unknown } | undefined)?.id;
  if (typeof id !== 'string') throw new Error(`alertctl silence add: no silence ID in ${JSON.stringify(out).slice(0, 300)}`);
  return id;
}

/** `alertctl silence expire <id>`: ends it now and wakes the deliveries it held back; resolves with how many it woke. */
export async function expireOurSilence(env: Record<string, string>, id: string): Promise<number | null> {
  const out = await alertctl(env, ['silence', 'expire', id, '--by', SILENCE.by]);
  return typeof out.woken === 'number' ? out.woken : null;
}
