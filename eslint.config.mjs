// ESLint: type-aware rules for all TypeScript, plus the workflow sandbox rule:
// workflow code must be deterministic, so it may not import Node built-ins or I/O libraries.
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = builtinModules.flatMap((m) => [m, `node:${m}`]);
const ioLibraries = ['ioredis', '@opensearch-project/opensearch', '@temporalio/client', '@temporalio/worker',
  '@temporalio/activity', 'pino', 'yaml', 'undici', 'nodemailer'];

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
  {
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [...nodeBuiltins, ...ioLibraries].map((name) => ({
          name, message: 'Workflow code runs in a deterministic sandbox: no Node built-ins or I/O libraries. Do I/O in an activity.',
        })),
        patterns: [{ group: ['**/activities', '**/activities/**', '**/store', '**/channels/**', '**/ingestor', '**/service', '**/startup', '**/config', '**/logger'], allowTypeImports: true,
          message: 'Workflows may import activities and I/O modules only as types (import type).' }],
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
