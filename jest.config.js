// @ts-check
/** Jest runs TypeScript and the ES-module-only dependencies (NestJS 12, aedes, kysely) through SWC as CommonJS. */
const swc = (syntax) => [
  '@swc/jest',
  {
    jsc: {
      parser: syntax === 'typescript' ? { syntax, decorators: true } : { syntax },
      // Aliases are rewritten to relative paths, so they resolve in global setup too, outside Jest's resolver.
      baseUrl: __dirname,
      paths: { '@fleet/*': ['libs/*/src/index.ts'], '@apps/*': ['apps/*'] },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2023',
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': swc('typescript'),
    '^.+\\.m?js$': swc('ecmascript'),
  },
  transformIgnorePatterns: [],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
};

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 30_000,
  // The integration suites spend most of their time waiting on servers and timers: two at once take two thirds of
  // the time of one at a time on a 2-core machine (487 s against 723 s for the whole run), with every suite isolated
  // in its own database, key prefix and topic prefix. Jest's default here would be one.
  maxWorkers: 2,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/apps/**/*.spec.ts', '<rootDir>/libs/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      // One embedded PostgreSQL for the run; every suite makes its own databases in it.
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
