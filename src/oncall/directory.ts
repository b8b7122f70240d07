// The on-call file in force (ONCALL_FILE; docs/oncall.md): who the people, schedules and teams are, and each person's
// notification rules. Reloaded when the file (or one of its iCal files) changes, on SIGHUP, and daily (which moves the
// iCal layers' recurrence window): a new file is validated like the first one, against the channels file too, and a
// file that fails is refused (its problems logged, never an address) while the version in force stays. Work in
// flight carries person and contact IDs only, so a reload drops nothing; an activity reads the file in force.
// The version in force (a content hash) is logged at each change and exported as alert_oncall_file_info{version}.
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import type { ChannelsFile } from '../channels/config';
import type { Urgency } from '../contracts/oncall';
import { ConfigError } from '../errors';
import type { Logger } from '../logger';
import { oncallFileReloads, oncallFileVersion } from '../metrics';
import type { ScheduleDef } from '../schedules/types';
import type { FileEnv } from '../settings-file';
import { checkOnCallAgainstChannels } from './cross-check';
import { loadOnCallFile, type Contact, type OnCallFile, type ParseOptions, type Person, type Team } from './file';

export interface DirectoryOptions {
  /** The on-call file (absolute). */
  file: string;
  /** Where its `${VAR}` references are filled in from. */
  env: FileEnv;
  /** The channels file in force: every version is checked against it (checkOnCallAgainstChannels). */
  channels?: ChannelsFile;
  log: Logger;
  /** Quiet time after a file-system event before the reload; default 250 ms (an editor writes in several steps). */
  debounceMs?: number;
  /** How often watch() reloads anyway (the iCal window moves with it); default 24 h; 0: never. */
  refreshMs?: number;
  /** For tests: how iCal files are read and the instant recurrences are expanded around. */
  parse?: ParseOptions;
  /** Where SIGHUP is listened for; default: this process (a test hands over the real one from inside its sandbox). */
  signals?: Pick<NodeJS.Process, 'on' | 'off'>;
}

/** A step of a person's rules as the activities run it: the contact, its wait, and the channel it goes through. */
export interface ResolvedStep {
  contact: string;
  afterMs: number;
  via: string;
}

/** What a reload did: a new version applied, the same version again, or the file refused (the old one stays). */
export type ReloadResult =
  | { result: 'applied'; version: string; previous: string }
  | { result: 'unchanged'; version: string }
  | { result: 'refused'; version: string; problems: string[] };

/** Why a reload ran. */
export type ReloadReason = 'change' | 'SIGHUP' | 'refresh' | 'call';

/** The problems of a loaded file, or of loading it, as lines (ConfigError's problems; its message when it has none). */
function problemsOf(e: unknown): string[] {
  if (!(e instanceof ConfigError)) throw e;
  return e.problems.length ? e.problems : [e.message];
}

/** Emits `reload` (ReloadResult & { reason }) after every reload. */
export class OnCallDirectory extends EventEmitter {
  private file: OnCallFile;

  private constructor(first: OnCallFile, private readonly options: DirectoryOptions) {
    super();
    this.file = first;
    this.inForce(first, 'start-up');
  }

  /** Loads the file and checks it against the channels file; throws one ConfigError naming every problem. */
  static open(options: DirectoryOptions): OnCallDirectory {
    const first = OnCallDirectory.validated(options);
    if ('problems' in first) throw new ConfigError(`Invalid on-call file ${options.file}:`, first.problems);
    return new OnCallDirectory(first, options);
  }

  private static validated(options: DirectoryOptions): OnCallFile | { problems: string[] } {
    let loaded: OnCallFile;
    try {
      loaded = loadOnCallFile(options.file, options.env, options.parse);
    } catch (e) {
      return { problems: problemsOf(e) };
    }
    const problems = options.channels ? checkOnCallAgainstChannels(loaded, options.channels) : [];
    return problems.length ? { problems } : loaded;
  }

  /** The file in force. */
  current(): OnCallFile {
    return this.file;
  }

  person(id: string): Person | undefined {
    return this.file.people.get(id);
  }

  schedule(id: string): ScheduleDef | undefined {
    return this.file.schedules.get(id);
  }

  team(id: string): Team | undefined {
    return this.file.teams.get(id);
  }

  /** A team's members; undefined: no such team. */
  teamMembers(id: string): string[] | undefined {
    return this.team(id)?.members;
  }

  /** A person's contact (its address is data: never log it); undefined: no such person or contact (any more). */
  contactOf(person: string, contact: string): Contact | undefined {
    return this.person(person)?.contacts.get(contact);
  }

  /**
   * A person's steps for an urgency: their own rules; else default_rules without the steps naming a contact they
   * lack (moved earlier so the first comes when the first default step would); else (no default, or nothing left)
   * every contact at once. undefined: no such person.
   */
  rulesFor(id: string, urgency: Urgency): ResolvedStep[] | undefined {
    const p = this.person(id);
    if (!p) return undefined;
    const resolve = (steps: { contact: string; afterMs: number }[]) => steps.flatMap((s) => {
      const c = p.contacts.get(s.contact);
      return c ? [{ contact: s.contact, afterMs: s.afterMs, via: c.via }] : [];
    });
    const own = p.rules[urgency];
    if (own) return resolve(own);
    const defaults = this.file.defaultRules[urgency] ?? [];
    const byDefault = resolve(defaults);
    // Steps skipped before the first one the person has: that one comes at the time of the first default step,
    // the rest keep their spacing (someone without chat is emailed at once, not when the email step was due).
    const early = byDefault.length && byDefault[0].contact !== defaults[0].contact ? byDefault[0].afterMs - defaults[0].afterMs : 0;
    if (byDefault.length) return byDefault.map((s) => ({ ...s, afterMs: s.afterMs - early }));
    return [...p.contacts].map(([contact, { via }]) => ({ contact, afterMs: 0, via }));
  }

  /** Reads the file again; a valid one replaces the one in force, an invalid one is logged and refused. */
  reload(reason: ReloadReason = 'call'): ReloadResult {
    const next = OnCallDirectory.validated(this.options);
    const previous = this.file.version;
    let outcome: ReloadResult;
    if ('problems' in next) {
      outcome = { result: 'refused', version: previous, problems: next.problems };
      this.options.log.error({ file: this.options.file, reason, version: previous, problems: next.problems }, 'on-call file refused: the version in force stays');
    } else {
      this.file = next; // the same version too: its iCal layers are expanded around now
      outcome = next.version === previous ? { result: 'unchanged', version: previous } : { result: 'applied', version: next.version, previous };
      if (outcome.result === 'applied') this.inForce(next, reason, previous);
    }
    oncallFileReloads.inc({ result: outcome.result });
    this.emit('reload', { ...outcome, reason });
    return outcome;
  }

  private inForce(f: OnCallFile, reason: string, previous?: string): void {
    oncallFileVersion.reset();
    oncallFileVersion.set({ version: f.version }, 1);
    this.options.log.info({ file: f.file, version: f.version, ...(previous ? { previous } : {}), reason, people: f.people.size, schedules: f.schedules.size, teams: f.teams.size },
      'on-call file in force');
  }

  /**
   * Reloads on a change of the file or of its iCal files (their directories are watched, so a file replaced by
   * rename, as editors and Kubernetes ConfigMaps do, is seen), on SIGHUP, and every `refreshMs`. Returns the
   * function that stops all three.
   */
  watch(): () => void {
    const { debounceMs = 250, refreshMs = 86_400_000 } = this.options;
    let timer: NodeJS.Timeout | undefined;
    let watchers: fs.FSWatcher[] = [];
    let dirs = '';
    const rewatch = () => {
      const wanted = [...new Set([this.options.file, ...this.file.icalFiles].map((f) => path.dirname(f)))].sort();
      if (wanted.join('\n') === dirs) return;
      for (const w of watchers) w.close();
      dirs = wanted.join('\n');
      watchers = wanted.flatMap((dir) => this.watchDir(dir, changed));
    };
    const run = (reason: ReloadReason) => {
      this.reload(reason);
      rewatch();
    };
    const changed = () => {
      clearTimeout(timer);
      timer = setTimeout(() => run('change'), debounceMs);
    };
    const hangUp = () => run('SIGHUP');
    const signals = this.options.signals ?? process;
    signals.on('SIGHUP', hangUp);
    const refresh = refreshMs > 0 ? setInterval(() => run('refresh'), refreshMs).unref() : undefined;
    rewatch();
    return () => {
      signals.off('SIGHUP', hangUp);
      clearTimeout(timer);
      clearInterval(refresh);
      for (const w of watchers) w.close();
      watchers = [];
    };
  }

  private watchDir(dir: string, changed: () => void): fs.FSWatcher[] {
    try {
      const w = fs.watch(dir, { persistent: false }, changed);
      w.on('error', (e) => this.options.log.warn({ dir, err: e.message }, 'on-call file: watching its directory failed (SIGHUP still reloads)'));
      return [w];
    } catch (e) {
      this.options.log.warn({ dir, err: (e as Error).message }, 'on-call file: cannot watch its directory (SIGHUP still reloads)');
      return [];
    }
  }
}
