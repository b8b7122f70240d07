// The benchmark's paths (what runs between the stream and the receiver) and server profiles (which Temporal server):
// their names and what each means. A leaf: the options, the run and the result types all start from it.

export const PATHS = ['temporal', 'temporal-nolifecycle', 'temporal-combined', 'temporal-grouped', 'temporal-encrypted', 'temporal-traced', 'baseline'] as const;
export type PathName = (typeof PATHS)[number];
/** Paths through the service (ingest → workflow): they differ in the worker's settings or the process layout. */
export const isTemporal = (p: PathName): boolean => p !== 'baseline';
/** What a Temporal path's processes get on top of the common service environment. */
export const PATH_ENV: Record<PathName, Record<string, string>> = { temporal: {}, 'temporal-nolifecycle': { ALERT_LIFECYCLE: 'off' }, 'temporal-combined': {}, 'temporal-grouped': {}, 'temporal-encrypted': {}, 'temporal-traced': {}, baseline: {} };
/** Paths that run the combined process (worker + ingest on one connection, eager starts). */
export const isCombined = (p: PathName): boolean => ['temporal-combined', 'temporal-grouped', 'temporal-encrypted', 'temporal-traced'].includes(p);
/** The path whose channels file groups (storm control): its webhook POSTs are group notifications. */
export const isGrouped = (p: PathName): boolean => p === 'temporal-grouped';

/**
 * The Temporal path whose figures the summary's headline uses (engineFloorRatio, serverCpuRatio, half-max p99,
 * backlog): the combined process when it ran (its ingest starts workflows eagerly, like the floor), else `temporal`.
 */
export function primaryPath(paths: PathName[]): PathName | undefined {
  return (['temporal-combined', 'temporal', 'temporal-nolifecycle'] as const).find((p) => paths.includes(p));
}

export const SERVER_PROFILES = ['dev', 'server'] as const;
export type ServerProfile = (typeof SERVER_PROFILES)[number];
/** The profile of the stack this process's environment points at (`scripts/stack env`). */
export const currentProfile = (): ServerProfile => (process.env.STACK_TEMPORAL === 'server' ? 'server' : 'dev');
