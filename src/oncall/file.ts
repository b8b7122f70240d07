// The on-call file (ONCALL_FILE, YAML; docs/oncall.md) in its run-time form: people with their contacts and their
// steps in milliseconds, default rules, schedules as src/schedules/ reads them (ScheduleDef; iCal layers read from
// their files, relative to the on-call file), teams. Parsed like the channels file (src/settings-file.ts): YAML
// errors, `${VAR}` references, every problem named as `path: message` in one ConfigError, never an address.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors';
import type { Layer, ScheduleDef } from '../schedules/types';
import { parseSettingsFile, type FileEnv } from '../settings-file';
import { onCallFileSchema, type LayerConfig, type OnCallFileConfig, type PersonConfig, type RulesConfig, type StepConfig } from './file-schema';
import { readIcalLayer, type IcalSource } from './ical-layers';

/** A way to reach a person: a channel of the channels file and the address on it (data: never logged). */
export interface Contact {
  via: string;
  address: string;
}

/** Notify `contact` `afterMs` after the person was paged. */
export interface Step {
  contact: string;
  afterMs: number;
}

/** Steps per urgency; an urgency absent: the next rule applies (the person's own, default_rules, every contact at once). */
export interface Rules {
  high?: Step[];
  low?: Step[];
}

export interface Person {
  id: string;
  /** Display name (default: the ID). */
  name: string;
  /** IANA zone (default UTC). */
  timeZone: string;
  /** By contact ID, in the file's order. */
  contacts: ReadonlyMap<string, Contact>;
  /** The person's own rules; empty: default_rules. */
  rules: Rules;
}

export interface Team {
  id: string;
  name: string;
  members: string[];
  schedules: string[];
  /** The team's default escalation policy (channels file); absent: none. */
  escalation?: string;
}

/** One parsed, validated on-call file. */
export interface OnCallFile {
  /** Where it was read from (absolute). */
  file: string;
  /** sha256 of the file's text and its iCal files' texts, first 12 hex digits: which version is in force. */
  version: string;
  /** The iCal layers' files (absolute), read with it. */
  icalFiles: string[];
  people: ReadonlyMap<string, Person>;
  defaultRules: Rules;
  schedules: ReadonlyMap<string, ScheduleDef>;
  teams: ReadonlyMap<string, Team>;
}

export interface ParseOptions {
  /** Reads an iCal layer's file (absolute path); default: fs.readFileSync as UTF-8. */
  readFile?: (file: string) => string;
  /** The instant iCal recurrences are expanded around (epoch ms; default: now): see readIcalLayer. */
  now?: number;
}

const steps = (s: StepConfig[] | undefined): Step[] | undefined => s?.map((x) => ({ contact: x.contact, afterMs: x.after }));
const rules = (r: RulesConfig | undefined): Rules => ({ ...(r?.high ? { high: steps(r.high) } : {}), ...(r?.low ? { low: steps(r.low) } : {}) });

function person(id: string, p: PersonConfig): Person {
  const contacts = new Map(Object.entries(p.contacts).map(([c, { via, address }]) => [c, { via, address }]));
  return { id, name: p.name ?? id, timeZone: p.time_zone, contacts, rules: rules(p.rules) };
}

/** The run-time layers of one schedule; iCal layers' problems are pushed with their path. */
function layers(id: string, zone: string, config: LayerConfig[], ical: IcalSource, problems: string[]): Layer[] {
  return config.map((l, i): Layer => {
    if (l.rotation) {
      const { participants, start, shift, restrictions } = l.rotation;
      return { kind: 'rotation', participants, start, shift, ...(restrictions ? { restrictions } : {}) };
    }
    return readIcalLayer(l.ical!.file, `schedules.${id}.layers.${i}.ical.file`, { ...ical, timeZone: zone }, problems);
  });
}

/** The validated file as the run time reads it. */
function runtimeForm(f: OnCallFileConfig, file: string, text: string, options: ParseOptions): OnCallFile {
  const problems: string[] = [];
  const ical: IcalSource = {
    dir: path.dirname(file),
    people: f.people,
    readFile: options.readFile ?? ((p) => fs.readFileSync(p, 'utf8')),
    now: options.now ?? Date.now(),
    texts: [],
    files: [],
  };
  const schedules = new Map(Object.entries(f.schedules).map(([id, s]): [string, ScheduleDef] => [id, { id, name: s.name ?? id, timeZone: s.time_zone, layers: layers(id, s.time_zone, s.layers, ical, problems) }]));
  if (problems.length) throw new ConfigError(`Invalid on-call file ${file}:`, problems);
  const hash = createHash('sha256').update(text);
  for (const t of ical.texts) hash.update('\0').update(t);
  return {
    file,
    version: hash.digest('hex').slice(0, 12),
    icalFiles: [...new Set(ical.files)],
    people: new Map(Object.entries(f.people).map(([id, p]) => [id, person(id, p)])),
    defaultRules: rules(f.default_rules),
    schedules,
    teams: new Map(Object.entries(f.teams).map(([id, t]) => [id, { id, name: t.name ?? id, members: t.members, schedules: t.schedules, ...(t.escalation ? { escalation: t.escalation } : {}) }])),
  };
}

/**
 * The on-call file from its text. `file`: its path (iCal layers' files are relative to its directory); `env`: where
 * its `${VAR}` references are filled in from. Throws one ConfigError naming every problem.
 */
export function parseOnCallFile(text: string, file: string, env: FileEnv, options: ParseOptions = {}): OnCallFile {
  const absolute = path.resolve(file);
  const config = parseSettingsFile(text, `on-call file ${absolute}`, env, onCallFileSchema);
  return runtimeForm(config, absolute, text, options);
}

/** Reads and parses the on-call file (see parseOnCallFile). */
export function loadOnCallFile(file: string, env: FileEnv, options: ParseOptions = {}): OnCallFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`Cannot read on-call file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message} (ONCALL_FILE)`);
  }
  return parseOnCallFile(text, file, env, options);
}
