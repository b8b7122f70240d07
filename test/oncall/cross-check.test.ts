// The channels file's on-call additions (notify, fallback, team) and the check of the two files against each other
// (src/oncall/cross-check.ts): every problem named with its path, never an address.
import { parseChannelsFile } from '../../src/channels/config';
import { ConfigError } from '../../src/errors';
import { checkOnCallAgainstChannels, onCallReferences } from '../../src/oncall/cross-check';
import { parseOnCallFile } from '../../src/oncall/file';
import { openOnCallDirectory } from '../../src/oncall/open';
import { ADDRESSES, CHANNELS_YAML, capturedLogger, channelsFile, COVER_ICS, FULL_YAML } from './fixtures';

const oncall = (text = FULL_YAML) => parseOnCallFile(text, '/etc/alerts/oncall.yaml', {}, { readFile: () => COVER_ICS, now: Date.parse('2026-02-01T00:00:00Z') });

/** The problems parseChannelsFile names (fails when it accepts the file). */
function channelProblems(text: string): string[] {
  try {
    parseChannelsFile(text, 'channels.yaml', {});
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error('the channels file was accepted');
}

const TWO = `channels:
  chat: { type: webhook, url: http://127.0.0.1:1/chat }
  mail: { type: email, host: smtp.example.com, from: a@example.com, to: [ops@example.com] }
`;

describe('the channels file: notify, fallback, team', () => {
  it('parses a level\'s PageTargets, a policy\'s fallback and a route\'s team', () => {
    const f = channelsFile();
    expect(f.escalations['payments-oncall']).toEqual({
      levels: [
        { after: 0, channels: [], notify: [{ schedule: 'primary' }] },
        { after: 600_000, channels: ['push'], notify: [{ person: 'carol' }, { team: 'payments' }] },
      ],
      repeat: 0,
      fallback: { channels: ['email-ops'] },
    });
    expect(f.routes[0]).toMatchObject({ team: 'payments' });
    expect(f.routes[0].escalation).toBeUndefined();
  });

  it('keeps a level of channels as it was (no notify)', () => {
    const f = parseChannelsFile(`${TWO}escalations:\n  p: { levels: [ { after: 0s, channels: [chat] } ] }\nroutes:\n  - escalation: p\n`, 'channels.yaml', {});
    expect(f.escalations.p.levels).toEqual([{ after: 0, channels: ['chat'] }]);
  });

  it('names every problem of the additions', () => {
    expect(channelProblems(`${TWO}escalations:
  p:
    levels:
      - after: 0s
      - { after: 1m, notify: [ { schedule: primary, person: alice } ] }
      - { after: 2m, notify: [ {} ] }
      - { after: 3m, notify: [ { rota: x } ] }
      - { after: 4m, notify: [ { person: "bad id" } ], channels: [] }
    fallback: { channels: [sms] }
routes:
  - match: { severity: [low] }
  - { team: payments, group_by: [alertname] }
  - channels: [chat]
`)).toEqual([
      'routes.0: a route needs `channels`, `escalation` or `team` (or several)',
      'routes.1: `group_by` and `team` on one route are not supported: a group notification has no per-alert escalation',
      'escalations.p.levels.0: a level needs `channels`, `notify` or both',
      'escalations.p.levels.1.notify.0: a target names one of `schedule`, `person` or `team`, not schedule and person',
      'escalations.p.levels.2.notify.0: a target names one of `schedule`, `person` or `team`',
      'escalations.p.levels.3.notify.0: Unrecognized key: "rota"',
      'escalations.p.levels.3.notify.0: a target names one of `schedule`, `person` or `team`',
      'escalations.p.levels.4.channels: Too small: expected array to have >=1 items',
      'escalations.p.levels.4.notify.0.person: IDs: letters, digits and . _ - only (at most 128)',
    ]);
    expect(channelProblems(`${TWO}escalations:
  p:
    levels: [ { after: 0s, notify: [ { team: t } ] } ]
    fallback: { channels: [sms] }
routes:
  - channels: [chat]
`)).toEqual(['escalations.p.fallback.channels.0: unknown channel "sms"']);
  });

  it('lists the paths that need an on-call file', () => {
    expect(onCallReferences(channelsFile())).toEqual(['escalations.payments-oncall.levels.0.notify', 'escalations.payments-oncall.levels.1.notify', 'routes.0.team']);
    expect(onCallReferences(parseChannelsFile(`${TWO}routes:\n  - channels: [chat]\n`, 'c.yaml', {}))).toEqual([]);
  });
});

describe('checkOnCallAgainstChannels', () => {
  it('finds nothing when the two agree', () => {
    expect(checkOnCallAgainstChannels(oncall(), channelsFile())).toEqual([]);
  });

  it('an ntfy contact is the person\'s topic: a URL there is named, not shown', () => {
    const channels = channelsFile(CHANNELS_YAML.replace('  pager: {', '  phone: { type: ntfy }\n  pager: {'));
    const contact = (address: string) => oncall(FULL_YAML.replace('push: { via: push, address: "https://ntfy.example/alice-7f3a" }', `push: { via: phone, address: "${address}" }`));
    expect(checkOnCallAgainstChannels(contact('alice-7f3a'), channels)).toEqual([]);
    expect(checkOnCallAgainstChannels(contact('https://ntfy.example/alice-7f3a'), channels))
      .toEqual(['people.alice.contacts.push.address: is not an ntfy topic (letters, digits, _ and -, at most 64) (channel "phone" is of type ntfy)']);
  });

  it('names every problem between the files, on both sides, never an address', () => {
    const file = oncall(FULL_YAML
      .replace('chat: { via: slack-ops, address: U024BE7LH }', 'chat: { via: pager, address: U024BE7LH }')
      .replace('mail: { via: email-ops, address: alice@example.com }', 'mail: { via: fax, address: alice@example.com }')
      .replace('push: { via: push, address: "https://ntfy.example/alice-7f3a" }', 'push: { via: push, address: "ftp://ntfy.example/alice-7f3a" }')
      .replace('mail: { via: email-ops, address: bob@example.com }', 'mail: { via: email-ops, address: bob-at-example.com }')
      .replace('chat: { via: slack-ops, address: U0G9QF9C6 }', 'chat: { via: slack-ops, address: "@bob" }')
      .replace('escalation: payments-oncall', 'escalation: payments-gone'));
    const channels = channelsFile(CHANNELS_YAML
      .replace('notify: [ { schedule: primary } ]', 'notify: [ { schedule: secondary } ]')
      .replace('notify: [ { person: carol }, { team: payments } ]', 'notify: [ { person: dave }, { team: billing } ]')
      .replace('  - channels: [email-ops]\n', '  - { team: billing, channels: [email-ops] }\n'));
    const problems = checkOnCallAgainstChannels(file, channels);
    expect(problems).toEqual([
      'people.alice.contacts.chat.via: channel "pager" is of type pagerduty, which cannot take a person\'s address (email, slack, webhook, ntfy, sms, voice can)',
      'people.alice.contacts.mail.via: unknown channel "fax" (not in the channels file)',
      'people.alice.contacts.push.address: is not an http(s) URL (channel "push" is of type webhook)',
      'people.bob.contacts.mail.address: is not an email address (channel "email-ops" is of type email)',
      'people.bob.contacts.chat.address: is not a Slack member ID (U… or W…, as in the member\'s profile) (channel "slack-ops" is of type slack)',
      'teams.payments.escalation: unknown escalation policy "payments-gone" (not in the channels file)',
      'channels file: escalations.payments-oncall.levels.0.notify.0.schedule: unknown schedule "secondary" (not under `schedules` in the on-call file)',
      'channels file: escalations.payments-oncall.levels.1.notify.0.person: unknown person "dave" (not under `people` in the on-call file)',
      'channels file: escalations.payments-oncall.levels.1.notify.1.team: unknown team "billing" (not under `teams` in the on-call file)',
      'channels file: routes.1.team: unknown team "billing" (not under `teams` in the on-call file)',
    ]);
    const all = problems.join('\n');
    for (const a of [...ADDRESSES, 'alice-7f3a', 'bob-at-example.com', '@bob']) expect(all).not.toContain(a);
  });

  it('refuses a route to a team without a policy, unless the route names one', () => {
    const file = oncall(FULL_YAML.replace('    escalation: payments-oncall\n', ''));
    expect(checkOnCallAgainstChannels(file, channelsFile())).toEqual([
      'channels file: routes.0.team: team "payments" has no `escalation` in the on-call file: give it one, or name `escalation` on the route',
    ]);
    expect(checkOnCallAgainstChannels(file, channelsFile(CHANNELS_YAML.replace('    team: payments\n', '    team: payments\n    escalation: payments-oncall\n')))).toEqual([]);
  });
});

describe('openOnCallDirectory (start-up)', () => {
  it('without ONCALL_FILE: none, unless the channels file pages people (then every such path is named)', () => {
    const { log } = capturedLogger();
    expect(openOnCallDirectory(undefined, parseChannelsFile(`${TWO}routes:\n  - channels: [chat]\n`, 'c.yaml', {}), 'c.yaml', {}, log)).toBeUndefined();
    let thrown: unknown;
    try {
      openOnCallDirectory(undefined, channelsFile(), '/etc/alerts/channels.yaml', {}, log);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).message).toMatch(/^The channels file \/etc\/alerts\/channels\.yaml pages people, which needs the on-call file \(ONCALL_FILE is not set\):/);
    expect((thrown as ConfigError).problems).toEqual([
      'escalations.payments-oncall.levels.0.notify: needs ONCALL_FILE',
      'escalations.payments-oncall.levels.1.notify: needs ONCALL_FILE',
      'routes.0.team: needs ONCALL_FILE',
    ]);
  });
});
