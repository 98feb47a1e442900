// @ts-check
import js from '@eslint/js';
import jest from 'eslint-plugin-jest';
import tseslint from 'typescript-eslint';

const APPS = ['ingest', 'alerting', 'jobs', 'reports', 'api', 'fleet', 'cli'];

const LIBS = ['config', 'contracts', 'database', 'messaging', 'platform', 'reports', 'simulator', 'telemetry'];

/** Imports that cross a boundary, with why they are refused. */
const noLibsByPath = {
  regex: '^(\\.\\./)+(libs/|(' + LIBS.join('|') + ')/src/)',
  message: 'Import another library through its alias (@fleet/<lib>), never by relative path.',
};
const noApps = {
  regex: '^@apps/|(^|/)apps/|^(\\.\\./)+(' + APPS.join('|') + ')/',
  message: 'Only apps/fleet (the all-in-one composition root) may import another app.',
};
const noAppsFromLibs = {
  regex: '^@apps/|(^|/)apps(/|$)',
  message: 'Libraries never import apps: dependencies point from apps to libs.',
};

export default tseslint.config(
  { ignores: ['dist/**', 'data/**', 'coverage/**', 'node_modules/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', '*.mjs', 'test/support/*.mjs', 'scripts/*.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      eqeqeq: ['error', 'always'],
      'no-console': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration through @fleet/config (loadConfig).' },
      ],
    },
  },
  {
    files: ['apps/**/*.ts'],
    ignores: ['apps/fleet/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noApps, noLibsByPath] }] },
  },
  {
    files: ['apps/fleet/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noLibsByPath] }] },
  },
  {
    files: ['libs/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noAppsFromLibs, noLibsByPath] }] },
  },
  {
    files: ['libs/contracts/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            noAppsFromLibs,
            noLibsByPath,
            {
              // An allow-list, so that no framework, driver or Node built-in creeps in with the next package: the
              // contracts stay importable by every app and by a browser.
              regex: '^(?!\\.|zod$|zod/|@fleet/)',
              message: 'libs/contracts holds plain schemas and types: it imports zod and its own files only.',
            },
            { group: ['@fleet/*'], message: 'libs/contracts depends on no other Fleet library.' },
          ],
        },
      ],
    },
  },
  {
    // The one place that reads the environment, and the test harness that decides which servers to use.
    files: ['libs/config/src/load-config.ts', 'test/support/**/*.ts', 'jest.config.js'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts'],
    ...jest.configs['flat/recommended'],
    rules: {
      ...jest.configs['flat/recommended'].rules,
      'jest/no-focused-tests': 'error',
      'jest/no-disabled-tests': 'error',
      'jest/expect-expect': ['error', { assertFunctionNames: ['expect', 'expect*'] }],
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    // Helpers that declare suites for others: they export, and their generated tests assert by failing.
    files: ['test/support/**/*.ts'],
    rules: { 'jest/no-export': 'off', 'jest/valid-title': 'off', 'jest/expect-expect': 'off' },
  },
  {
    // HTTP tests read untyped JSON answers and assert their shape: the assertions are the type check.
    files: ['test/api/**/*.ts', 'test/reports/**/*.ts', 'test/support/api.ts', 'test/support/reports-stack.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      globals: { module: 'writable', require: 'readonly', __dirname: 'readonly', process: 'readonly', URL: 'readonly' },
    },
  },
);
