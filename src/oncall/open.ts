// Start-up of the on-call file (ONCALL_FILE) in a process that has the channels file: the directory, checked against
// the channels file, or none. A channels file that pages people (a level's `notify`, a route's `team`) without an
// on-call file is refused: such a level would find nobody every time.
import type { ChannelsFile } from '../channels/config';
import { ConfigError } from '../errors';
import type { Logger } from '../logger';
import type { FileEnv } from '../settings-file';
import { onCallReferences } from './cross-check';
import { OnCallDirectory } from './directory';

/**
 * The on-call directory of `file` (ONCALL_FILE), or undefined without one. Throws one ConfigError naming every
 * problem of the file and between it and the channels file (`channelsFile`: its path, for the messages).
 */
export function openOnCallDirectory(file: string | undefined, channels: ChannelsFile, channelsFile: string, env: FileEnv, log: Logger): OnCallDirectory | undefined {
  if (file) return OnCallDirectory.open({ file, env, channels, log });
  const needs = onCallReferences(channels);
  if (needs.length) {
    throw new ConfigError(`The channels file ${channelsFile} pages people, which needs the on-call file (ONCALL_FILE is not set):`, needs.map((p) => `${p}: needs ONCALL_FILE`));
  }
  return undefined;
}
