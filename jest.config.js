/** Jest runs TypeScript through SWC (no type-check here: `npm run typecheck` does that). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  setupFiles: ['<rootDir>/test/helpers/quiet-runtime.ts'],
  globalSetup: '<rootDir>/test/helpers/global-setup.js',
  globalTeardown: '<rootDir>/test/helpers/global-teardown.js',
  testTimeout: 60_000,
  // Most suites wait on the local servers and their own processes: with two workers a 2-core machine stood idle 41%
  // of a run (sampled), with four the same suites ran in 414 s instead of 546 s. `--maxWorkers` overrides it.
  maxWorkers: 4,
  verbose: true,
  // the slowest test files, printed at the end of every run (what a warm scripts/test spends its minutes on)
  reporters: ['default', '<rootDir>/test/helpers/slowest-reporter.js'],
};
