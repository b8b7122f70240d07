// The storm run's command line.
import { UsageError, numberOption, parseCommandLine } from '../../tools/command-line';

export const USAGE = `npm run storm -- [--alerts 10000] [--rules 20] [--seconds 60] [--seed 13] [--short] [--no-chaos]
                 [--only ours|alertmanager] [--deadline 1800] [--docs] [--keep]
npm run storm -- --from bench/results/storm-latest.json [--docs]   (prints the table of a result; --docs: into docs/benchmarks.md)
  --short      1,000 alerts, 10 rules, 15 s (the CI size)
  --no-chaos   no kill -9 of the worker, no Temporal restart
  --only       run one side only (alertmanager needs no stack)
  --deadline   seconds after the storm's end that our pipeline gets to make every alert's record terminal
  --docs       rewrite the storm table of docs/benchmarks.md (between <!-- storm-table:begin --> and
               <!-- storm-table:end -->); --readme is the same (its old name)
  --keep       keep our run's stream and indices
  --from FILE  no run: the table of an earlier result
`;

export interface StormOptions {
  alerts: number;
  rules: number;
  seconds: number;
  seed: number;
  short: boolean;
  chaos: boolean;
  only?: 'ours' | 'alertmanager';
  deadlineS: number;
  /** --docs (or its old name --readme): rewrite docs/benchmarks.md's storm table */
  docs: boolean;
  keep: boolean;
  help: boolean;
  /** a result file to print (and with --docs to write into docs/benchmarks.md) instead of running */
  from?: string;
  argv: string[];
}

/** Bounds: the run must stay bounded in count and time. */
const MAX = { alerts: 100_000, rules: 200, seconds: 1_800, deadlineS: 7_200 };

const OPTIONS = {
  alerts: { type: 'string' }, rules: { type: 'string' }, seconds: { type: 'string' }, seed: { type: 'string' }, short: { type: 'boolean' },
  'no-chaos': { type: 'boolean' }, only: { type: 'string' }, deadline: { type: 'string' }, docs: { type: 'boolean' }, readme: { type: 'boolean' }, keep: { type: 'boolean' },
  from: { type: 'string' }, help: { type: 'boolean' },
} as const;

export function parseOptions(argv: string[]): StormOptions {
  const { values: a } = parseCommandLine(argv, OPTIONS);
  const short = a.short === true;
  const only = a.only;
  if (only !== undefined && only !== 'ours' && only !== 'alertmanager') throw new UsageError('--only: ours or alertmanager');
  const o: StormOptions = {
    alerts: numberOption(a.alerts, 'alerts', short ? 1_000 : 10_000),
    rules: numberOption(a.rules, 'rules', short ? 10 : 20),
    seconds: numberOption(a.seconds, 'seconds', short ? 15 : 60),
    seed: numberOption(a.seed, 'seed', 13),
    short,
    chaos: a['no-chaos'] !== true,
    ...(only ? { only } : {}),
    deadlineS: numberOption(a.deadline, 'deadline', short ? 300 : 1_800),
    docs: a.docs === true || a.readme === true,
    keep: a.keep === true,
    help: a.help === true,
    ...(a.from !== undefined ? { from: a.from } : {}),
    argv,
  };
  for (const [k, max] of Object.entries(MAX) as [keyof typeof MAX, number][]) {
    if (!(o[k] > 0 && o[k] <= max)) throw new UsageError(`--${k === 'deadlineS' ? 'deadline' : k}: between 1 and ${max}`);
  }
  return o;
}
