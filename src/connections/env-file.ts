// Settings that name a file (certificates, keys, passwords): read once at start-up, and an unreadable file
// is a configuration problem naming the variable and the path, never the content.
import fs from 'node:fs';

type Env = Record<string, string | undefined>;

/** The file named by `env[name]` (undefined when unset); an unreadable one is pushed to `problems`. */
export function envFile(env: Env, name: string, problems: string[]): Buffer | undefined {
  const p = env[name];
  if (!p) return undefined;
  try {
    return fs.readFileSync(p);
  } catch (e) {
    problems.push(`${name}=${p}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    return undefined;
  }
}
