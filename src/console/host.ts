// What the console's routes are handed: its own dependencies and the intake's pieces it shares.
import type { Logger } from '../logger';
import type { OnCallApi } from '../intake/oncall-api';
import type { SilenceApi } from '../intake/silences';
import type { ConsoleDeps } from './deps';

export interface ConsoleHost {
  deps: ConsoleDeps;
  log: Logger;
  /** The intake's stream writer (a resolve publishes through it). */
  writer: { readonly stream: string; add(entries: string[]): Promise<string[]> };
  /** Absent: the silence pages say silences are unavailable. */
  silences?: SilenceApi;
  /** Absent (no ONCALL_FILE): the on-call page says so. */
  oncall?: OnCallApi;
}
