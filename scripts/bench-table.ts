// Rewrites the benchmark table of docs/benchmarks.md (between `<!-- bench-table:begin -->` and `<!-- bench-table:end -->`) from
// a benchmark result:  npm run bench:table [-- bench/results/bench-<stamp>.json]   (default: bench-latest.json)
//                      node dist/scripts/bench-table.js FILE --print   (prints the table instead)
import fs from 'node:fs';
import path from 'node:path';
import { RESULTS_DIR, ROOT } from '../bench/harness';
import { benchTable, updateDocs } from '../bench/run/readme-table';
import type { BenchResult } from '../bench/run/result';
import { UsageError, failed, parseCommandLine } from '../tools/command-line';

const USAGE = `npm run bench:table [-- FILE]   rewrites docs/benchmarks.md's benchmark table from FILE (default: bench/results/bench-latest.json)
node dist/scripts/bench-table.js [FILE] --print   prints the table instead
`;

try {
  const { values, positionals } = parseCommandLine(process.argv.slice(2), { print: { type: 'boolean' }, help: { type: 'boolean' } }, true);
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  if (positionals.length > 1) throw new UsageError('one result file at most');
  const file = path.resolve(positionals[0] ?? path.join(RESULTS_DIR, 'bench-latest.json'));
  if (values.print) {
    process.stdout.write(`${benchTable(JSON.parse(fs.readFileSync(file, 'utf8')) as BenchResult, path.relative(ROOT, fs.realpathSync(file)))}\n`);
  } else {
    process.stdout.write(`${path.relative(process.cwd(), updateDocs(file))}: benchmark table rewritten from ${path.relative(process.cwd(), file)}\n`);
  }
} catch (e) {
  if (e instanceof UsageError) process.exit(failed('bench-table', e));
  // a result that cannot be read, a docs file without the markers: one line
  process.stderr.write(`bench-table: ${(e as Error).message}\n`);
  process.exit(1);
}
