// The on-call file (src/oncall/file.ts): its schema, its run-time form, every problem named as `path: message`,
// never an address in a message; iCal layers read relative to the file; the example in config/ validates.
import path from 'node:path';
import { loadChannelsFile } from '../../src/channels/config';
import { ConfigError } from '../../src/errors';
import { checkOnCallAgainstChannels } from '../../src/oncall/cross-check';
import { loadOnCallFile, parseOnCallFile, type OnCallFile } from '../../src/oncall/file';
import { ADDRESSES, channelsFile, COVER_ICS, FULL_YAML, tempFiles } from './fixtures';

const NOW = Date.parse('2026-02-01T00:00:00Z');
const calendars = (files: Record<string, string>) => (p: string) => {
  const name = path.basename(p);
  if (!(name in files)) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
  return files[name];
};
const parse = (text: string, files: Record<string, string> = { 'cover.ics': COVER_ICS }, env: Record<string, string> = {}): OnCallFile =>
  parseOnCallFile(text, '/etc/alerts/oncall.yaml', env, { readFile: calendars(files), now: NOW });

/** The problems of a refused file (fails when it was accepted). */
function problems(text: string, files?: Record<string, string>, env?: Record<string, string>): string[] {
  try {
    parse(text, files, env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).message).toContain('on-call file /etc/alerts/oncall.yaml');
    return (e as ConfigError).problems;
  }
  throw new Error('the file was accepted');
}

const person = (contacts = '      mail: { via: email-ops, address: a@example.com }') => `people:\n  a:\n    contacts:\n${contacts}\n`;

describe('parseOnCallFile: a valid file', () => {
  const f = parse(FULL_YAML);

  it('has people with their contacts and their steps in milliseconds, defaults filled in', () => {
    const alice = f.people.get('alice')!;
    expect(alice).toMatchObject({ id: 'alice', name: 'Alice Example', timeZone: 'Europe/Berlin' });
    expect([...alice.contacts]).toEqual([
      ['chat', { via: 'slack-ops', address: 'U024BE7LH' }],
      ['mail', { via: 'email-ops', address: 'alice@example.com' }],
      ['push', { via: 'push', address: 'https://ntfy.example/alice-7f3a' }],
    ]);
    expect(alice.rules).toEqual({ high: [{ contact: 'chat', afterMs: 0 }, { contact: 'mail', afterMs: 120_000 }, { contact: 'push', afterMs: 300_000 }], low: [{ contact: 'mail', afterMs: 0 }] });
    expect(f.people.get('carol')).toMatchObject({ name: 'carol', timeZone: 'UTC', rules: {} });
    expect(f.defaultRules).toEqual({ high: [{ contact: 'chat', afterMs: 0 }, { contact: 'mail', afterMs: 90_000 }] });
  });

  it('has schedules as src/schedules/ reads them: rotations with their shift parsed, iCal layers imported', () => {
    const s = f.schedules.get('primary')!;
    expect(s).toMatchObject({ id: 'primary', name: 'Primary', timeZone: 'Europe/Berlin' });
    expect(s.layers[0]).toEqual({
      kind: 'rotation', participants: ['alice', 'bob'], start: '2026-01-05T09:00', shift: { amount: 1, unit: 'weeks' },
      restrictions: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00' }],
    });
    expect(s.layers[1]).toEqual({ kind: 'rotation', participants: ['carol'], start: '2026-01-05T17:00', shift: { amount: 12, unit: 'hours' } });
    expect(s.layers[2]).toMatchObject({ kind: 'ical', events: [{ person: 'carol', start: Date.parse('2026-03-01T08:00:00Z'), end: Date.parse('2026-03-02T08:00:00Z'), uid: 'cover-1@example.com' }] });
  });

  it('has teams, and a version: a content hash of the file and its calendars', () => {
    expect(f.teams.get('payments')).toEqual({ id: 'payments', name: 'Payments', members: ['alice', 'bob'], schedules: ['primary'], escalation: 'payments-oncall' });
    expect(f.version).toMatch(/^[0-9a-f]{12}$/);
    expect(parse(FULL_YAML).version).toBe(f.version);
    expect(parse(`${FULL_YAML}# a comment\n`).version).not.toBe(f.version);
    expect(parse(FULL_YAML, { 'cover.ics': COVER_ICS.replace('SUMMARY:carol', 'SUMMARY:bob') }).version).not.toBe(f.version);
    expect(f.icalFiles).toEqual(['/etc/alerts/calendars/cover.ics']);
  });

  it('fills in ${VAR} references from the environment, and names a missing one', () => {
    const text = person('      mail: { via: email-ops, address: "${A_MAIL}" }');
    expect(parse(text, {}, { A_MAIL: 'a@example.com' }).people.get('a')!.contacts.get('mail')!.address).toBe('a@example.com');
    expect(problems(text)).toEqual(['people.a.contacts.mail.address: environment variable A_MAIL is not set']);
  });

  it('takes an empty file: nobody, no schedule', () => {
    expect(parse('{}').people.size).toBe(0);
  });
});

describe('parseOnCallFile: problems', () => {
  it('names every problem at once, each with its path', () => {
    const text = `people:
  alice:
    time_zone: Mars/Olympus
    contacts:
      mail: { via: email-ops, address: alice@example.com }
    rules:
      high: [ { contact: mail }, { contact: pager, after: 2 minutes } ]
      low: [ { contact: mail, after: 5m }, { contact: mail, after: 1m } ]
  nobody:
    contacts: {}
default_rules:
  low: [ { contact: fax } ]
schedules:
  primary:
    time_zone: Europe/Berlin
    layers:
      - rotation: { participants: [alice, zed], start: "2026-01-05 09:00", shift: 1 week }
      - rotation: { participants: [alice], start: "2026-02-30T09:00", shift: 1d, restrictions: [ { days: [funday], from: "9:00", to: "25:00" } ] }
      - { ical: { file: a.ics }, rotation: { participants: [alice], start: "2026-01-05T09:00", shift: 1d } }
  "bad id":
    time_zone: UTC
    layers: [ { rotation: { participants: [alice], start: "2026-01-05T09:00", shift: 1d } } ]
  empty:
    time_zone: UTC
    layers: []
teams:
  payments:
    members: [alice, yves]
    schedules: [secondary]
`;
    expect(problems(text)).toEqual([
      'people.alice.time_zone: "Mars/Olympus" is not an IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)',
      'people.alice.rules.high.1.after: "2 minutes" is not a duration (e.g. 500ms, 30s, 5m, 2h)',
      'people.alice.rules.low: steps must come in order of `after`',
      'people.nobody.contacts: a person needs at least one contact',
      'schedules.primary.layers.0.rotation.start: expected a local date-time "YYYY-MM-DDTHH:MM" (no offset: the schedule\'s `time_zone` applies)',
      'schedules.primary.layers.0.rotation.shift: "1 week" is not a shift length (a whole number and s, m, h, d or w, e.g. 12h, 1d, 1w)',
      'schedules.primary.layers.1.rotation.start: expected a local date-time "YYYY-MM-DDTHH:MM" (no offset: the schedule\'s `time_zone` applies)',
      expect.stringMatching(/^schedules\.primary\.layers\.1\.rotation\.restrictions\.0\.days\.0: Invalid option/),
      'schedules.primary.layers.1.rotation.restrictions.0.from: expected a local time HH:MM (00:00 to 23:59)',
      'schedules.primary.layers.1.rotation.restrictions.0.to: expected a local time HH:MM (00:00 to 23:59)',
      'schedules.primary.layers.2: a layer is either a `rotation` or an `ical` calendar',
      'schedules.bad id: IDs: letters, digits and . _ - only (at most 128)',
      expect.stringMatching(/^schedules\.empty\.layers: Too small/),
    ]);
  });

  it('checks references inside the file once its shape is right: people, contacts, schedules', () => {
    const text = `people:
  alice:
    contacts:
      mail: { via: email-ops, address: alice@example.com }
    rules:
      high: [ { contact: mail }, { contact: pager, after: 2m } ]
default_rules:
  low: [ { contact: fax } ]
schedules:
  primary:
    time_zone: Europe/Berlin
    layers:
      - rotation: { participants: [alice, zed], start: "2026-01-05T09:00", shift: 1w }
teams:
  payments:
    members: [alice, yves]
    schedules: [secondary]
`;
    expect(problems(text)).toEqual([
      'people.alice.rules.high.1.contact: unknown contact "pager" (not under this person\'s `contacts`)',
      'schedules.primary.layers.0.rotation.participants.1: unknown person "zed"',
      'teams.payments.members.1: unknown person "yves"',
      'teams.payments.schedules.0: unknown schedule "secondary"',
      'default_rules.low.0.contact: no person has a contact "fax"',
    ]);
  });

  it('names YAML errors and unknown keys', () => {
    expect(problems('people: [\n')[0]).toMatch(/^YAML: /);
    expect(problems('people: {}\nschedules: {}\nescalations: {}\n')).toEqual(['(top level): Unrecognized key: "escalations"']);
  });

  it('names an iCal layer whose file cannot be read, cannot be parsed, or names nobody known; never an address', () => {
    const layers = (files: string[]) => `${person()}schedules:\n  s:\n    time_zone: UTC\n    layers:\n${files.map((f) => `      - ical: { file: ${f} }\n`).join('')}`;
    const unknownPeople = COVER_ICS.replace('SUMMARY:carol', 'SUMMARY:zed').replace('END:VCALENDAR', `BEGIN:VEVENT
UID:cover-2@example.com
DTSTAMP:20260101T000000Z
DTSTART:20260305T080000Z
DTEND:20260306T080000Z
SUMMARY:zed@example.com
END:VEVENT
END:VCALENDAR`);
    const found = problems(layers(['missing.ics', 'junk.ics', 'people.ics']), { 'junk.ics': 'not a calendar', 'people.ics': unknownPeople });
    expect(found).toEqual([
      'schedules.s.layers.0.ical.file: cannot read /etc/alerts/missing.ics (ENOENT)',
      expect.stringMatching(/^schedules\.s\.layers\.1\.ical\.file: junk\.ics: not an iCalendar text/),
      'schedules.s.layers.2.ical.file: people.ics: event cover-1@example.com names "zed", not a person ID of this file',
      'schedules.s.layers.2.ical.file: people.ics: event cover-2@example.com names (a name that looks like an address), not a person ID of this file',
    ]);
    expect(found.join('\n')).not.toContain('zed@example.com');
  });

  it('never puts an address in a message: its path instead', () => {
    const text = `people:
  alice:
    contacts:
      mail: { via: "alice@example.com", address: alice@example.com }
      long: { via: email-ops, address: "${'x'.repeat(3000)}" }
      chat: { via: slack-ops, address: 12345 }
      push: { via: push }
`;
    const found = problems(text);
    expect(found).toEqual([
      'people.alice.contacts.mail.via: a channel name of the channels file: letters, digits and . _ - only',
      expect.stringMatching(/^people\.alice\.contacts\.long\.address: Too big/),
      expect.stringMatching(/^people\.alice\.contacts\.chat\.address: Invalid input: expected string/),
      expect.stringMatching(/^people\.alice\.contacts\.push\.address: Invalid input/),
    ]);
    const all = found.join('\n');
    for (const a of [...ADDRESSES, 'xxxxxxxxxx', '12345']) expect(all).not.toContain(a);
  });
});

describe('loadOnCallFile', () => {
  it('reads iCal layers relative to the on-call file', () => {
    const t = tempFiles({ 'oncall.yaml': FULL_YAML, 'calendars/cover.ics': COVER_ICS });
    try {
      const f = loadOnCallFile(t.path('oncall.yaml'), {}, { now: NOW });
      expect(f.file).toBe(t.path('oncall.yaml'));
      expect(f.icalFiles).toEqual([t.path('calendars/cover.ics')]);
    } finally {
      t.cleanup();
    }
  });

  it('names a file it cannot read, and ONCALL_FILE', () => {
    expect(() => loadOnCallFile('/nonexistent/oncall.yaml', {})).toThrow(/Cannot read on-call file \/nonexistent\/oncall\.yaml: ENOENT \(ONCALL_FILE\)/);
  });

  it('config/oncall.example.yaml validates, and agrees with a channels file that has its channels and policy', () => {
    const example = loadOnCallFile(path.join(__dirname, '..', '..', 'config', 'oncall.example.yaml'), {});
    expect([...example.people.keys()]).toEqual(['alice', 'bob', 'carol']);
    expect(example.schedules.get('primary')!.layers.map((l) => l.kind)).toEqual(['rotation', 'rotation', 'ical']);
    expect(checkOnCallAgainstChannels(example, channelsFile())).toEqual([]);
    // The package's default channels file has one webhook: the example's channels are not in it, and it says so.
    const problems = checkOnCallAgainstChannels(example, loadChannelsFile(path.join(__dirname, '..', '..', 'config', 'channels.yaml'), {}));
    expect(problems).toContain('people.alice.contacts.chat.via: unknown channel "slack-ops" (not in the channels file)');
  });
});
