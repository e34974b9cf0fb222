/** Jest runs TypeScript through SWC (no type-check here: `npm run typecheck` does that). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }] },
  // Each test file builds its own database through the real migrations.
  maxWorkers: process.env.JEST_MAX_WORKERS || 2,
  testTimeout: 30000,
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  // Says once, after the summary, which interop programs were missing (test/helpers/interop.ts).
  globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
};
