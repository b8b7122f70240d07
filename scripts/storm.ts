// The alert storm (`npm run storm`): one deterministic storm (10,000 events from 20 rules over 60 s, a silence and
// an inhibition in force) through our pipeline, with a worker kill -9 and a Temporal restart in the middle, and
// through the real Alertmanager with the equivalent configuration; notifications, silenced / inhibited / grouped
// alerts, time to the first notification and lost alerts side by side. Everything on 127.0.0.1, bounded in
// count and time; our half runs on a stack of its own (.stack-bench-storm, bench/storm/stack.ts).
//   npm run storm -- [--alerts 10000] [--rules 20] [--seconds 60] [--short] [--no-chaos] [--only ours|alertmanager] [--docs]
//   npm run storm -- --from bench/results/storm-latest.json [--docs]   (an earlier result's table)
// Result: bench/results/storm-<stamp>.json and storm-latest.json; modules in bench/storm/.
import { parseOptions, USAGE } from '../bench/storm/options';
import { runStorm, showResult } from '../bench/storm/run';
import { forwardSignal, onStormStack, runOnStormStack } from '../bench/storm/stack';
import { failed } from '../tools/command-line';

let interrupted = false;

async function main(): Promise<number> {
  const o = parseOptions(process.argv.slice(2));
  if (o.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (o.from) return showResult(o);
  if (o.only !== 'alertmanager' && !onStormStack()) return runOnStormStack(o.argv);
  return runStorm(o, () => interrupted);
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (forwardSignal(sig)) return; // the child on the storm's stack cleans up and exits; then this process
    if (interrupted) process.exit(130);
    interrupted = true;
    process.stdout.write(`[storm] ${sig}: stopping after clean-up (again to exit at once)\n`);
  });
}
main().then(
  (code) => process.exit(interrupted ? 130 : code),
  (e: unknown) => process.exit(failed('storm', e)),
);
