#!/usr/bin/env node
'use strict';
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
