// The on-call file the on-call API tests share: three people whose contact addresses carry a marker (no answer may
// ever contain it), a weekly rotation in Europe/Berlin (hand-off Monday 09:00 local), a daily one in New York, and a
// weekday-daytime one (nobody at weekends). Written to a temporary directory; opened as the service opens it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadChannelsFile } from '../../src/channels/config';
import { createLogger } from '../../src/logger';
import { OnCallDirectory } from '../../src/oncall/directory';

/** Every contact address contains this: a response that contains it leaks an address. */
export const ADDRESS_MARKER = 'SECRET-ADDRESS';

export const ONCALL_YAML = `
people:
  alice:
    name: Alice Example
    time_zone: Europe/Berlin
    contacts:
      push: { via: default-webhook, address: "https://push.example/alice-${ADDRESS_MARKER}-1" }
  bob:
    name: Bob Builder
    contacts:
      push: { via: default-webhook, address: "https://push.example/bob-${ADDRESS_MARKER}-2" }
  carol:
    name: Carol Cover
    contacts:
      push: { via: default-webhook, address: "https://push.example/carol-${ADDRESS_MARKER}-3" }
schedules:
  primary:
    name: Primary
    time_zone: Europe/Berlin
    layers:
      - rotation: { participants: [alice, bob], start: "2026-01-05T09:00", shift: 1w }
  secondary:
    name: Secondary
    time_zone: America/New_York
    layers:
      - rotation: { participants: [carol, bob], start: "2026-01-01T00:00", shift: 1d }
  daytime:
    time_zone: UTC
    layers:
      - rotation:
          participants: [carol]
          start: "2026-01-05T00:00"
          shift: 1w
          restrictions: [ { days: [mon, tue, wed, thu, fri], from: "09:00", to: "17:00" } ]
teams:
  payments: { members: [alice, bob], schedules: [primary] }
`;

/** The default channels file (its `default-webhook` is every contact's channel). */
export const CHANNELS_FILE = path.join(__dirname, '..', '..', 'config', 'channels.yaml');

/** Writes the on-call file to a new temporary directory; returns its path. */
export function writeOnCallFile(text = ONCALL_YAML): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oncall-api-'));
  const file = path.join(dir, 'oncall.yaml');
  fs.writeFileSync(file, text);
  return file;
}

/** The directory of the fixture's file, checked against the default channels file, as the intake opens it. */
export function openDirectory(file = writeOnCallFile()): OnCallDirectory {
  const channels = loadChannelsFile(CHANNELS_FILE, {});
  return OnCallDirectory.open({ file, env: {}, channels, log: createLogger('oncall-api-test', 'silent') });
}

/** Epoch ms of an ISO instant. */
export const at = (iso: string): number => Date.parse(iso);
