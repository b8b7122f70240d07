// alertctl's command line as a function: runAlertctl(argv, io) parses the arguments, runs the command with the
// environment it is handed (io.env: every setting a command reads comes from it, never from process.env), writes
// through io.out / io.err, and returns the exit code: 0 ok, 1 not found / failed / refused, 2 usage. It holds no
// state between runs, so the tests run it in-process (test/helpers/alertctl.ts); src/alertctl.ts is the process
// around it (process.env, stdout/stderr, the exit code).
import { parseArgs } from 'node:util';
import { isGrpcServiceError } from '@temporalio/client';
import { NamespaceNotFoundError, WorkflowNotFoundError } from '@temporalio/common';
import { alertctlDebug, loadAlertctlConfig } from '../config/alertctl';
import type { Env } from '../config/read';
import { ConfigError } from '../errors';
import { SEVERITIES } from '../contracts/alert';
import { UsageError } from './usage-error';
import { NotFoundError } from './not-found-error';
import { FailedError } from './failed-error';
import { type Command, type Output, causeOf } from './support';
import { commands } from './commands';

/** Where a run reads its settings and writes its output. */
export interface AlertctlIO {
  /** The environment (the process's, or a test's record): the only one a command reads. */
  env: Env;
  /** stdout: each call is one whole piece of output, ending in a newline. */
  out(text: string): void;
  /** stderr, likewise. */
  err(text: string): void;
}

/** How a run ended: its exit code, and whether an error ended it (the process then exits at once). */
export interface AlertctlOutcome {
  code: number;
  error: boolean;
}

/** Runs `alertctl <argv>`; resolves with the exit code. */
export async function runAlertctl(argv: string[], io: AlertctlIO): Promise<number> {
  return (await alertctlOutcome(argv, io)).code;
}

/** Runs `alertctl <argv>`; resolves with the exit code and whether it is an error's (reported on io.err). */
export async function alertctlOutcome(argv: string[], io: AlertctlIO): Promise<AlertctlOutcome> {
  // Set as soon as the command line is seen, so that even an error parsing it is reported as JSON.
  const run: Run = { io, jsonMode: argv.includes('--json') };
  try {
    return { code: await main(argv, run), error: false };
  } catch (e) {
    return { code: reportError(e as Error, run), error: true };
  }
}

/** One run's state. */
interface Run {
  io: AlertctlIO;
  jsonMode: boolean;
  /** The command being run, for the usage hint of a usage error. */
  current?: { name: string; cmd: Command };
}

const ALIASES: Record<string, string> = { show: 'status' };

/** Every command reaches Temporal like the `temporal` CLI (temporal.toml profiles, TEMPORAL_* variables); these flags win. */
const COMMON_OPTIONS = {
  address: { type: 'string' }, namespace: { type: 'string' }, profile: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
} as const;
const CONNECTION_HELP = `every command: [--json] [--address host:port] [--namespace NS] [--profile NAME]
  --json: one JSON document on stdout; an error is {"error": "…", "code": N} on stderr
  connection otherwise as the temporal CLI: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY[_FILE], TEMPORAL_TLS_*,
  TEMPORAL_PROFILE and the profiles in temporal.toml (TEMPORAL_CONFIG_FILE, default ~/.config/temporalio/temporal.toml)
exit codes: 0 ok, 1 not found / failed / refused, 2 usage (unknown command or flag, bad value, missing argument)`;

const HELP = `alertctl <command> [options]   (each command has --help)

commands:
${Object.entries(commands).map(([n, c]) => `  ${n.padEnd(14)} ${c.summary}`).join('\n')}

${CONNECTION_HELP}
environment: REDIS_URL, ALERT_STREAM, TEMPORAL_UI_URL; index-template, silence: OPENSEARCH_*, ALERT_INDEX;
  oncall: INTAKE_URL, INTAKE_TOKEN[_FILE], ONCALL_ICAL_SECRET[_FILE]
severities: ${SEVERITIES.join(', ')}`;

function print(run: Run, o: Output): void {
  run.io.out(`${run.jsonMode ? JSON.stringify(o.json, null, 2) : o.text}\n`);
}

async function main(argv: string[], run: Run): Promise<number> {
  // `alertctl --json list` as well as `alertctl list --json`
  const [first, ...rest] = argv[0] === '--json' ? argv.slice(1) : argv;
  const name = first === undefined ? undefined : (ALIASES[first] ?? first);
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    print(run, { text: HELP, json: { usage: HELP, commands: Object.keys(commands) } });
    return 0;
  }
  const cmd = commands[name];
  if (!cmd) throw new UsageError(name.startsWith('-') ? `a command comes first, not the option ${name}` : `unknown command "${name}"`);
  run.current = { name, cmd };
  const { values, positionals } = parseArgs({ args: rest, options: { ...cmd.options, ...COMMON_OPTIONS }, allowPositionals: true, strict: true });
  if (values.help) {
    const usage = `${cmd.usage}\n\n${CONNECTION_HELP}`;
    print(run, { text: usage, json: { command: name, usage } });
    return 0;
  }
  if (positionals.length > cmd.positionals) throw new UsageError(`unexpected argument "${positionals[cmd.positionals]}"`);
  const overrides = { address: values.address, namespace: values.namespace, profile: values.profile };
  const output = await cmd.run(loadAlertctlConfig(overrides, run.io.env), positionals, values, run.io.env);
  print(run, output);
  if (output.failed) {
    report(run, 1, output.failed);
    return 1;
  }
  return 0;
}

function report({ io, jsonMode, current }: Run, code: number, message: string, extra: Record<string, unknown> = {}): void {
  if (jsonMode) io.err(`${JSON.stringify({ error: message, code, ...extra })}\n`);
  else io.err(`alertctl${current ? ` ${current.name}` : ''}: ${message}\n`);
}

/** parseArgs' own errors (unknown option, missing value …) are usage errors. */
function parseArgsMessage(e: unknown): string | undefined {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS_')) return undefined;
  const msg = (e as Error).message;
  const unknown = /^Unknown option '([^']+)'/.exec(msg);
  if (unknown) return `unknown option ${unknown[1]}`;
  const unexpected = /^Unexpected argument '([^']+)'/.exec(msg);
  if (unexpected) return `unexpected argument "${unexpected[1]}"`;
  const option = /^Option '(-[^' ]+)[^']*' (argument missing|argument is ambiguous|does not take an argument)/.exec(msg);
  if (option?.[2] === 'argument missing') return `${option[1]} needs a value`;
  if (option?.[2] === 'argument is ambiguous') return `${option[1]} needs a value (one that starts with a dash goes as ${option[1]}=-…)`;
  if (option) return `${option[1]} takes no value`;
  return msg.split('\n')[0].replace(/\.$/, '');
}

/** Errors of the Temporal and Redis clients that need no stack trace: the message says what happened. */
const EXPECTED = /^(ServiceError|WorkflowFailedError|QueryNotRegisteredError|WorkflowUpdate\w*Error|TransportError|ConnectionTimeoutError|MaxRetriesPerRequestError|ReplyError|ResponseError|ConnectionError)$/;

/** Reports the error that ended a run (one line; a usage hint for a usage error); returns its exit code. */
function reportError(e: Error, run: Run): number {
  const { io, jsonMode, current } = run;
  const usage = e instanceof UsageError ? e.message : parseArgsMessage(e);
  if (usage !== undefined) {
    const hint = current ? `usage: ${current.cmd.usage.split('\n')[0].trim()}   (alertctl ${current.name} --help)` : 'see: alertctl --help';
    if (jsonMode) report(run, 2, usage, { usage: hint });
    else io.err(`alertctl${current ? ` ${current.name}` : ''}: ${usage}\n${hint}\n`);
    return 2;
  }
  const plain = e instanceof NotFoundError || e instanceof FailedError || e instanceof ConfigError || e instanceof WorkflowNotFoundError ||
    e instanceof NamespaceNotFoundError || isGrpcServiceError(e) || EXPECTED.test(e.name);
  const detail = causeOf(e) && !e.message.includes(causeOf(e)!) ? ` (${causeOf(e)})` : '';
  const debug = alertctlDebug(io.env);
  report(run, 1, `${e.message}${detail}${!plain && !debug ? ' (ALERTCTL_DEBUG=1 shows the stack trace)' : ''}`, debug ? { stack: e.stack } : {});
  if (debug && !jsonMode) io.err(`${e.stack}\n`);
  return 1;
}
