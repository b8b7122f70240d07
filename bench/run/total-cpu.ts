// An alert's (or an empty workflow's) whole CPU cost: every process of the stack that worked for it, once each.
import { round } from '../harness';

/** Not summed: `server` is `temporal` + `postgres` (summed instead via `server`), `bench` is the load generator. */
const PARTS_OF_SERVER = new Set(['temporal', 'postgres']);
const NOT_THE_STACK = new Set(['bench']);

/** CPU ms of all processes (server, OpenSearch, Redis, the worker and ingest or the floor process); null when none measured. */
export function allProcessesCpuMs(cpu: Record<string, number> | undefined): number | null {
  if (!cpu) return null;
  const hasServer = 'server' in cpu;
  const xs = Object.entries(cpu)
    .filter(([k]) => !NOT_THE_STACK.has(k) && !(hasServer && PARTS_OF_SERVER.has(k)))
    .map(([, v]) => v)
    .filter((v) => v !== undefined && Number.isFinite(v));
  return xs.length ? round(xs.reduce((a, b) => a + b, 0), 2) : null;
}
