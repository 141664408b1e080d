/**
 * Three kinds of tests, one runner:
 * - unit (`*.spec.ts`): colocated, no servers, fakes allowed;
 * - integration (`*.int-spec.ts`): one library or service against the real Kafka, MongoDB-wire server and Redis;
 * - medium (`services/<name>/test/*.medium-spec.ts`): one service's Nest modules and HTTP edge on the real
 *   MongoDB-wire server and Redis, with the outbox captured instead of Kafka (libs/testing/src/medium-tier.ts);
 * - conformance (`test/conformance/*.conformance-spec.ts`): the MongoDB behaviour the code relies on, against MONGO_URL;
 * - e2e (`test/e2e/*.e2e-spec.ts`): the four built services as separate processes on the real infrastructure.
 * Integration and e2e need `scripts/infra/up` first; `npm test` does that.
 */
const swc = [
  '@swc/jest',
  {
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
    },
  },
];
const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: {
    '^@tt/contracts$': '<rootDir>/libs/contracts/src/index.ts',
    '^@tt/messaging$': '<rootDir>/libs/messaging/src/index.ts',
    '^@tt/observability$': '<rootDir>/libs/observability/src/index.ts',
    '^@tt/ops$': '<rootDir>/libs/ops/src/index.ts',
    '^@tt/platform$': '<rootDir>/libs/platform/src/index.ts',
    '^@tt/store$': '<rootDir>/libs/store/src/index.ts',
    '^@tt/testing$': '<rootDir>/libs/testing/src/index.ts',
  },
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/.infra/'],
};
module.exports = {
  // Integration and e2e tests wait on real servers; unit tests finish long before this.
  testTimeout: 300_000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{services,libs,deploy,scripts}/**/*.spec.ts'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/{services,libs}/**/*.int-spec.ts'] },
    { ...common, displayName: 'medium', testMatch: ['<rootDir>/services/*/test/**/*.medium-spec.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'] },
    { ...common, displayName: 'conformance', testMatch: ['<rootDir>/test/conformance/**/*.conformance-spec.ts'] },
  ],
};
