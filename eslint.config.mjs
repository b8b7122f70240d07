// ESLint: type-aware rules for all TypeScript, who may import whom (below), plus the workflow sandbox rule:
// workflow code must be deterministic, so it may not import Node built-ins or I/O libraries. Import cycles are
// dependency-cruiser's (.dependency-cruiser.mjs); `npm run lint` runs both.
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = builtinModules.flatMap((m) => [m, `node:${m}`]);
const ioLibraries = ['ioredis', '@opensearch-project/opensearch', '@temporalio/client', '@temporalio/worker',
  '@temporalio/activity', 'pino', 'yaml', 'undici', 'nodemailer'];

// Who may import whom. test/ is the tests' own: src/, tools/, bench/ and scripts/ never import it (what the tools
// share with the tests lives in tools/). The product (src/) imports none of the tools; tools/ imports only src/ and
// packages; bench/ never imports scripts/ (the entry points import bench/). Relative imports only: the code has no
// path aliases.
const reaches = (dirs) => `^(\\.\\./)+(${dirs.join('|')})(/|$)`;
const notTest = { regex: reaches(['test']), message: "test/ is the tests' own: move what this needs into tools/ (shared by test/, bench/ and scripts/)." };
const layers = {
  'src/**/*.ts': [notTest, { regex: reaches(['tools', 'bench', 'scripts']), message: 'The product (src/) never imports the tools.' }],
  'tools/**/*.ts': [notTest, { regex: reaches(['bench', 'scripts']), message: 'tools/ imports only src/ and packages: bench/ and scripts/ import it.' }],
  'bench/**/*.ts': [notTest, { regex: reaches(['scripts']), message: 'bench/ never imports scripts/: the entry points in scripts/ import bench/.' }],
  'scripts/**/*.ts': [notTest],
};

// One configuration: a process reads its environment in its loader only (src/config/, through the one schema,
// src/config/schema.ts); everything else in src/ is handed its settings. Tests, scripts, bench and tools may read it.
const configLoaders = ['src/config/service.ts', 'src/config/intake.ts', 'src/config/codec.ts', 'src/config/alertctl.ts', 'src/config/receiver.ts'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.stack/**', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  ...Object.entries(layers).map(([glob, patterns]) => ({
    files: [glob],
    rules: { 'no-restricted-imports': ['error', { patterns }] },
  })),
  {
    files: ['src/**/*.ts'],
    ignores: configLoaders,
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env',
        message: 'Only the processes\' configuration loaders (src/config/) read the environment: add the variable to src/config/schema.ts and take its value from the configuration.' }],
    },
  },
  {
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [...nodeBuiltins, ...ioLibraries].map((name) => ({
          name, message: 'Workflow code runs in a deterministic sandbox: no Node built-ins or I/O libraries. Do I/O in an activity.',
        })),
        patterns: [{ group: ['**/activities', '**/activities/**', '**/store', '**/channels/**', '**/ingestor', '**/service', '**/startup', '**/config', '**/logger'], allowTypeImports: true,
          message: 'Workflows may import activities and I/O modules only as types (import type).' }, ...layers['src/**/*.ts']],
      }],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
);
