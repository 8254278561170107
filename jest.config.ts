import type { Config } from 'jest';

// Every workspace's tests run from the root with one command (`npm test`).
// PGlite loads its WASM through dynamic import(), which Jest allows only with --experimental-vm-modules
// (set by the root `npm test` script).
// TEST_DATABASE_URL switches the suite from embedded PGlite to a real PostgreSQL server.
const project = (name: string): Config => ({
  displayName: name,
  rootDir: `<rootDir>/${name}`,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/../tsconfig.json' }] },
  moduleNameMapper: { '^@bank/common$': '<rootDir>/../common/src/index.ts' },
});

// `npm run test:cluster` (TEST_CLUSTER=1) runs the multi-instance tests in cluster/ instead: they need
// PostgreSQL, Redis, NATS JetStream and nginx, which `npm test` never does.
const config: Config = {
  projects: process.env.TEST_CLUSTER === '1' ? [project('cluster')] : [project('bank-core'), project('websocket')],
  testTimeout: 30_000,
};

export default config;
