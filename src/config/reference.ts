// The configuration reference (docs/configuration.md, between its config-reference markers), generated from the
// schema: one table per section, one row per variable. `npm run docs:config` writes it (scripts/config-reference.ts);
// test/config-reference.test.ts fails when the page and the schema differ.
import { PROCESSES, SECTIONS, VARIABLES, type ProcessName, type SectionId, type Variable } from './schema';

export const REFERENCE_START = '<!-- config-reference:start -->';
export const REFERENCE_END = '<!-- config-reference:end -->';

const code = (s: string) => `\`${s}\``;

function defaultCell(name: string, v: Variable): string {
  if (v.defaultText !== undefined) return v.defaultText;
  const d = v.default;
  if (d === undefined) return 'none';
  if (typeof d === 'string') return d === '' ? 'empty' : code(d);
  if (typeof d === 'function') throw new Error(`${name}: a computed default needs its defaultText`);
  const byValue = new Map<string, ProcessName[]>();
  for (const p of PROCESSES) if (d[p] !== undefined) byValue.set(d[p], [...(byValue.get(d[p]) ?? []), p]);
  return [...byValue].map(([value, ps]) => `${ps.join(' and ')} ${code(value)}`).join(', ');
}

function row(name: string, v: Variable): string {
  const cells = [code(name), defaultCell(name, v), `${v.readBy.join(', ')}${v.readThrough ? ` (through ${v.readThrough})` : ''}`, v.description];
  for (const c of cells) if (/[|\n]/.test(c)) throw new Error(`${name}: a table cell cannot hold | or a line break: ${c}`);
  return `| ${cells.join(' | ')} |`;
}

/** The Markdown between the markers (without them), ending with a newline. */
export function renderReference(): string {
  const bySection = new Map<SectionId, string[]>();
  for (const [name, v] of Object.entries(VARIABLES) as [string, Variable][]) bySection.set(v.section, [...(bySection.get(v.section) ?? []), row(name, v)]);
  const parts = ['<!-- Generated from src/config/schema.ts by `npm run docs:config`: change the schema, not these tables. -->'];
  for (const [id, section] of Object.entries(SECTIONS) as [SectionId, (typeof SECTIONS)[SectionId]][]) {
    const rows = bySection.get(id);
    if (!rows) continue;
    parts.push(`### ${section.title}`, section.intro, ['| variable | default | read by | meaning |', '|---|---|---|---|', ...rows].join('\n'));
  }
  return `${parts.join('\n\n')}\n`;
}

/** `page` with its reference region replaced by `reference`; throws when the markers are missing or out of order. */
export function withReference(page: string, reference: string): string {
  const start = page.indexOf(REFERENCE_START);
  const end = page.indexOf(REFERENCE_END);
  if (start < 0 || end < start) throw new Error(`the page needs ${REFERENCE_START} and, after it, ${REFERENCE_END}`);
  return `${page.slice(0, start + REFERENCE_START.length)}\n\n${reference}\n${page.slice(end)}`;
}
