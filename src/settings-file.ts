// What the YAML settings files (the channels file, the on-call file) share: YAML errors, `${VAR}` references filled
// in from the environment, durations, and every problem named as `path: message` under one ConfigError.
// A problem names where it is, never the value found there (addresses and secrets are data, not messages).
import YAML from 'yaml';
import { z } from 'zod';
import { parseDuration } from './duration';
import { ConfigError } from './errors';
import { issueMessage } from './zod-issues';

/** An environment the `${VAR}` references are filled in from. */
export type FileEnv = Readonly<Record<string, string | undefined>>;

/** A duration ("500ms", "30s", "5m", "2h", "7d", or a number of milliseconds) in milliseconds. */
export const durationMs = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const ms = parseDuration(v);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not a duration (e.g. 500ms, 30s, 5m, 2h)` });
    return z.NEVER;
  }
  return ms;
});

/** Replaces ${VAR} / ${VAR:-default} in every string of the tree. Missing variables are reported with their path. */
export function interpolate(node: unknown, env: FileEnv, at: string, problems: string[]): unknown {
  if (typeof node === 'string') {
    return node.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_m, name: string, def?: string) => {
      const v = env[name];
      if (v !== undefined && v !== '') return v;
      if (def !== undefined) return def;
      problems.push(`${at}: environment variable ${name} is not set`);
      return '';
    });
  }
  if (Array.isArray(node)) return node.map((v, i) => interpolate(v, env, `${at}[${i}]`, problems));
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, interpolate(v, env, at ? `${at}.${k}` : k, problems)]));
  }
  return node;
}

/** A zod issue as one line: `path: message` (`(top level)` for the root). */
export const issueLine = (i: z.core.$ZodIssue): string => `${i.path.join('.') || '(top level)'}: ${issueMessage(i)}`;

/**
 * The YAML `text` through `schema`, `${VAR}` references filled in from `env` first. `where` names the file in the
 * error ("channels file /etc/x.yaml"). Throws one ConfigError listing every problem.
 */
export function parseSettingsFile<S extends z.ZodType>(text: string, where: string, env: FileEnv, schema: S): z.output<S> {
  const doc = YAML.parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) throw new ConfigError(`Invalid ${where}:`, doc.errors.map((e) => `YAML: ${e.message.split('\n')[0]}`));
  const problems: string[] = [];
  const data = interpolate(doc.toJS(), env, '', problems);
  if (problems.length) throw new ConfigError(`Invalid ${where}:`, problems);
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw new ConfigError(`Invalid ${where}:`, parsed.error.issues.map(issueLine));
  return parsed.data;
}
