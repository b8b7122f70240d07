// alertctl oncall's settings (INTAKE_URL, INTAKE_TOKEN[_FILE], ONCALL_ICAL_SECRET[_FILE]) and its time flags.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { instantFlag } from '../../src/alertctl/oncall';
import { UsageError } from '../../src/alertctl/usage-error';
import { alertctlIntake } from '../../src/config/alertctl';
import { ConfigError } from '../../src/errors';

const SECRET = 'ical-secret-0123456789abcdef0123456789abcdef';

describe('alertctlIntake', () => {
  it('defaults to the local intake, no token, no feed key', () => {
    expect(alertctlIntake({})).toEqual({ url: 'http://127.0.0.1:8088' });
  });

  it('sends the first of several tokens; reads the token and the key from files', () => {
    expect(alertctlIntake({ INTAKE_URL: 'https://intake.example.com', INTAKE_TOKEN: 'first-token-0123456789, second-token-0123456789', ONCALL_ICAL_SECRET: SECRET }))
      .toEqual({ url: 'https://intake.example.com', token: 'first-token-0123456789', icalSecret: Buffer.from(SECRET) });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alertctl-settings-'));
    fs.writeFileSync(path.join(dir, 'token'), '\nfile-token-0123456789\nother-token-0123456789\n');
    fs.writeFileSync(path.join(dir, 'key'), `${SECRET}\n`);
    expect(alertctlIntake({ INTAKE_TOKEN_FILE: path.join(dir, 'token'), ONCALL_ICAL_SECRET_FILE: path.join(dir, 'key') }))
      .toEqual({ url: 'http://127.0.0.1:8088', token: 'file-token-0123456789', icalSecret: Buffer.from(SECRET) });
  });

  it('names every bad setting at once, never a secret', () => {
    const error = (() => {
      try {
        alertctlIntake({ INTAKE_URL: 'ftp://intake', ONCALL_ICAL_SECRET: 'short-key', INTAKE_TOKEN: 'a-token-0123456789', INTAKE_TOKEN_FILE: '/nonexistent' });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toEqual([
      expect.stringMatching(/^INTAKE_URL="ftp:\/\/intake": /),
      'INTAKE_TOKEN and INTAKE_TOKEN_FILE exclude each other: set one',
      'ONCALL_ICAL_SECRET: is 9 characters, at least 32 needed (e.g. openssl rand -base64 48)',
    ]);
    expect(problems.join('\n')).not.toMatch(/short-key|a-token/);
  });
});

describe('instantFlag', () => {
  const now = Date.parse('2030-01-31T12:00:00Z');
  it.each([
    ['2030-02-01T10:00:00Z', '2030-02-01T10:00:00.000Z'],
    ['2030-02-01T10:00:00+01:00', '2030-02-01T09:00:00.000Z'],
    ['2030-02-01T10:00Z', '2030-02-01T10:00:00.000Z'],
    ['now', '2030-01-31T12:00:00.000Z'],
    ['+2h', '2030-01-31T14:00:00.000Z'],
    ['-30m', '2030-01-31T11:30:00.000Z'],
    ['+7d', '2030-02-07T12:00:00.000Z'],
  ])('%s → %s', (raw, expected) => expect(instantFlag('at', raw, now)).toBe(expected));

  it.each(['2030-02-01T10:00:00', 'tomorrow', '+2', '+2 hours', '2030-02-31T10:00:00Z', ''])('refuses %j with a usage error', (raw) => {
    expect(() => instantFlag('at', raw, now)).toThrow(UsageError);
    expect(() => instantFlag('at', raw, now)).toThrow(/^--at .*: expected an ISO 8601 instant with a zone/);
  });
});
