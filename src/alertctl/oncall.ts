// alertctl oncall: who is on call, overrides, calendar feed URLs (docs/operating.md, "alertctl"; docs/intake.md,
// "On call"). Through the intake's API (INTAKE_URL, a token of INTAKE_TOKEN), which holds the on-call file in force
// and the overrides' store; `ical-url` signs the feed URL itself with ONCALL_ICAL_SECRET (the intake's secret) and
// checks that the intake serves it.
import os from 'node:os';
import type { ServiceConfig } from '../config';
import { alertctlIntake, alertctlUser } from '../config/alertctl';
import type { Env } from '../config/read';
import { parseDuration } from '../duration';
import { feedUrl, type FeedSubject } from '../oncall/ical-tokens';
import { instantOf } from '../oncall/override-rules';
import { callIntake, type IntakeTarget } from './intake-client';
import { overrideText, shiftsText, whoText } from './oncall-text';
import { FailedError } from './failed-error';
import { UsageError } from './usage-error';
import type { Command, Opts, Output } from './support';

const SUBCOMMANDS = ['who', 'shifts', 'override', 'ical-url'] as const;
const OVERRIDE_SUBCOMMANDS = ['add', 'list', 'remove'] as const;
type Sub = Exclude<(typeof SUBCOMMANDS)[number], 'override'> | `override ${(typeof OVERRIDE_SUBCOMMANDS)[number]}`;
/** Which flags each subcommand takes (parseArgs knows them all; a flag of another subcommand is a usage error). */
const FLAGS: Record<Sub, string[]> = {
  who: ['schedule', 'at'], shifts: ['schedule', 'from', 'to'], 'ical-url': ['schedule', 'person', 'base', 'no-check'],
  'override add': ['schedule', 'person', 'start', 'end', 'reason', 'by'], 'override list': ['schedule', 'all'], 'override remove': ['by'],
};

export const oncall: Command = {
  summary: 'who is on call; overrides; calendar feed URLs',
  usage: `alertctl oncall who [--schedule S] [--at T] [--json]
alertctl oncall shifts --schedule S [--from T] [--to T] [--json]
alertctl oncall override add --schedule S --person P --start T --end T [--reason R] [--by NAME] [--json]
alertctl oncall override list [--schedule S] [--all] [--json]
alertctl oncall override remove <ID> [--by NAME] [--json]
alertctl oncall ical-url (--schedule S | --person P) [--base URL] [--no-check] [--json]
  T: an ISO 8601 instant with a zone (2030-01-31T18:00:00Z, 2030-01-31T19:00:00+01:00), now, or relative to
  now: +2h, +7d, or one in the past written with = (--at=-30m).
  who:      who is on call now (or --at T) for every schedule, or one; from which layer or override, until when.
  shifts:   a schedule's shifts from --from (default now) to --to (default 7 days later).
  override: add puts a person on call for a schedule from --start to --end (a shift swap, cover), winning over
            every layer; a start in the past is taken as now. list shows those not over yet (--all: also past
            and removed ones). remove ends one now (one not started never starts); it stays listed as history.
            --by defaults to the user name.
  ical-url: the calendar feed URL of a schedule or of a person (every schedule's shifts), with its token, for a
            calendar app to subscribe to; --base is the intake's public URL (default INTAKE_URL). Checks that the
            intake serves it, unless --no-check.
  Needs INTAKE_URL (default http://127.0.0.1:8088) and INTAKE_TOKEN (or INTAKE_TOKEN_FILE; the first token is sent);
  ical-url needs ONCALL_ICAL_SECRET (or ONCALL_ICAL_SECRET_FILE), the intake's.
  --json: the intake's answer: who {at, schedule, people, source, until} (every schedule: {at, schedules}); shifts
  {schedule, from, to, shifts}; override add {override}; list {count, overrides}; remove {override, removed};
  ical-url {url, feed}. People are shown as {id, name}, never with their contacts.`,
  options: {
    schedule: { type: 'string' }, person: { type: 'string' }, at: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' },
    start: { type: 'string' }, end: { type: 'string' }, reason: { type: 'string' }, by: { type: 'string' }, all: { type: 'boolean' },
    base: { type: 'string' }, 'no-check': { type: 'boolean' },
  },
  positionals: 3,
  async run(_cfg: ServiceConfig, args, o, env) {
    const sub = subcommand(args, o);
    const intake = alertctlIntake(env);
    if (sub === 'ical-url') return icalUrl(intake, o);
    const target: IntakeTarget = { url: intake.url, ...(intake.token ? { token: intake.token } : {}) };
    if (sub === 'who') return who(target, o);
    if (sub === 'shifts') return shifts(target, o);
    if (sub === 'override add') return addOverride(target, o, env);
    if (sub === 'override list') return listOverrides(target, o);
    return removeOverride(target, args[2], o, env);
  },
};

/** The subcommand named by the positionals, its flags and arguments checked (usage errors before any request). */
function subcommand(args: string[], o: Opts): Sub {
  const [first, second, third] = args;
  if (!first) throw new UsageError(`a subcommand is needed: ${SUBCOMMANDS.join(', ')}`);
  if (!(SUBCOMMANDS as readonly string[]).includes(first)) throw new UsageError(`unknown subcommand "${first}": expected ${SUBCOMMANDS.join(', ')}`);
  let sub = first as Sub;
  if (first === 'override') {
    if (!second) throw new UsageError(`oncall override needs one of: ${OVERRIDE_SUBCOMMANDS.join(', ')}`);
    if (!(OVERRIDE_SUBCOMMANDS as readonly string[]).includes(second)) throw new UsageError(`unknown subcommand "override ${second}": expected ${OVERRIDE_SUBCOMMANDS.join(', ')}`);
    sub = `override ${second}` as Sub;
    if (second === 'remove' && !third) throw new UsageError('oncall override remove needs the override ID (see: alertctl oncall override list)');
    if (second !== 'remove' && third !== undefined) throw new UsageError(`unexpected argument "${third}"`);
  } else if (second !== undefined) throw new UsageError(`unexpected argument "${second}"`);
  const other = Object.keys(oncall.options).find((f) => o[f] !== undefined && !FLAGS[sub].includes(f));
  if (other) throw new UsageError(`--${other} is not an option of oncall ${sub}`);
  return sub;
}

/**
 * A time flag: an ISO 8601 instant with a zone, `now`, or `+2h` / `-30m` from now (the durations of
 * src/duration.ts). Returns the ISO instant.
 */
export function instantFlag(flag: string, raw: unknown, now = Date.now()): string {
  const text = String(raw).trim();
  if (text === 'now') return new Date(now).toISOString();
  const relative = /^([+-])(.+)$/.exec(text);
  if (relative) {
    const ms = parseDuration(relative[2]);
    if (ms !== undefined && /[a-z]$/.test(relative[2])) return new Date(now + (relative[1] === '-' ? -ms : ms)).toISOString();
  } else if (!Number.isNaN(instantOf(text))) {
    return new Date(instantOf(text)).toISOString();
  }
  throw new UsageError(`--${flag} ${text}: expected an ISO 8601 instant with a zone (2030-01-31T18:00:00Z), now, or +2h / -30m from now`);
}

const required = (o: Opts, flag: string, what: string): string => {
  const v = o[flag];
  if (typeof v !== 'string' || !v.trim()) throw new UsageError(`--${flag} ${what} is required`);
  return v.trim();
};
const query = (params: Record<string, string | undefined>): string => {
  const set = Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined);
  return set.length ? `?${new URLSearchParams(set).toString()}` : '';
};

async function who(target: IntakeTarget, o: Opts): Promise<Output> {
  const at = o.at === undefined ? undefined : instantFlag('at', o.at);
  const { json } = await callIntake(target, 'GET', `/api/oncall/who${query({ schedule: o.schedule as string | undefined, at })}`);
  return { text: whoText(json), json };
}

async function shifts(target: IntakeTarget, o: Opts): Promise<Output> {
  const schedule = required(o, 'schedule', 'S');
  const from = o.from === undefined ? undefined : instantFlag('from', o.from);
  const to = o.to === undefined ? undefined : instantFlag('to', o.to);
  const { json } = await callIntake(target, 'GET', `/api/oncall/schedules/${encodeURIComponent(schedule)}/shifts${query({ from, to })}`);
  return { text: shiftsText(json), json };
}

async function addOverride(target: IntakeTarget, o: Opts, env: Env): Promise<Output> {
  const body = {
    schedule: required(o, 'schedule', 'S'), person: required(o, 'person', 'P'),
    start: instantFlag('start', required(o, 'start', 'T')), end: instantFlag('end', required(o, 'end', 'T')),
    createdBy: typeof o.by === 'string' ? o.by : defaultUser(env), ...(typeof o.reason === 'string' ? { reason: o.reason } : {}),
  };
  const { json } = await callIntake(target, 'POST', '/api/oncall/overrides', body);
  const override = (json as { override: Record<string, string> }).override;
  return { text: `override ${override.id}: ${override.person} on call for ${override.schedule} from ${override.start} to ${override.end}`, json };
}

async function listOverrides(target: IntakeTarget, o: Opts): Promise<Output> {
  const { json } = await callIntake(target, 'GET', `/api/oncall/overrides${query({ schedule: o.schedule as string | undefined, ...(o.all ? { from: new Date(0).toISOString(), removed: 'true' } : {}) })}`);
  return { text: overrideText(json, o.all ? 'all' : 'not over'), json };
}

async function removeOverride(target: IntakeTarget, id: string, o: Opts, env: Env): Promise<Output> {
  const by = typeof o.by === 'string' ? o.by : defaultUser(env);
  const { json } = await callIntake(target, 'DELETE', `/api/oncall/overrides/${encodeURIComponent(id)}${query({ by })}`);
  const { override, removed } = json as { override: { id: string; end: string; removedAt: string | null; removedBy: string | null }; removed: boolean };
  const text = removed ? `override ${override.id} removed by ${override.removedBy ?? by}` : `override ${override.id} was ${override.removedAt ? `removed already (by ${override.removedBy})` : `over already (ended ${override.end})`}`;
  return { text, json };
}

async function icalUrl(intake: ReturnType<typeof alertctlIntake>, o: Opts): Promise<Output> {
  if ((o.schedule === undefined) === (o.person === undefined)) throw new UsageError('one of --schedule S or --person P is required');
  const subject: FeedSubject = typeof o.schedule === 'string' ? { schedule: o.schedule } : { person: String(o.person) };
  if (!intake.icalSecret) throw new FailedError('ONCALL_ICAL_SECRET (or ONCALL_ICAL_SECRET_FILE) is not set: the feed URL is signed with the intake\'s secret');
  const url = feedUrl(typeof o.base === 'string' ? o.base : intake.url, intake.icalSecret, subject);
  const feed = 'schedule' in subject ? `schedule ${subject.schedule}` : `person ${subject.person}`;
  if (!o['no-check']) await checkFeed(intake.url, feedUrl(intake.url, intake.icalSecret, subject), feed);
  return { text: url, json: { url, feed } };
}

/** GETs the feed through INTAKE_URL (`url`): a 403 means another secret, a 404 an unknown subject or feeds off. */
async function checkFeed(intakeUrl: string, url: string, feed: string): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(15_000) });
  } catch (e) {
    throw new FailedError(`cannot check the feed: the intake at ${intakeUrl} (INTAKE_URL) is unreachable (${String((e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message)}); --no-check prints the URL anyway`);
  }
  if (res.ok) return;
  const error = ((await res.json().catch(() => ({}))) as { error?: string }).error ?? `HTTP ${res.status}`;
  if (res.status === 403) throw new FailedError(`the intake refuses this feed's token: ONCALL_ICAL_SECRET here is not the intake's (${error})`);
  throw new FailedError(`the intake does not serve the feed of ${feed}: ${error}`);
}

function defaultUser(env: Env): string {
  try {
    return alertctlUser(env) || os.userInfo().username || 'alertctl';
  } catch {
    return 'alertctl';
  }
}
