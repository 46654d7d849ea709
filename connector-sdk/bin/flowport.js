#!/usr/bin/env node
'use strict';
// isolated-vm (used by `flowport connector test` through @flowport/sandbox) needs Node started with
// --no-node-snapshot; re-run ourselves with it rather than asking every developer to remember it.
if (!process.execArgv.includes('--no-node-snapshot') && !(process.env.NODE_OPTIONS || '').includes('--no-node-snapshot')) {
  const { spawnSync } = require('node:child_process');
  const child = spawnSync(process.execPath, ['--no-node-snapshot', ...process.execArgv, __filename, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(child.status === null ? 1 : child.status);
}
// The CLI is compiled to dist/ by `npm run build`; this file only starts it.
let cli;
try {
  cli = require('../dist/cli/main.js');
} catch (err) {
  if (err && err.code === 'MODULE_NOT_FOUND' && /dist[\\/]cli[\\/]main/.test(err.message)) {
    process.stderr.write('flowport: the CLI is not built; run `npm run build -w @flowport/connector-sdk`\n');
    process.exit(2);
  }
  throw err;
}
// `flowport ... | head` closes the pipe early; that is not an error worth a stack trace.
process.stdout.on('error', (err) => {
  if (err && err.code === 'EPIPE') process.exit(process.exitCode || 0);
  throw err;
});
cli.main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`${(err && err.stack) || err}\n`);
    process.exitCode = 1;
  },
);
