// Rewrites README.md's benchmark table (between `<!-- bench-table:begin -->` and `<!-- bench-table:end -->`) from
// a benchmark result:  npm run bench:table [-- bench/results/bench-<stamp>.json]   (default: bench-latest.json)
//                      node dist/scripts/bench-table.js FILE --print   (prints the table instead)
import fs from 'node:fs';
import path from 'node:path';
import { RESULTS_DIR, ROOT } from '../bench/harness';
import { benchTable, updateReadme } from '../bench/run/readme-table';
import type { BenchResult } from '../bench/run/result';

const args = process.argv.slice(2);
const file = path.resolve(args.find((a) => !a.startsWith('--')) ?? path.join(RESULTS_DIR, 'bench-latest.json'));
try {
  if (args.includes('--print')) {
    process.stdout.write(`${benchTable(JSON.parse(fs.readFileSync(file, 'utf8')) as BenchResult, path.relative(ROOT, fs.realpathSync(file)))}\n`);
  } else {
    process.stdout.write(`${path.relative(process.cwd(), updateReadme(file))}: benchmark table rewritten from ${path.relative(process.cwd(), file)}\n`);
  }
} catch (e) {
  process.stderr.write(`bench-table: ${(e as Error).message}\n`);
  process.exit(1);
}
