// alertctl silence: add, list and expire silences (docs/storm-control.md, "Silences"). Silences live in
// OpenSearch (`<ALERT_INDEX>.silences`, reached with the OPENSEARCH_* settings as the service does); `expire`
// also wakes the deliveries the silence held back, through Temporal.
import os from 'node:os';
import type { ServiceConfig } from '../config';
import { alertctlUser } from '../config/alertctl';
import type { Env } from '../config/read';
import { parseDuration } from '../duration';
import { MatcherSyntaxError, SilenceInvalidError, SilenceNotFoundError } from '../errors';
import { opensearchClient } from '../connections/opensearch';
import { formatMatcher, parseMatcher, type Matcher } from '../storm/matchers';
import { SilenceStore, silenceState, type Silence } from '../storm/silences';
import { HeldDeliveries } from '../storm/held';
import { wakeSilenced } from '../storm/wake';
import { UsageError } from './usage-error';
import { NotFoundError } from './not-found-error';
import { FailedError } from './failed-error';
import { type Command, type Opts, type Output, causeOf, temporal } from './support';

const SUBCOMMANDS = ['add', 'list', 'expire'] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];
/** Which flags each subcommand takes (parseArgs knows them all; a flag of another subcommand is a usage error). */
const FLAGS: Record<Subcommand, string[]> = { add: ['match', 'for', 'until', 'starts', 'comment', 'by'], list: ['all', 'expired'], expire: ['by'] };

/** A silence as --json shows it: the document plus its state now. */
const withState = (s: Silence, now = Date.now()) => ({ ...s, state: silenceState(s, now) });

export const silence: Command = {
  summary: 'add, list or expire silences (storm control)',
  usage: `alertctl silence add --match M [--match M ...] (--for 2h | --until ISO) [--starts ISO] --comment TEXT --by NAME [--json]
alertctl silence list [--all | --expired] [--json]
alertctl silence expire <ID> [--by NAME] [--json]
  A silence holds back the paging alerts its matchers all match (Alertmanager's: name="v", name!="v",
  name=~"regex", name!~"regex", anchored; they see an alert's labels and its fields alertId, ruleId, ruleName
  (also alertname), severity, title, view, scope, status). Silenced deliveries wait, unsent, until it ends.
  add:    --for a duration (30m, 2h, 7d) from its start, or --until an ISO time; --starts (default now) makes it
          pending until then; at most a year. Prints its ID.
  list:   active and pending silences; --expired the ended ones; --all every one.
  expire: ends it now (a pending one never starts) and wakes the deliveries it held back, which are then
          notified unless another silence holds them. --by defaults to the user name.
  Needs OPENSEARCH_URL (and OPENSEARCH_*) and ALERT_INDEX as the service has them; expire also reaches Temporal.
  --json: add {"silence"}; list {"state", "count", "silences"}; expire {"silence", "alreadyEnded", "woken"}
  (each silence with its "state": pending | active | expired)`,
  options: {
    match: { type: 'string', multiple: true }, for: { type: 'string' }, until: { type: 'string' }, starts: { type: 'string' },
    comment: { type: 'string' }, by: { type: 'string' }, all: { type: 'boolean' }, expired: { type: 'boolean' },
  },
  positionals: 2,
  async run(cfg, args, o, env) {
    const sub = args[0] as Subcommand | undefined;
    if (!sub) throw new UsageError(`a subcommand is needed: ${SUBCOMMANDS.join(', ')}`);
    if (!SUBCOMMANDS.includes(sub)) throw new UsageError(`unknown subcommand "${sub}": expected ${SUBCOMMANDS.join(', ')}`);
    const other = Object.keys(silence.options).find((f) => o[f] !== undefined && !FLAGS[sub].includes(f));
    if (other) throw new UsageError(`--${other} is not an option of silence ${sub}`);
    if (sub !== 'expire' && args[1] !== undefined) throw new UsageError(`unexpected argument "${args[1]}"`);
    if (sub === 'expire' && !args[1]) throw new UsageError('silence expire needs the silence ID (see: alertctl silence list)');
    const input = sub === 'add' ? newSilence(o) : undefined; // usage errors before any connection
    return withStore(cfg, async (store, held) => {
      if (sub === 'add') return add(cfg, store, input!);
      if (sub === 'list') return list(store, o.all ? 'all' : o.expired ? 'expired' : 'in force');
      return expire(cfg, store, held, args[1], typeof o.by === 'string' ? o.by : defaultUser(env));
    });
  },
};

function newSilence(o: Opts): { matchers: Matcher[]; startsAt?: string; endsAt: string; createdBy: string; comment: string } {
  const texts = (o.match as string[] | undefined) ?? [];
  if (!texts.length) throw new UsageError('--match is required (at least one matcher, e.g. --match \'team="db"\')');
  const matchers = texts.map((t) => {
    try {
      return parseMatcher(t);
    } catch (e) {
      if (e instanceof MatcherSyntaxError) throw new UsageError(`--match ${t}: ${e.reason}`);
      throw e;
    }
  });
  if (o.for !== undefined && o.until !== undefined) throw new UsageError('--for and --until exclude each other');
  if (o.for === undefined && o.until === undefined) throw new UsageError('--for DURATION or --until TIME is required (how long the silence lasts)');
  if (typeof o.comment !== 'string' || !o.comment.trim()) throw new UsageError('--comment TEXT is required (why the silence)');
  if (typeof o.by !== 'string' || !o.by.trim()) throw new UsageError('--by NAME is required (who silences)');
  const time = (flag: string): number => {
    const raw = String(o[flag]);
    const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(raw) ? Date.parse(raw) : NaN;
    if (Number.isNaN(ms)) throw new UsageError(`--${flag} ${raw}: expected an ISO 8601 time such as 2030-01-31T18:00:00Z`);
    return ms;
  };
  const starts = o.starts === undefined ? undefined : time('starts');
  let ends: number;
  if (o.for !== undefined) {
    const ms = parseDuration(String(o.for));
    if (ms === undefined || ms <= 0) throw new UsageError(`--for ${String(o.for)}: expected a duration such as 30m, 2h, 7d`);
    ends = Math.max(starts ?? 0, Date.now()) + ms;
  } else ends = time('until');
  return {
    matchers, ...(starts === undefined ? {} : { startsAt: new Date(starts).toISOString() }), endsAt: new Date(ends).toISOString(),
    createdBy: o.by, comment: o.comment,
  };
}

async function add(cfg: ServiceConfig, store: SilenceStore, input: ReturnType<typeof newSilence>): Promise<Output> {
  // A first silence creates the index with its strict mapping (no worker may have run yet); a wrong one is refused.
  await store.ensureIndex(cfg.opensearch.index);
  const s = await store.add(input);
  const state = silenceState(s);
  return {
    text: `silence ${s.id} ${state === 'pending' ? `pending: starts ${s.startsAt}, ` : ''}ends ${s.endsAt}\nmatchers  ${s.matchers.map(formatMatcher).join(' ')}`,
    json: { silence: withState(s) },
  };
}

async function list(store: SilenceStore, which: 'in force' | 'expired' | 'all'): Promise<Output> {
  const found = which === 'in force'
    ? [...await store.list({ state: 'active' }), ...await store.list({ state: 'pending' })]
    : await store.list({ state: which });
  const now = Date.now();
  const rows = found.map((s) => [s.id, silenceState(s, now), s.matchers.map(formatMatcher).join(' '), s.endsAt, s.expiredBy ? `${s.createdBy} (expired by ${s.expiredBy})` : s.createdBy, s.comment.replace(/\s+/g, ' ')]);
  return {
    text: found.length ? `${table([['ID', 'STATE', 'MATCHERS', 'ENDS', 'BY', 'COMMENT'], ...rows])}\n# ${found.length} silence(s)` : `# no ${which === 'all' ? '' : `${which} `}silences`,
    json: { state: which === 'in force' ? 'active+pending' : which, count: found.length, silences: found.map((s) => withState(s, now)) },
  };
}

async function expire(cfg: ServiceConfig, store: SilenceStore, held: HeldDeliveries, id: string, by: string): Promise<Output> {
  const before = Date.now();
  const s = await store.expire(id, by);
  // A new end is at or after `before`: an earlier one means it was over already (returned unchanged).
  const alreadyEnded = Date.parse(s.endsAt) < before;
  let woken: number;
  try {
    // Also for one already over: a previous expire may have failed to wake them (Temporal unreachable).
    woken = await temporal(cfg, (c) => wakeSilenced(c, held, s.id));
  } catch (e) {
    const why = `${(e as Error).message}${causeOf(e) ? ` (${causeOf(e)})` : ''}`;
    return {
      text: `silence ${s.id} ${alreadyEnded ? `had already ended at ${s.endsAt}` : `expired by ${by}`}`,
      json: { silence: withState(s), alreadyEnded, woken: null },
      failed: `the silence is over, but the deliveries it held back were not woken (they wake at its original end, or run \`alertctl silence expire ${s.id}\` again): ${why}`,
    };
  }
  return {
    text: `silence ${s.id} ${alreadyEnded ? `had already ended at ${s.endsAt}` : `expired by ${by}`}; ${woken} silenced deliver${woken === 1 ? 'y' : 'ies'} woken`,
    json: { silence: withState(s), alreadyEnded, woken },
  };
}

/** Opens the OpenSearch client for one command; store errors become alertctl's exit codes. */
async function withStore(cfg: ServiceConfig, fn: (store: SilenceStore, held: HeldDeliveries) => Promise<Output>): Promise<Output> {
  const client = opensearchClient(cfg.opensearch);
  const store = new SilenceStore(client, SilenceStore.indexFor(cfg.index));
  try {
    return await fn(store, new HeldDeliveries(client, cfg.index));
  } catch (e) {
    if (e instanceof SilenceInvalidError) throw new UsageError(e.problems.join('; '));
    if (e instanceof SilenceNotFoundError) throw new NotFoundError(`not found: no silence ${e.id} (index "${e.index}" at ${cfg.opensearch.describe})`);
    if (e instanceof UsageError || e instanceof FailedError || e instanceof NotFoundError) throw e;
    throw new FailedError(`silences in "${store.index}" at ${cfg.opensearch.describe}: ${(e as Error).message}`);
  } finally {
    await client.close();
  }
}

function defaultUser(env: Env): string {
  try {
    return alertctlUser(env) || os.userInfo().username || 'alertctl';
  } catch {
    return 'alertctl';
  }
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd()).join('\n');
}
