import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
// src/ (under Jest) or dist/ (built): either way three levels below the repository.
const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const CLI = path.join(REPO_ROOT, 'connector-sdk', 'bin', 'flowport.js');

export type BuiltConnector = { manifest: { name: string; allowedHosts: string[]; [key: string]: unknown }; code: string; integrity: string };

const built = new Map<string, Promise<BuiltConnector>>();

/**
 * Builds the connector package in `packageDir` with the real `flowport connector build`, as a
 * third party would; once per directory (per test file, as Jest gives each file its own modules).
 * It builds a copy in the package's tmp/ (gitignored; node_modules still resolve upwards) so
 * parallel test files never write the same dist/ at once.
 */
export function buildConnectorPackage(packageDir: string): Promise<BuiltConnector> {
  const packageRoot = path.resolve(packageDir);
  let pending = built.get(packageRoot);
  if (!pending) {
    pending = build(packageRoot);
    built.set(packageRoot, pending);
  }
  return pending;
}

async function build(packageDir: string): Promise<BuiltConnector> {
  if (!fs.existsSync(path.join(REPO_ROOT, 'connector-sdk', 'dist', 'cli', 'main.js'))) {
    await run(process.execPath, [path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(REPO_ROOT, 'connector-sdk', 'tsconfig.build.json')]);
  }
  const dir = path.join(packageDir, 'tmp', `build-${randomBytes(4).toString('hex')}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.cpSync(path.join(packageDir, 'src'), path.join(dir, 'src'), { recursive: true });
  fs.copyFileSync(path.join(packageDir, 'package.json'), path.join(dir, 'package.json'));
  try {
    await run(process.execPath, [CLI, 'connector', 'build'], { cwd: dir, env: { ...process.env, NODE_OPTIONS: '' } });
    return {
      manifest: JSON.parse(fs.readFileSync(path.join(dir, 'dist', 'manifest.json'), 'utf8')) as BuiltConnector['manifest'],
      code: fs.readFileSync(path.join(dir, 'dist', 'connector.js'), 'utf8'),
      integrity: fs.readFileSync(path.join(dir, 'dist', 'integrity.txt'), 'utf8').trim(),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
