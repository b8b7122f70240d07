// ONCALL_FILE and ONCALL_ICAL_SECRET[_FILE] through the one schema: who reads them, what they become, problems
// that name the variable and never the key.
import path from 'node:path';
import { loadIntakeSettings } from '../../src/config/intake';
import { loadConfig } from '../../src/config/service';
import { ConfigError } from '../../src/errors';
import { tempFiles } from './fixtures';

const INTAKE = { INTAKE_TOKEN: 'intake-token-0123456789', HOME: '/nonexistent' };
const KEY = 'k'.repeat(32);

function problemsOf(load: () => unknown): string[] {
  try {
    load();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error('the configuration was accepted');
}

describe('ONCALL_FILE', () => {
  it('is none by default, and an absolute path for the worker, the combined process and the intake', () => {
    expect(loadConfig('worker', { HOME: '/nonexistent' }).oncallFile).toBeUndefined();
    expect(loadConfig('worker', { ONCALL_FILE: 'config/oncall.yaml', HOME: '/nonexistent' }).oncallFile).toBe(path.resolve('config/oncall.yaml'));
    expect(loadConfig('combined', { ONCALL_FILE: '/etc/alerts/oncall.yaml', HOME: '/nonexistent' }).oncallFile).toBe('/etc/alerts/oncall.yaml');
    expect(loadIntakeSettings({ ...INTAKE, ONCALL_FILE: '/etc/alerts/oncall.yaml' }).cfg.oncallFile).toBe('/etc/alerts/oncall.yaml');
  });

  it('is not the ingest\'s (it pages nobody)', () => {
    expect(loadConfig('ingest', { ONCALL_FILE: '/etc/alerts/oncall.yaml', HOME: '/nonexistent' }).oncallFile).toBeUndefined();
  });
});

describe('ONCALL_ICAL_SECRET', () => {
  it('is the intake\'s calendar-feed key: none by default, from the variable or a file', () => {
    expect(loadIntakeSettings(INTAKE).intake.icalSecret).toBeUndefined();
    expect(loadIntakeSettings({ ...INTAKE, ONCALL_ICAL_SECRET: KEY }).intake.icalSecret?.toString()).toBe(KEY);
    const files = tempFiles({ key: `${KEY}\n` });
    try {
      expect(loadIntakeSettings({ ...INTAKE, ONCALL_ICAL_SECRET_FILE: files.path('key') }).intake.icalSecret?.toString()).toBe(KEY);
    } finally {
      files.cleanup();
    }
  });

  it('needs at least 32 characters, and is never shown', () => {
    const short = 'sesame-31-characters-0123456789';
    const problems = problemsOf(() => loadIntakeSettings({ ...INTAKE, ONCALL_ICAL_SECRET: short }));
    expect(problems).toEqual(['ONCALL_ICAL_SECRET: is 31 characters, at least 32 needed (e.g. openssl rand -base64 48)']);
    expect(problemsOf(() => loadIntakeSettings({ ...INTAKE, ONCALL_ICAL_SECRET: KEY, ONCALL_ICAL_SECRET_FILE: '/x' })))
      .toEqual(['ONCALL_ICAL_SECRET and ONCALL_ICAL_SECRET_FILE exclude each other: set one']);
  });
});
