// The seconds-long escalation policy of the end-to-end tests: `chat` at once, `pager` after LEVEL1_MS,
// `manager` after LEVEL2_MS, each a webhook to its own path on the pipeline's receiver.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Pipeline } from './pipeline';

export const LEVEL1_MS = 4_000;
/** 8 s after level 1: room for an acknowledgement (alertctl, update or link) on a busy machine. */
export const LEVEL2_MS = 12_000;

/** Writes the channels file into a fresh temp dir and points the pipeline at it; returns the dir (remove it afterwards). */
export function useEscalationChannels(p: Pipeline): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'escalation-'));
  p.channelsFile = path.join(dir, 'channels.yaml');
  const hook = (name: string, urlPath: string) => [`  ${name}:`, '    type: webhook', `    url: ${p.receiver.url.replace('/alerts', urlPath)}`, '    timeout: 3s',
    '    retry: { initialInterval: 200ms, maximumInterval: 1s, maximumAttempts: 5 }'];
  fs.writeFileSync(p.channelsFile, [
    'channels:', ...hook('chat', '/chat'), ...hook('pager', '/pager'), ...hook('manager', '/manager'),
    'escalations:',
    '  standard:',
    '    levels:',
    '      - { after: 0s, channels: [chat] }',
    `      - { after: ${LEVEL1_MS}ms, channels: [pager] }`,
    `      - { after: ${LEVEL2_MS}ms, channels: [manager] }`,
    'routes:',
    '  - escalation: standard',
    '',
  ].join('\n'));
  return dir;
}
