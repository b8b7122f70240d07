// The kinds of value an environment variable holds, as zod schemas from the variable's text to what the code
// uses. Each refusal says what was expected; readVariables (./read.ts) puts the variable's name (and, unless
// the variable is a secret or the issue says otherwise, its value) in front of it.
import path from 'node:path';
import { z } from 'zod';
import { parseDuration } from '../duration';

/** A variable's schema: its text in, its value out. */
export type ValueSchema<T> = z.ZodType<T, string>;

/**
 * A value checked by `check`, which calls `refuse` for each problem. `quote: false` leaves the variable's value out of
 * the problem line: the message names what is wrong itself, or the value may carry a credential.
 */
function checked<T>(check: (raw: string, refuse: (message: string, quote?: boolean) => void) => T): ValueSchema<T> {
  return z.string().transform((raw, ctx) => {
    let refused = false;
    const result = check(raw, (message, quote = true) => {
      refused = true;
      ctx.addIssue({ code: 'custom', message, input: raw, params: { quote } });
    });
    return refused ? z.NEVER : result;
  });
}

/** Any text. */
export const text = (): ValueSchema<string> => z.string();

/** Text matching `pattern`; `hint` says what is allowed. */
export const matching = (pattern: RegExp, hint: string): ValueSchema<string> => z.string().regex(pattern, { error: hint });

/** Stream, group, consumer and task queue names. */
export const name = (): ValueSchema<string> => matching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/, 'letters, digits and . _ : - only (at most 200)');

/** A path to a file, read by the setting's loader (an unreadable file is its problem, naming the path). */
export const file = (): ValueSchema<string> => z.string();

/** A path, made absolute. */
export const absolutePath = (): ValueSchema<string> => z.string().transform((p) => path.resolve(p));

/** One of `choices`; `message` says which. */
export const oneOf = <const C extends readonly string[]>(choices: C, message: string): ValueSchema<C[number]> =>
  checked<C[number]>((raw, refuse) => {
    if (!choices.includes(raw)) refuse(message);
    return raw;
  });

/** `true` or `false`. */
export const trueOrFalse = (): ValueSchema<boolean> => oneOf(['true', 'false'], 'expected true or false').transform((v) => v === 'true');

/** A switch: `1` or `true` on, `0` or `false` off. */
export const flag = (): ValueSchema<boolean> => oneOf(['1', 'true', '0', 'false'], 'expected 1 (on) or 0 (off)').transform((v) => v === '1' || v === 'true');

/** A whole number from `min` to `max`. */
export const wholeNumber = (min: number, max: number): ValueSchema<number> =>
  checked((raw, refuse) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) refuse(`expected a whole number from ${min} to ${max}`);
    return n;
  });

/** A port; 0 = off or any free port, as the variable says. */
export const port = (): ValueSchema<number> => wholeNumber(0, 65_535);

const DURATION_EXAMPLES = 'such as 500ms, 30s, 5m, 2h, 7d';

/**
 * A duration (`500ms`, `30s`, `5m`, `2h`, `7d`, or milliseconds) in milliseconds. `above0`: 0 is refused;
 * `atLeast1ms`: 0 is taken as 1 ms (where 0 would mean "forever"); `max`: the longest, in milliseconds, and its text.
 */
export const duration = (o: { above0?: boolean; atLeast1ms?: boolean; max?: [number, string] } = {}): ValueSchema<number> =>
  checked((raw, refuse) => {
    const ms = parseDuration(raw);
    if (ms === undefined) refuse(`expected a duration ${o.above0 ? 'above 0 ' : ''}${DURATION_EXAMPLES}`);
    else if (o.max && !(ms > 0 && ms <= o.max[0])) refuse(`expected a duration above 0 and at most ${o.max[1]}`);
    else if (o.above0 && ms <= 0) refuse(`expected a duration above 0 ${DURATION_EXAMPLES}`);
    return o.atLeast1ms ? Math.max(ms ?? 0, 1) : (ms ?? 0);
  });

/** An absolute URL with one of `protocols`; `example` is shown when the text is not a URL at all. */
export const url = (protocols: string[], example: string): ValueSchema<string> =>
  checked((raw, refuse) => {
    try {
      const u = new URL(raw);
      if (!protocols.includes(u.protocol)) refuse(`protocol ${u.protocol} is not one of ${protocols.join(', ')}`, false);
    } catch {
      refuse(`not a URL (expected e.g. ${example})`);
    }
    return raw;
  });

/** An http(s) URL, without the trailing slash. */
export const httpUrl = (hint = 'expected an http(s) URL'): ValueSchema<string> =>
  z.string().regex(/^https?:\/\/[^\s]+$/, { error: hint }).transform((u) => u.replace(/\/+$/, ''));

/** `1048576`, `512kb`, `1mb` (binary units), in bytes. */
export function parseByteSize(raw: string): number | undefined {
  const m = /^\s*(\d+)\s*(b|kb|kib|mb|mib)?\s*$/i.exec(raw);
  if (!m) return undefined;
  const unit = (m[2] ?? 'b').toLowerCase();
  return Number(m[1]) * (unit.startsWith('k') ? 1024 : unit.startsWith('m') ? 1024 * 1024 : 1);
}

/** A size from 1kb to `maxMb` megabytes, in bytes. */
export const byteSize = (maxMb: number): ValueSchema<number> =>
  checked((raw, refuse) => {
    const n = parseByteSize(raw);
    if (n === undefined || n < 1024 || n > maxMb * 1024 * 1024) refuse(`expected a size from 1kb to ${maxMb}mb (bytes, or with kb / mb)`);
    return n ?? 0;
  });

/** A comma-separated list (blank entries dropped). */
export const list = (): ValueSchema<string[]> => z.string().transform((s) => s.split(',').map((e) => e.trim()).filter(Boolean));

/** `host:port,host:port` (Redis Sentinels, Cluster nodes); the bad entries are named. */
export const hostPorts = (): ValueSchema<Array<{ host: string; port: number }>> =>
  checked((raw, refuse) => {
    const entries = raw.split(',').map((s) => s.trim()).filter(Boolean);
    const parsed = entries.map((s) => {
      const m = /^([^\s:/]+):(\d{1,5})$/.exec(s);
      return m && Number(m[2]) >= 1 && Number(m[2]) <= 65_535 ? { host: m[1], port: Number(m[2]) } : undefined;
    });
    const bad = entries.filter((_, i) => !parsed[i]);
    if (bad.length) refuse(`${bad.join(', ')}: expected host:port,host:port`, false);
    return parsed.filter((n) => n !== undefined);
  });

/** Browser origins, `scheme://host[:port]`, comma-separated. */
export const origins = (): ValueSchema<string[]> =>
  checked((raw, refuse) => {
    const all = raw.split(',').map((s) => s.trim()).filter(Boolean);
    for (const o of all) if (!/^https?:\/\/[^/\s]+$/.test(o)) refuse(`${JSON.stringify(o)} is not an origin (scheme://host[:port], no path)`, false);
    return all;
  });

/** One of `choices`, named in the problem as `"value" is not one of …`. */
export const member = <const C extends readonly string[]>(choices: C): ValueSchema<C[number]> =>
  checked<C[number]>((raw, refuse) => {
    if (!choices.includes(raw)) refuse(`${JSON.stringify(raw)} is not one of ${choices.join(', ')}`, false);
    return raw;
  });

/** `key=choice,key=choice` (keys lower-cased), each choice one of `choices` (`what` names them). */
export const mapTo = <const C extends readonly string[]>(choices: C, what: string): ValueSchema<Record<string, C[number]>> =>
  checked((raw, refuse) => {
    const out: Record<string, C[number]> = {};
    for (const pair of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
      const m = /^([^=]+)=(.+)$/.exec(pair);
      if (!m) refuse(`${JSON.stringify(pair)}: expected value=${what}`, false);
      else if (!choices.includes(m[2].trim())) refuse(`${JSON.stringify(m[2].trim())} is not one of ${choices.join(', ')}`, false);
      else out[m[1].trim().toLowerCase()] = m[2].trim();
    }
    return out;
  });
