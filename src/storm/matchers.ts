// Label matchers as Alertmanager writes them (silences, inhibit rules): `name="value"`, `name!="value"`,
// `name=~"regex"`, `name!~"regex"`; the value may be unquoted (`team=db`) as amtool allows. A regex is
// anchored at both ends, as in Alertmanager (`team=~"db.*"` matches `db-primary`, not `mydb`). A label the
// alert does not have matches as the empty string, so `team!=""` means "has a team label".
// Used by workflow-free code only (the persist step, alertctl, the intake): RegExp is fine here.
import { MatcherSyntaxError } from '../errors';
import type { AlertEvent } from '../contracts/alert';

export const MATCH_OPS = ['=', '!=', '=~', '!~'] as const;
export type MatchOp = (typeof MATCH_OPS)[number];

export interface Matcher {
  name: string;
  op: MatchOp;
  value: string;
}

const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const MATCHER = /^\s*([^\s=!~"]+)\s*(=~|!~|!=|=)\s*(.*?)\s*$/s;

/** Reads one matcher; throws MatcherSyntaxError with the reason. */
export function parseMatcher(text: string): Matcher {
  const m = MATCHER.exec(text);
  if (!m) throw new MatcherSyntaxError(text, 'expected name="value", name!="value", name=~"regex" or name!~"regex"');
  const [, name, op, raw] = m;
  if (!LABEL_NAME.test(name)) throw new MatcherSyntaxError(text, `"${name}" is not a label name (letters, digits, _ . -; not starting with a digit)`);
  let value = raw;
  if (raw.startsWith('"')) {
    if (raw.length < 2 || !raw.endsWith('"')) throw new MatcherSyntaxError(text, 'unterminated quoted value');
    try {
      value = JSON.parse(raw) as string;
    } catch {
      throw new MatcherSyntaxError(text, 'bad escape in the quoted value');
    }
  } else if (/["\s]/.test(raw)) {
    throw new MatcherSyntaxError(text, 'a value with spaces or quotes must be quoted');
  }
  const matcher = { name, op: op as MatchOp, value };
  if (op === '=~' || op === '!~') compile(matcher, text);
  return matcher;
}

/** The matcher as Alertmanager prints it: `team=~"db.*"`. */
export function formatMatcher(m: Matcher): string {
  return `${m.name}${m.op}${JSON.stringify(m.value)}`;
}

const compiled = new Map<string, RegExp>();
function compile(m: Matcher, text = formatMatcher(m)): RegExp {
  let re = compiled.get(m.value);
  if (!re) {
    try {
      re = anchored(m.value, 'su');
    } catch (e) {
      // Unicode mode refuses escapes of punctuation that Alertmanager's (Go) regexes accept, such as `\-` and `\_`.
      try {
        re = anchored(m.value, 's');
      } catch {
        throw new MatcherSyntaxError(text, `bad regex: ${(e as Error).message}`);
      }
    }
    if (compiled.size > 10_000) compiled.clear();
    compiled.set(m.value, re);
  }
  return re;
}

/**
 * The regex compiled alone first: wrapped straight away, an unbalanced `a)|(.*` would become the valid
 * `^(?:a)|(.*)$`, which is no longer anchored (and matches everything).
 */
function anchored(source: string, flags: string): RegExp {
  new RegExp(source, flags); // throws on a regex that is not one by itself
  return new RegExp(`^(?:${source})$`, flags);
}

export function matcherMatches(m: Matcher, subject: Record<string, string>): boolean {
  // Own labels only: `constructor` or `toString` must not find Object.prototype's functions.
  const value = Object.hasOwn(subject, m.name) ? String(subject[m.name]) : '';
  switch (m.op) {
    case '=': return value === m.value;
    case '!=': return value !== m.value;
    case '=~': return compile(m).test(value);
    case '!~': return !compile(m).test(value);
  }
}

/** Every matcher matches (an empty list matches nothing: a silence or rule without matchers would match all). */
export function matchesAll(matchers: readonly Matcher[], subject: Record<string, string>): boolean {
  return matchers.length > 0 && matchers.every((m) => matcherMatches(m, subject));
}

/**
 * What matchers see of an alert: its labels and its fields `alertId`, `ruleId`, `ruleName` (also as
 * `alertname`, Alertmanager's name for the rule), `severity`, `title`, `view`, `scope`, `status`
 * (`firing` | `resolved`). A field wins over a label of the same name (fields are validated; labels are free).
 */
export function alertSubject(event: AlertEvent): Record<string, string> {
  return {
    alertname: event.ruleName,
    ...(event.labels ?? {}),
    alertId: event.alertId,
    ruleId: event.ruleId,
    ruleName: event.ruleName,
    severity: event.severity,
    title: event.title,
    view: event.view,
    scope: event.scope,
    status: event.status ?? 'firing',
  };
}
