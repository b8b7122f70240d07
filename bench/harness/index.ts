// Shared machinery of the chaos run (scripts/chaos.ts) and the benchmark (scripts/bench.ts), one concern a
// module: base (paths, command line, clients), alerts (publisher), receiver, processes (worker, ingest),
// stack (pid files, versions), sampler (/proc), results. Everything stays on 127.0.0.1. Compiled by
// `npm run build` because scripts/*.ts import it (dist/bench/harness/).
export * from './base';
export * from './alerts';
export * from './receiver';
export * from './processes';
export * from './stack';
export * from './sampler';
export * from './results';
