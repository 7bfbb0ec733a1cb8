/** One jest run: unit tests (*.test.ts) and integration tests (*.int.test.ts) against the real stack the global setup starts. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.tsx?$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testSequencer: '<rootDir>/test/support/sequencer.cjs',
  testTimeout: 60_000,
  // A failed test can leave a worker or socket open; CI must still end, with the failure reported.
  forceExit: true,
  slowTestThreshold: 20,
};
