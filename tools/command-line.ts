// The tools' command lines (bench, chaos, storm, bench-table): node's util.parseArgs, strict, so that an unknown or
// misspelt option, or one without its value, is an error that names it; and the check of a number option.
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';

/** A command line the tool does not take: its entry point prints the message (no stack) and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** util.parseArgs in strict mode; its errors become UsageErrors. `positionals`: operands (e.g. a file) allowed. */
export function parseCommandLine<O extends ParseArgsOptionsConfig>(argv: string[], options: O, positionals = false) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: positionals });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** A number option's value: `def` when absent, else a number >= 0. */
export function numberOption(value: string | undefined, name: string, def: number): number {
  if (value === undefined) return def;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${name} needs a non-negative number`);
  return n;
}

/** The command line without these options (and their values), as the options' tokens say: what a child run gets again. */
export function withoutOptions(argv: string[], options: ParseArgsOptionsConfig, drop: string[]): string[] {
  const { tokens } = parseArgs({ args: argv, options, strict: true, allowPositionals: true, tokens: true });
  return tokens.flatMap((t) => {
    if (t.kind === 'positional') return [t.value];
    if (t.kind === 'option-terminator' || drop.includes(t.name)) return [];
    return t.value === undefined ? [t.rawName] : [t.rawName, t.value];
  });
}

/** How an entry point ends on an error: a UsageError is its message and exit 2, anything else its stack and exit 1. */
export function failed(tool: string, e: unknown): number {
  if (e instanceof UsageError) {
    process.stderr.write(`${tool}: ${e.message} (--help lists the options)\n`);
    return 2;
  }
  process.stderr.write(`${tool}: failed: ${(e as Error)?.stack ?? String(e)}\n`);
  return 1;
}
