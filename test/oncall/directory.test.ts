// OnCallDirectory (src/oncall/directory.ts): lookups, each person's rules (own, default, default with steps skipped,
// every contact at once), and reloads of a real file in a temporary directory — on change, on SIGHUP, a bad file
// refused with the old one kept — each awaited through the directory's `reload` event, never a fixed sleep.
import { once } from 'node:events';
import vm from 'node:vm';
import { registry } from '../../src/metrics';
import { OnCallDirectory, type ReloadReason, type ReloadResult } from '../../src/oncall/directory';
import { ConfigError } from '../../src/errors';
import { ADDRESSES, capturedLogger, channelsFile, COVER_ICS, FULL_YAML, tempFiles } from './fixtures';

type Reload = ReloadResult & { reason: ReloadReason };

/** This process itself: jest hands a test a copy of `process`, whose listeners a real signal never reaches. */
const realProcess = vm.runInThisContext('process') as NodeJS.Process;

/** The next `reload` event (optionally: the next one for `reason`). */
async function nextReload(d: OnCallDirectory, reason?: ReloadReason): Promise<Reload> {
  for (;;) {
    const [r] = (await once(d, 'reload')) as [Reload];
    if (!reason || r.reason === reason) return r;
  }
}

function setUp(text = FULL_YAML, options: { debounceMs?: number } = {}) {
  const files = tempFiles({ 'oncall.yaml': text, 'calendars/cover.ics': COVER_ICS });
  const logger = capturedLogger();
  const directory = OnCallDirectory.open({
    file: files.path('oncall.yaml'), env: {}, channels: channelsFile(), log: logger.log, debounceMs: options.debounceMs ?? 100, refreshMs: 0, signals: realProcess,
    parse: { now: Date.parse('2026-02-01T00:00:00Z') }, // the calendar's event is within the window around it
  });
  return { files, directory, ...logger };
}

describe('OnCallDirectory: lookups and rules', () => {
  const { files, directory } = setUp(`${FULL_YAML}  solo:\n    members: [dave]\n`.replace('people:\n', `people:
  dave:
    contacts:
      push: { via: push, address: "https://push.example/dave" }
      text: { via: email-ops, address: dave@example.com }
`));
  afterAll(() => files.cleanup());

  it('finds people, schedules and teams of the file in force; undefined for others', () => {
    expect(directory.person('alice')?.name).toBe('Alice Example');
    expect(directory.schedule('primary')?.timeZone).toBe('Europe/Berlin');
    expect(directory.team('payments')?.members).toEqual(['alice', 'bob']);
    expect(directory.teamMembers('solo')).toEqual(['dave']);
    expect([directory.person('zed'), directory.schedule('zed'), directory.team('zed'), directory.teamMembers('zed'), directory.contactOf('zed', 'mail'), directory.contactOf('alice', 'fax')])
      .toEqual([undefined, undefined, undefined, undefined, undefined, undefined]);
    expect(directory.contactOf('alice', 'mail')).toEqual({ via: 'email-ops', address: 'alice@example.com' });
    expect(directory.current().version).toMatch(/^[0-9a-f]{12}$/);
  });

  it('rulesFor: a person\'s own rules, with the channel of each contact', () => {
    expect(directory.rulesFor('alice', 'high')).toEqual([
      { contact: 'chat', afterMs: 0, via: 'slack-ops' }, { contact: 'mail', afterMs: 120_000, via: 'email-ops' }, { contact: 'push', afterMs: 300_000, via: 'push' },
    ]);
    expect(directory.rulesFor('alice', 'low')).toEqual([{ contact: 'mail', afterMs: 0, via: 'email-ops' }]);
  });

  it('rulesFor: default_rules for a person without rules', () => {
    expect(directory.rulesFor('bob', 'high')).toEqual([{ contact: 'chat', afterMs: 0, via: 'slack-ops' }, { contact: 'mail', afterMs: 90_000, via: 'email-ops' }]);
  });

  it('rulesFor: default steps naming a contact the person lacks are skipped; the first left comes when the first default step would', () => {
    expect(directory.rulesFor('carol', 'high')).toEqual([{ contact: 'mail', afterMs: 0, via: 'email-ops' }]);
  });

  it('rulesFor: every contact at once when no default applies (none for the urgency, or nothing left)', () => {
    expect(directory.rulesFor('bob', 'low')).toEqual([{ contact: 'mail', afterMs: 0, via: 'email-ops' }, { contact: 'chat', afterMs: 0, via: 'slack-ops' }]);
    expect(directory.rulesFor('dave', 'high')).toEqual([{ contact: 'push', afterMs: 0, via: 'push' }, { contact: 'text', afterMs: 0, via: 'email-ops' }]);
  });

  it('rulesFor: undefined for a person not in the file', () => {
    expect(directory.rulesFor('zed', 'high')).toBeUndefined();
  });
});

describe('OnCallDirectory: start-up', () => {
  it('refuses a file that fails on its own or against the channels file, naming every problem', () => {
    const files = tempFiles({ 'oncall.yaml': FULL_YAML.replace('via: push,', 'via: pager,').replace('escalation: payments-oncall', 'escalation: nope') });
    const { log } = capturedLogger();
    const problemsOf = (channels?: ReturnType<typeof channelsFile>): string[] => {
      try {
        OnCallDirectory.open({ file: files.path('oncall.yaml'), env: {}, log, ...(channels ? { channels } : {}) });
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as ConfigError).problems;
      }
      throw new Error('the file was accepted');
    };
    try {
      expect(problemsOf()).toEqual([`schedules.primary.layers.2.ical.file: cannot read ${files.path('calendars/cover.ics')} (ENOENT)`]);
      files.write('calendars/cover.ics', COVER_ICS);
      expect(problemsOf(channelsFile())).toEqual([
        'people.alice.contacts.push.via: channel "pager" is of type pagerduty, which cannot take a person\'s address (email, slack, webhook, ntfy, sms, voice can)',
        'teams.payments.escalation: unknown escalation policy "nope" (not in the channels file)',
      ]);
    } finally {
      files.cleanup();
    }
  });

  it('logs the version in force and exports it as a metric', async () => {
    const { files, directory, lines } = setUp();
    try {
      const version = directory.current().version;
      expect(lines).toEqual([expect.objectContaining({ msg: 'on-call file in force', version, reason: 'start-up', people: 3, schedules: 1, teams: 1 })]);
      expect((await registry.getSingleMetricAsString('alert_oncall_file_info'))).toContain(`alert_oncall_file_info{version="${version}"} 1`);
    } finally {
      files.cleanup();
    }
  });
});

describe('OnCallDirectory: reloads', () => {
  it('reloads when the file changes: the new version is in force, logged and exported', async () => {
    const { files, directory, lines } = setUp();
    const stop = directory.watch();
    try {
      const before = directory.current().version;
      const reloaded = nextReload(directory, 'change');
      files.write('oncall.yaml', FULL_YAML.replace('name: Alice Example', 'name: Alice Changed'));
      const r = await reloaded;
      expect(r).toMatchObject({ result: 'applied', previous: before });
      expect(directory.person('alice')?.name).toBe('Alice Changed');
      expect(lines.at(-1)).toMatchObject({ msg: 'on-call file in force', version: r.version, previous: before, reason: 'change' });
      const metric = await registry.getSingleMetricAsString('alert_oncall_file_info');
      expect(metric).toContain(`version="${r.version}"} 1`);
      expect(metric).not.toContain(before);
    } finally {
      stop();
      files.cleanup();
    }
  });

  it('reloads when one of its iCal files changes', async () => {
    const { files, directory } = setUp();
    const stop = directory.watch();
    try {
      const layer0 = directory.schedule('primary')!.layers[2];
      expect(layer0.kind === 'ical' && layer0.events.map((e) => e.person)).toEqual(['carol']);
      const reloaded = nextReload(directory, 'change');
      files.write('calendars/cover.ics', COVER_ICS.replace('SUMMARY:carol', 'SUMMARY:bob'));
      expect(await reloaded).toMatchObject({ result: 'applied' });
      const layer = directory.schedule('primary')!.layers[2];
      expect(layer.kind === 'ical' && layer.events.map((e) => e.person)).toEqual(['bob']);
    } finally {
      stop();
      files.cleanup();
    }
  });

  it('reloads on SIGHUP', async () => {
    const { files, directory } = setUp(FULL_YAML, { debounceMs: 600_000 }); // the change alone would reload only after 10 min
    const stop = directory.watch();
    try {
      files.write('oncall.yaml', FULL_YAML.replace('name: Payments', 'name: Payments Team'));
      const reloaded = nextReload(directory, 'SIGHUP');
      realProcess.kill(realProcess.pid, 'SIGHUP');
      expect(await reloaded).toMatchObject({ result: 'applied' });
      expect(directory.team('payments')?.name).toBe('Payments Team');
      const again = nextReload(directory, 'SIGHUP');
      realProcess.kill(realProcess.pid, 'SIGHUP');
      expect(await again).toMatchObject({ result: 'unchanged' });
    } finally {
      stop();
      files.cleanup();
    }
    expect(realProcess.listenerCount('SIGHUP')).toBe(0); // stop() removed it: SIGHUP is the default again
  });

  it('refuses a file that fails validation: the old one stays, the problems are logged without an address', async () => {
    const { files, directory, lines, text } = setUp();
    const stop = directory.watch();
    try {
      const before = directory.current();
      const reloaded = nextReload(directory, 'change');
      files.write('oncall.yaml', FULL_YAML.replace('participants: [alice, bob]', 'participants: [alice, zed]').replace('via: push,', 'via: pager,'));
      const r = await reloaded;
      expect(r).toEqual({ result: 'refused', version: before.version, reason: 'change', problems: ['schedules.primary.layers.0.rotation.participants.1: unknown person "zed"'] });
      expect(directory.current()).toBe(before);
      expect(lines.at(-1)).toMatchObject({ level: 50, msg: 'on-call file refused: the version in force stays', version: before.version, problems: r.result === 'refused' ? r.problems : [] });
      // fixed the file's own problem: now the check against the channels file refuses it
      const second = nextReload(directory, 'change');
      files.write('oncall.yaml', FULL_YAML.replace('via: push,', 'via: pager,'));
      expect(await second).toMatchObject({ result: 'refused', problems: [expect.stringMatching(/^people\.alice\.contacts\.push\.via: channel "pager" is of type pagerduty/)] });
      expect(directory.current()).toBe(before);
      for (const a of ADDRESSES) expect(text()).not.toContain(a);
      // and a good file again is applied
      const third = nextReload(directory, 'change');
      files.write('oncall.yaml', FULL_YAML.replace('name: Bob Example', 'name: Robert'));
      expect(await third).toMatchObject({ result: 'applied', previous: before.version });
      expect(directory.person('bob')?.name).toBe('Robert');
    } finally {
      stop();
      files.cleanup();
    }
  });

  it('reloads every refreshMs (the iCal window moves with it), the same version as unchanged', async () => {
    const files = tempFiles({ 'oncall.yaml': FULL_YAML, 'calendars/cover.ics': COVER_ICS });
    const directory = OnCallDirectory.open({ file: files.path('oncall.yaml'), env: {}, log: capturedLogger().log, refreshMs: 20, signals: realProcess });
    const stop = directory.watch();
    try {
      expect(await nextReload(directory, 'refresh')).toEqual({ result: 'unchanged', version: directory.current().version, reason: 'refresh' });
    } finally {
      stop();
      files.cleanup();
    }
  });

  it('keeps the file in force when the file disappears', () => {
    const { files, directory } = setUp();
    try {
      const before = directory.current();
      files.cleanup();
      expect(directory.reload()).toMatchObject({ result: 'refused', problems: [expect.stringMatching(/^Cannot read on-call file .*: ENOENT \(ONCALL_FILE\)$/)] });
      expect(directory.current()).toBe(before);
    } finally {
      files.cleanup();
    }
  });
});
