// The result file of one run of `npm run bench` (bench/results/bench-<stamp>.json): what was measured on each server
// profile (types.ts) and the summary over them (summary.ts).
import type { Summary } from './summary';
import type { ServerRun } from './types';

/** The result file (schema 2): one run of `npm run bench`, one or more server profiles. */
export interface BenchResult {
  kind: 'bench';
  schema: 2;
  startedAt: string;
  finishedAt: string;
  /** the options as given */
  command: string;
  machine: Record<string, unknown>;
  /** node, Temporal SDK, Redis, OpenSearch (each server's own versions are in its run) */
  versions: Record<string, string>;
  settings: Record<string, unknown>;
  summary: Summary;
  servers: ServerRun[];
  failure: string | null;
}
