// What the on-call tests share: a channels file whose channels take recipients, a full on-call file, files in a
// temporary directory, and a logger whose lines the test reads.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { parseChannelsFile, type ChannelsFile } from '../../src/channels/config';
import type { Logger } from '../../src/logger';

/** A channel of each type; a policy paging the primary schedule and the payments team. */
export const CHANNELS_YAML = `channels:
  slack-ops: { type: slack, url: https://hooks.slack.example/T0/B0/x }
  email-ops: { type: email, host: smtp.example.com, from: alerts@example.com, to: [ops@example.com] }
  push: { type: webhook, url: https://push.example/ops }
  pager: { type: pagerduty, routingKey: R0123456789 }
escalations:
  payments-oncall:
    levels:
      - after: 0s
        notify: [ { schedule: primary } ]
      - after: 10m
        notify: [ { person: carol }, { team: payments } ]
        channels: [push]
    fallback: { channels: [email-ops] }
routes:
  - match: { labels: { team: payments } }
    team: payments
  - channels: [email-ops]
`;

export const channelsFile = (text = CHANNELS_YAML): ChannelsFile => parseChannelsFile(text, 'channels.yaml', {});

/** Addresses of the full file below: none may appear in a message or a log line. */
export const ADDRESSES = ['U024BE7LH', 'alice@example.com', 'https://ntfy.example/alice-7f3a', 'bob@example.com', 'U0G9QF9C6', 'carol@example.com'];

export const FULL_YAML = `people:
  alice:
    name: Alice Example
    time_zone: Europe/Berlin
    contacts:
      chat: { via: slack-ops, address: U024BE7LH }
      mail: { via: email-ops, address: alice@example.com }
      push: { via: push, address: "https://ntfy.example/alice-7f3a" }
    rules:
      high: [ { contact: chat }, { contact: mail, after: 2m }, { contact: push, after: 5m } ]
      low:  [ { contact: mail } ]
  bob:
    name: Bob Example
    time_zone: America/New_York
    contacts:
      mail: { via: email-ops, address: bob@example.com }
      chat: { via: slack-ops, address: U0G9QF9C6 }
  carol:
    contacts:
      mail: { via: email-ops, address: carol@example.com }
default_rules:
  high: [ { contact: chat }, { contact: mail, after: 90s } ]
schedules:
  primary:
    name: Primary
    time_zone: Europe/Berlin
    layers:
      - rotation:
          participants: [alice, bob]
          start: "2026-01-05T09:00"
          shift: 1w
          restrictions:
            - { days: [mon, tue, wed, thu, fri], from: "09:00", to: "17:00" }
      - rotation: { participants: [carol], start: "2026-01-05T17:00", shift: 12h }
      - ical: { file: calendars/cover.ics }
teams:
  payments:
    name: Payments
    members: [alice, bob]
    schedules: [primary]
    escalation: payments-oncall
`;

export const COVER_ICS = `BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:cover-1@example.com
DTSTAMP:20260101T000000Z
DTSTART:20260301T080000Z
DTEND:20260302T080000Z
SUMMARY:carol
END:VEVENT
END:VCALENDAR
`;

/** A temporary directory (removed by the returned cleanup) holding `files` (relative path → text). */
export function tempFiles(files: Record<string, string>): { dir: string; path: (name: string) => string; write: (name: string, text: string) => void; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oncall-'));
  const write = (name: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  };
  for (const [name, text] of Object.entries(files)) write(name, text);
  return { dir, path: (name) => path.join(dir, name), write, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** A logger whose lines (parsed JSON) the test reads. */
export function capturedLogger(): { log: Logger; lines: Record<string, unknown>[]; text: () => string } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  const log: Logger = pino({ level: 'debug' }, stream);
  return { log, lines, text: () => lines.map((l) => JSON.stringify(l)).join('\n') };
}
