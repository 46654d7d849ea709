// Browser tests: playwright-core drives Debian's Chromium against the real platform (services/api
// started as a child process on a fresh PostgreSQL database) and a fauxqs SQS server.
// Node environment (not jsdom). The preset reads displayName from a package.json: this folder is
// not a workspace package, so studio-ui's is passed and the values are overridden below.
const path = require('node:path');

module.exports = require('../../jest.preset.js')(path.resolve(__dirname, '..'), {
  displayName: '@flowport/browser-tests',
  rootDir: __dirname,
  testMatch: ['<rootDir>/scenarios/**/*.spec.ts'],
  globalSetup: '<rootDir>/support/global-setup.ts',
  globalTeardown: '<rootDir>/support/global-teardown.ts',
  // A scenario drives a real browser through several pages on a busy machine.
  testTimeout: 300_000,
});
