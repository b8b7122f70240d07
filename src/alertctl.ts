// alertctl: the on-call operator's tool. Every command has --help and --json.
//   publish   XADD an alert (from flags or a JSON file)
//   status    an alert's delivery state (workflow query + search attributes); alias: show
//   list      alerts by delivery status / age (Temporal visibility)
//   ack       acknowledge an incident: a human has it (the workflow's `acknowledge` update)
//   resolve   publish the resolved event of a delivery's incident
//   retry     re-run the failed channels of one parked alert, or of all of them
//   abandon   stop trying, with a reason
//   history   export a workflow history as JSON (the replay-test format)
//   index-template  print or install the OpenSearch index template of rollover mode
//   silence   add, list or expire silences (storm control; OpenSearch, and Temporal to wake deliveries)
//   oncall    who is on call, overrides, calendar feed URLs (through the intake's API: INTAKE_URL, INTAKE_TOKEN)
// Exit codes: 0 ok, 1 not found / failed / rejected, 2 usage (unknown command or flag, bad value, missing argument).
import { parseArgs } from 'node:util';
import { isGrpcServiceError } from '@temporalio/client';
import { NamespaceNotFoundError, WorkflowNotFoundError } from '@temporalio/common';
import { alertctlDebug, loadAlertctlConfig } from './config/alertctl';
import { ConfigError } from './errors';
import { SEVERITIES } from './contracts/alert';
import { UsageError } from './alertctl/usage-error';
import { NotFoundError } from './alertctl/not-found-error';
import { FailedError } from './alertctl/failed-error';
import { type Command, type Output, causeOf } from './alertctl/support';
import { commands } from './alertctl/commands';

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

/** Set as soon as the command line is seen, so that even an error parsing it is reported as JSON. */
let jsonMode = false;
/** The command being run, for the usage hint of a usage error. */
let current: { name: string; cmd: Command } | undefined;

function print(o: Output): void {
  process.stdout.write(`${jsonMode ? JSON.stringify(o.json, null, 2) : o.text}\n`);
}

async function main(argv: string[]): Promise<number> {
  jsonMode = argv.includes('--json');
  // `alertctl --json list` as well as `alertctl list --json`
  const [first, ...rest] = argv[0] === '--json' ? argv.slice(1) : argv;
  const name = first === undefined ? undefined : (ALIASES[first] ?? first);
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    print({ text: HELP, json: { usage: HELP, commands: Object.keys(commands) } });
    return 0;
  }
  const cmd = commands[name];
  if (!cmd) throw new UsageError(name.startsWith('-') ? `a command comes first, not the option ${name}` : `unknown command "${name}"`);
  current = { name, cmd };
  const { values, positionals } = parseArgs({ args: rest, options: { ...cmd.options, ...COMMON_OPTIONS }, allowPositionals: true, strict: true });
  if (values.help) {
    const usage = `${cmd.usage}\n\n${CONNECTION_HELP}`;
    print({ text: usage, json: { command: name, usage } });
    return 0;
  }
  if (positionals.length > cmd.positionals) throw new UsageError(`unexpected argument "${positionals[cmd.positionals]}"`);
  const overrides = { address: values.address, namespace: values.namespace, profile: values.profile };
  const output = await cmd.run(loadAlertctlConfig(overrides), positionals, values);
  print(output);
  if (output.failed) {
    report(1, output.failed);
    return 1;
  }
  return 0;
}

function report(code: number, message: string, extra: Record<string, unknown> = {}): void {
  if (jsonMode) process.stderr.write(`${JSON.stringify({ error: message, code, ...extra })}\n`);
  else process.stderr.write(`alertctl${current ? ` ${current.name}` : ''}: ${message}\n`);
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

process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0); // e.g. `alertctl list | head`
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: Error) => {
    const usage = e instanceof UsageError ? e.message : parseArgsMessage(e);
    if (usage !== undefined) {
      const hint = current ? `usage: ${current.cmd.usage.split('\n')[0].trim()}   (alertctl ${current.name} --help)` : 'see: alertctl --help';
      if (jsonMode) report(2, usage, { usage: hint });
      else process.stderr.write(`alertctl${current ? ` ${current.name}` : ''}: ${usage}\n${hint}\n`);
      process.exit(2);
    }
    const plain = e instanceof NotFoundError || e instanceof FailedError || e instanceof ConfigError || e instanceof WorkflowNotFoundError ||
      e instanceof NamespaceNotFoundError || isGrpcServiceError(e) || EXPECTED.test(e.name);
    const detail = causeOf(e) && !e.message.includes(causeOf(e)!) ? ` (${causeOf(e)})` : '';
    const debug = alertctlDebug();
    report(1, `${e.message}${detail}${!plain && !debug ? ' (ALERTCTL_DEBUG=1 shows the stack trace)' : ''}`, debug ? { stack: e.stack } : {});
    if (debug && !jsonMode) process.stderr.write(`${e.stack}\n`);
    process.exit(1);
  },
);
