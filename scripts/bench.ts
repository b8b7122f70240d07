// The benchmark (`npm run bench`): end-to-end throughput and latency of the Temporal paths (ingest → workflow →
// receiver; separate worker and ingest, lifecycle off, or one combined process) against a direct baseline
// (scripts/baseline.ts, no Temporal), at several offered rates up to saturation; beside them, in the same run and
// on the same server, the engine's floor (empty workflows, eager start); scale-out with N workers and ingests on
// one stream; a backlog drain with the memory of the service processes; on one server profile or on each of
// `--servers dev,server` (a stack of its own per profile). Code: bench/run/ (one job a module), bench/floor/.
//
//   npm run bench -- --help        every option;  npm run bench -- --short   the CI check (~1–2 min)
//
// Results: bench/results/bench-<stamp>.json (summary, settings, machine, versions, per-point figures; per-sample
// series only with --series) and bench-<stamp>.svg (Vega-Lite), bench-latest.json/.svg pointing at them.
import { killAll, say } from '../bench/harness';
import { state } from '../bench/run/context';
import { main } from '../bench/run/main';
import { forwardSignal } from '../bench/run/servers';
import { failed } from '../tools/command-line';

if (require.main === module) {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      forwardSignal(sig);
      if (state.interrupted) {
        say('bench', `${sig} again: exiting now`);
        void killAll().finally(() => process.exit(130));
        return;
      }
      state.interrupted = true;
      say('bench', `${sig}: stopping after clean-up (again to exit at once)`);
    });
  }
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      const code = failed('bench', e);
      void killAll().finally(() => process.exit(code));
    },
  );
}
