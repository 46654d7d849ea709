#!/usr/bin/env node
// `npm start`: builds the packages the platform needs (skipping those whose dist is newer than
// their sources), then runs services/api/dist/main.js under `node --no-node-snapshot`
// (isolated-vm needs it). Arguments pass through, e.g. `npm start -- --role=registry`;
// `--build-only` builds and exits (the Dockerfile uses it).
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..', '..');
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
// Build levels in dependency order; packages in one level build in parallel. Nx cannot order
// these while connector-sdk and sandbox name each other as dependencies.
const LEVELS = [
  [['@flowport/connector-sdk', 'connector-sdk'], ['@flowport/core', 'services/core']],
  [['@flowport/sandbox', 'services/sandbox']],
  [['@flowport/registry', 'registry'], ['@flowport/capabilities', 'services/capabilities']],
  [['@flowport/store', 'services/store'], ['@flowport/studio', 'services/studio']],
  [['@flowport/flows', 'services/flows']],
  [['@flowport/runtime', 'services/runtime']],
  [['@flowport/api', 'services/api']],
];

function newestMtime(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full));
    else if (entry.name.endsWith('.ts') || entry.name.endsWith('.json')) newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

function build(name, dir) {
  const abs = path.join(root, dir);
  const t0 = Date.now();
  // Incremental: a rebuild after a small change takes a fraction of a full build.
  const args = [tsc, '-p', path.join(abs, 'tsconfig.build.json'), '--incremental', '--tsBuildInfoFile', path.join(abs, 'dist', '.tsbuildinfo')];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: abs, stdio: 'inherit' });
    child.on('exit', (code) => {
      if (code !== 0) {
        process.stderr.write(`Flowport: building ${name} failed (exit ${code}); fix the errors above and run npm start again\n`);
        process.exit(code ?? 1);
      }
      // The runtime's recorder reads its schema file next to the compiled code.
      if (dir === 'services/runtime') fs.copyFileSync(path.join(abs, 'src', 'delivery', 'schema.sql'), path.join(abs, 'dist', 'delivery', 'schema.sql'));
      // tsc keeps the old mtime on unchanged outputs; touch so the next start sees it as built.
      const now = new Date();
      fs.utimesSync(path.join(abs, 'dist', 'index.js'), now, now);
      process.stdout.write(`  ${name.padEnd(26)} built in ${Date.now() - t0} ms\n`);
      resolve();
    });
  });
}

async function buildAll() {
  const started = Date.now();
  process.stdout.write('Flowport: building\n');
  let rebuiltUpstream = false;
  for (const level of LEVELS) {
    const pending = [];
    for (const [name, dir] of level) {
      const abs = path.join(root, dir);
      const output = path.join(abs, 'dist', 'index.js');
      const changed = !fs.existsSync(output) || newestMtime(path.join(abs, 'src')) > fs.statSync(output).mtimeMs;
      if (changed || rebuiltUpstream) pending.push(build(name, dir));
      else process.stdout.write(`  ${name.padEnd(26)} up to date\n`);
    }
    await Promise.all(pending);
    if (pending.length > 0) rebuiltUpstream = true;
  }
  process.stdout.write(`Flowport: build done in ${Date.now() - started} ms\n`);
}

buildAll().then(() => {
  // The container image builds at image build time and starts dist/main.js directly.
  if (process.argv.includes('--build-only')) return;
  const child = spawn(process.execPath, ['--no-node-snapshot', path.join(root, 'services', 'api', 'dist', 'main.js'), ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
});
