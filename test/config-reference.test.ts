// One configuration (src/config/): docs/configuration.md's reference is what the schema generates, every default
// is a value its own schema takes, and each process reads exactly the variables the reference says it reads.
import fs from 'node:fs';
import path from 'node:path';
import { alertctlDebug, alertctlIntake, loadAlertctlConfig } from '../src/config/alertctl';
import { loadCodecSettings } from '../src/config/codec';
import { loadIntakeSettings } from '../src/config/intake';
import { readVariables, type Env } from '../src/config/read';
import { loadReceiverSettings } from '../src/config/receiver';
import { REFERENCE_END, REFERENCE_START, renderReference, withReference } from '../src/config/reference';
import { PROCESSES, VARIABLES, variablesOf, type ProcessName, type Variable, type VariableName } from '../src/config/schema';
import { loadConfig } from '../src/config/service';
import { ConfigError } from '../src/errors';

const PAGE = path.join(__dirname, '..', 'docs', 'configuration.md');
const ALL = Object.keys(VARIABLES) as VariableName[];
const spec = (name: VariableName) => VARIABLES[name] as Variable;

describe('docs/configuration.md', () => {
  it('holds the reference the schema generates (npm run docs:config rewrites it)', () => {
    const page = fs.readFileSync(PAGE, 'utf8');
    const region = page.slice(page.indexOf(REFERENCE_START), page.indexOf(REFERENCE_END) + REFERENCE_END.length);
    const expected = withReference(`${REFERENCE_START}${REFERENCE_END}`, renderReference());
    expect(region).toBe(expected);
  });

  it('names every variable once, in a row of its own', () => {
    const rows = renderReference().split('\n').filter((l) => l.startsWith('| `'));
    expect(rows.map((r) => /^\| `([^`]+)`/.exec(r)![1])).toEqual(ALL);
  });
});

describe('the schema', () => {
  it.each(PROCESSES)('takes its own defaults (%s)', (process) => {
    const problems: string[] = [];
    expect(() => readVariables({}, variablesOf(process), problems, process)).not.toThrow();
    expect(problems).toEqual([]);
  });

  it('says for every variable who reads it, and what it is, in one line', () => {
    for (const name of ALL) {
      expect([name, spec(name).readBy.length]).not.toEqual([name, 0]);
      expect([name, /\n/.test(spec(name).description)]).toEqual([name, false]);
    }
  });

  it('names the variable and its value in a problem, but no credentials: a URL\'s password masked, a collector URL left out', () => {
    const problems: string[] = [];
    readVariables({ INTAKE_AUTH: 'sesame-open-0123456789', REDIS_URL: 'http://u:hunter2@h:1', ALERT_INDEX: 'UP' }, ['INTAKE_AUTH', 'REDIS_URL', 'ALERT_INDEX'], problems);
    readVariables({ OTEL_EXPORTER_OTLP_ENDPOINT: 'c://u:hunter2@h' }, ['OTEL_EXPORTER_OTLP_ENDPOINT'], problems);
    expect(problems).toEqual([
      'INTAKE_AUTH="sesame-open-0123456789": expected bearer (the default) or none',
      'REDIS_URL: protocol http: is not one of redis:, rediss:',
      'ALERT_INDEX="UP": lower-case letters, digits and . _ - only',
      'OTEL_EXPORTER_OTLP_ENDPOINT: expected an http:// or https:// URL',
    ]);
    const masked: string[] = [];
    readVariables({ OPENSEARCH_URL: 'nope://u:hunter2@' }, ['OPENSEARCH_URL'], masked);
    expect(masked.join()).not.toContain('hunter2');
  });
});

/** Each process's loader, as its entry point calls it. */
const LOADERS: Record<ProcessName, (env: Env) => unknown> = {
  worker: (env) => loadConfig('worker', env),
  ingest: (env) => loadConfig('ingest', env),
  combined: (env) => loadConfig('combined', env),
  intake: (env) => loadIntakeSettings(env),
  codec: (env) => loadCodecSettings(env),
  alertctl: (env) => [loadAlertctlConfig({}, env), alertctlDebug(env), alertctlIntake(env)],
  receiver: (env) => loadReceiverSettings(env),
};

/** The problems a process's loader names for `env` (none when it loads). */
function problemsOf(process: ProcessName, env: Env): string[] {
  try {
    LOADERS[process]({ HOME: '/nonexistent', ...env });
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return [e.message, ...e.problems];
    throw e;
  }
}

/** A value no checked variable takes. */
const JUNK = '\u0001 junk';
const CHECKED = ALL.filter((n) => !spec(n).readThrough && !spec(n).value.safeParse(JUNK).success);

describe('who reads what: each process reads exactly the variables the reference lists for it', () => {
  it('covers the checked variables', () => expect(CHECKED.length).toBeGreaterThan(60));

  it.each(PROCESSES)('%s: a bad value is refused where the variable is listed, not seen elsewhere', (process) => {
    const base = problemsOf(process, {});
    const named = (name: string) => (lines: string[]) => lines.some((l) => new RegExp(`^${name}[=: ]`).test(l) || l.includes(`\n  - ${name}=`) || l.includes(`\n  - ${name}:`));
    const wrong: string[] = [];
    for (const name of CHECKED) {
      // alertctl reads ALERTCTL_DEBUG leniently (a bad value is off): an error elsewhere in its settings must still show it
      if (name === 'ALERTCTL_DEBUG') continue;
      const refused = named(name)(problemsOf(process, { [name]: JUNK }));
      const listed = spec(name).readBy.includes(process);
      if (refused !== listed) wrong.push(`${name}: ${listed ? 'listed but not read' : 'read but not listed'}`);
    }
    expect(wrong).toEqual([]);
    expect(CHECKED.filter((n) => named(n)(base))).toEqual([]);
  });
});
