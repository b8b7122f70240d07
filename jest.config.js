/** Jest runs TypeScript through SWC (no type-check here: `npm run typecheck` does that). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  setupFiles: ['<rootDir>/test/helpers/quiet-runtime.ts'],
  globalSetup: '<rootDir>/test/helpers/global-setup.js',
  testTimeout: 60_000,
  // Integration suites share the local servers; two workers keep a 2-core machine busy without thrashing.
  maxWorkers: 2,
  verbose: true,
  // the slowest test files, printed at the end of every run (what a warm scripts/test spends its minutes on)
  reporters: ['default', '<rootDir>/test/helpers/slowest-reporter.js'],
};
