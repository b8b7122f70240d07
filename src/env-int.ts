// A whole-number setting from the environment, the same way for every process: empty means the default;
// a value outside [min, max] is pushed to `problems`, named with the value it had.
export function envInt(env: Record<string, string | undefined>, problems: string[], name: string, def: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) problems.push(`${name}=${JSON.stringify(raw)}: expected a whole number from ${min} to ${max}`);
  return n;
}
