/** Jest without the shared server stack: for unit tests and tests that bring their own peers (HTTP receiver, MLLP). */
const base = require('./jest.config.cjs');

module.exports = { ...base, globalSetup: undefined, globalTeardown: undefined };
