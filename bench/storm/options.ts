// The storm run's command line.
import { numArg, parseArgs, strArg } from '../harness';

export const USAGE = `npm run storm -- [--alerts 10000] [--rules 20] [--seconds 60] [--seed 13] [--short] [--no-chaos]
                 [--only ours|alertmanager] [--deadline 1200] [--readme] [--keep]
npm run storm -- --from bench/results/storm-latest.json [--readme]   (prints the table of a result; --readme: into README.md)
  --short      1,000 alerts, 10 rules, 15 s (the CI size)
  --no-chaos   no kill -9 of the worker, no Temporal restart
  --only       run one side only (alertmanager needs no stack)
  --deadline   seconds after the storm's end that our pipeline gets to make every alert's record terminal
  --readme     rewrite README.md's storm table (between <!-- storm-table:begin --> and <!-- storm-table:end -->)
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
  readme: boolean;
  keep: boolean;
  help: boolean;
  /** a result file to print (and with --readme to write into README.md) instead of running */
  from?: string;
  argv: string[];
}

/** Bounds: the run must stay bounded in count and time. */
const MAX = { alerts: 100_000, rules: 200, seconds: 1_800, deadlineS: 7_200 };

export function parseOptions(argv: string[]): StormOptions {
  const args = parseArgs(argv);
  const short = args.short === true;
  const only = args.only === undefined ? undefined : strArg(args, 'only', '');
  if (only !== undefined && only !== 'ours' && only !== 'alertmanager') throw new Error('--only: ours or alertmanager');
  const o: StormOptions = {
    alerts: numArg(args, 'alerts', short ? 1_000 : 10_000),
    rules: numArg(args, 'rules', short ? 10 : 20),
    seconds: numArg(args, 'seconds', short ? 15 : 60),
    seed: numArg(args, 'seed', 13),
    short,
    chaos: args['no-chaos'] !== true,
    ...(only ? { only } : {}),
    deadlineS: numArg(args, 'deadline', short ? 300 : 1_200),
    readme: args.readme === true,
    keep: args.keep === true,
    help: args.help === true,
    ...(args.from !== undefined ? { from: strArg(args, 'from', '') } : {}),
    argv,
  };
  for (const [k, max] of Object.entries(MAX) as [keyof typeof MAX, number][]) {
    if (!(o[k] > 0 && o[k] <= max)) throw new Error(`--${k === 'deadlineS' ? 'deadline' : k}: between 1 and ${max}`);
  }
  return o;
}
