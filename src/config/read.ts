// Reading variables through the schema (./schema.ts): the one way any settings reader of src/ gets at the
// environment it is handed. Problems are collected, one line each naming the variable (and its value, unless it
// is a secret), so a process names every bad setting at once.
import fs from 'node:fs';
import { VARIABLES, variablesOf, type ProcessName, type ValueOf, type Variable, type VariableName } from './schema';

/** An environment: process.env as a process's loader took it, or a test's record. */
export type Env = Readonly<Record<string, string | undefined>>;

/** Only the variables `process` reads (the schema's `readBy`), so it can read no other. */
export function environmentOf(env: Env, process: ProcessName): Env {
  const names = new Set<string>(variablesOf(process));
  const prefixes = [...names].map((n) => (VARIABLES[n as VariableName] as Variable).prefix).filter((p) => p !== undefined);
  return Object.fromEntries(Object.entries(env).filter(([k]) => names.has(k) || prefixes.some((p) => k.startsWith(p))));
}

function defaultText(spec: Variable, process: ProcessName | undefined): string | undefined {
  const d = spec.default;
  if (d === undefined || typeof d === 'string') return d;
  if (typeof d === 'function') return d();
  return process ? d[process] : undefined;
}

/** A value as a problem may show it: a URL's password masked. */
const shown = (raw: string) => JSON.stringify(raw.replace(/(\/\/[^/:@\s]*:)[^/@\s]*@/, '$1***@'));

/**
 * The values of `names`: each variable's text (its default when unset or empty; `process` picks a per-process
 * default) through its schema. A refused value is a line in `problems`, and the default's value stands in for it.
 */
export function readVariables<const N extends VariableName>(env: Env, names: readonly N[], problems: string[], process?: ProcessName): { [K in N]: ValueOf<K> } {
  const values: Record<string, unknown> = {};
  for (const name of names) {
    const spec = VARIABLES[name] as Variable;
    const fallback = defaultText(spec, process);
    const given = env[name];
    const raw = given === undefined || given === '' ? fallback : given;
    if (raw === undefined) continue;
    const parsed = spec.value.safeParse(raw);
    if (parsed.success) {
      values[name] = parsed.data;
      continue;
    }
    if (raw === fallback) throw new Error(`${name}: the schema refuses its own default ${JSON.stringify(raw)}`);
    for (const issue of parsed.error.issues) {
      const quote = !spec.secret && (issue as { params?: { quote?: boolean } }).params?.quote !== false;
      problems.push(`${name}${quote ? `=${shown(raw)}` : ''}: ${issue.message}`);
    }
    if (fallback !== undefined) values[name] = spec.value.parse(fallback);
  }
  return values as { [K in N]: ValueOf<K> };
}

/** Whether a variable is set (and not empty), whatever its value: a refused value still says what was meant. */
export function isSet(env: Env, name: VariableName): boolean {
  return (env[name] ?? '') !== '';
}

/** The value a variable has when unset (undefined without a default, or with only per-process ones). */
export function defaultOf<N extends VariableName>(name: N): ValueOf<N> {
  return readVariables({}, [name], [])[name];
}

/** A family's variables (e.g. TEMPORAL_GRPC_META_<NAME>): every set one whose name starts with its prefix. */
export function readFamily(env: Env, family: VariableName): Record<string, string> {
  const prefix = (VARIABLES[family] as Variable).prefix ?? family;
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[0].startsWith(prefix) && e[1] !== undefined && e[1] !== ''));
}

/** The file a setting names, read once at start-up (undefined when unset); an unreadable one is a problem naming the variable and the path, never content. */
export function readSettingFile(name: VariableName, file: string | undefined, problems: string[]): Buffer | undefined {
  if (!file) return undefined;
  try {
    return fs.readFileSync(file);
  } catch (e) {
    problems.push(`${name}=${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    return undefined;
  }
}

/** The secrets that may also come from a file: NAME or NAME_FILE. */
export type SecretWithFile = { [N in VariableName]: `${N}_FILE` extends VariableName ? N : never }[VariableName];

/**
 * A secret given as `NAME` (the value) or `NAME_FILE` (a file holding it; surrounding white space, such as the
 * trailing newline, is not part of it). Both set is a problem; so is an unreadable file. Never in a problem.
 */
export function readSecretSetting(env: Env, name: SecretWithFile, problems: string[]): Buffer | undefined {
  const fileName = `${name}_FILE` as VariableName;
  const s = readVariables(env, [name, fileName], problems) as unknown as Record<string, string | undefined>;
  if (s[name] && s[fileName]) problems.push(`${name} and ${fileName} exclude each other: set one`);
  if (s[name]) return Buffer.from(s[name], 'utf8');
  const content = readSettingFile(fileName, s[fileName], problems);
  return content ? Buffer.from(content.toString('utf8').trim(), 'utf8') : undefined;
}

/** Which of NAME and NAME_FILE is set (for a problem about the secret's content). */
export const secretSource = (env: Env, name: SecretWithFile): string => (isSet(env, name) ? name : `${name}_FILE`);
