// Rewrites docs/configuration.md's reference (between `<!-- config-reference:start -->` and
// `<!-- config-reference:end -->`) from the schema of the environment (src/config/schema.ts):
//   npm run docs:config             rewrites the page
//   node dist/scripts/config-reference.js --check   exits 1 when the page differs from the schema (as the test does)
import fs from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../src/config/schema';
import { renderReference, withReference } from '../src/config/reference';

const page = path.join(PACKAGE_ROOT, 'docs', 'configuration.md');
const check = process.argv.includes('--check');
const before = fs.readFileSync(page, 'utf8');
const after = withReference(before, renderReference());
const where = path.relative(process.cwd(), page);
if (after === before) {
  process.stdout.write(`${where}: the reference matches the schema\n`);
} else if (check) {
  process.stderr.write(`${where}: the reference differs from the schema (src/config/schema.ts): run npm run docs:config\n`);
  process.exit(1);
} else {
  fs.writeFileSync(page, after);
  process.stdout.write(`${where}: reference rewritten from the schema\n`);
}
