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
// The CLI itself is src/alertctl/cli.ts (runAlertctl: the tests run it in-process); this is the process around it:
// the environment, stdout and stderr, the exit code.
import { alertctlEnvironment } from './config/alertctl';
import { alertctlOutcome } from './alertctl/cli';

process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0); // e.g. `alertctl list | head`
});

const io = {
  env: alertctlEnvironment(),
  out: (text: string) => void process.stdout.write(text),
  err: (text: string) => void process.stderr.write(text),
};

void alertctlOutcome(process.argv.slice(2), io).then(({ code, error }) => {
  process.exitCode = code;
  // An error (exit 1 or 2) ends the process at once: a handle left open cannot keep it alive.
  if (error) process.exit(code);
});
