// Three projects: unit tests beside the code they test, e2e tests over HTTP against real
// PostgreSQL and Redis (test/e2e), and fault tests (test/faults, `npm run test:faults` only:
// minutes, not seconds). All compile TypeScript with swc: same decorators and metadata as
// the build, a fraction of ts-jest's time; `npm test` type-checks first.
const path = require('path');
const root = path.resolve(__dirname, '..');

const transform = {
  '^.+\\.ts$': [
    '@swc/jest',
    {
      swcrc: false,
      sourceMaps: 'inline',
      module: { type: 'commonjs' },
      jsc: {
        target: 'es2022',
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
        keepClassNames: true,
      },
    },
  ],
};
const moduleNameMapper = { '^@tsunagi/(.*)$': '<rootDir>/libs/$1' };

module.exports = {
  rootDir: root,
  testTimeout: 60000,
  projects: [
    {
      displayName: 'unit',
      rootDir: root,
      testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts'],
      transform,
      moduleNameMapper,
      testEnvironment: 'node',
    },
    {
      displayName: 'e2e',
      rootDir: root,
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      transform,
      moduleNameMapper,
      testEnvironment: 'node',
      globalSetup: '<rootDir>/test/global-setup.ts',
      globalTeardown: '<rootDir>/test/global-teardown.ts',
    },
    {
      // Fault tests: each file starts its own PostgreSQL and Redis and runs the built api and
      // worker as processes it can kill and restart (npm run test:faults builds them first).
      displayName: 'faults',
      rootDir: root,
      testMatch: ['<rootDir>/test/faults/**/*.fault-spec.ts'],
      transform,
      moduleNameMapper,
      testEnvironment: 'node',
    },
  ],
};
