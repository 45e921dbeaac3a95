/** Jest with SWC: fast TypeScript transforms, no type-checking (that is `npm run typecheck`). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // test/scale needs PostgreSQL, Redis and haproxy: `npm run test:scale` (jest.scale.config.js).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/scale/'],
  transform: { '^.+\\.(t|j)s$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  globalSetup: '<rootDir>/test/support/globalSetup.ts',
  globalTeardown: '<rootDir>/test/support/globalTeardown.ts',
  testTimeout: 30000,
};
