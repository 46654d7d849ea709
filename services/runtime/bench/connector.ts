import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { BuiltConnector } from '../test/support/platform';

const run = promisify(execFile);
// Compiled to services/runtime/dist/bench/bench/: test/support/platform's paths are relative to test/.
const RUNTIME_DIR = path.resolve(__dirname, '..', '..', '..');
const REPO_ROOT = path.resolve(RUNTIME_DIR, '..', '..');

/** test/fixtures/orders-queue built with the real `flowport connector build` (as the tests do). */
export async function buildOrdersConnector(name: string): Promise<BuiltConnector> {
  if (!fs.existsSync(path.join(REPO_ROOT, 'connector-sdk', 'dist', 'cli', 'main.js'))) {
    await run(process.execPath, [path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(REPO_ROOT, 'connector-sdk', 'tsconfig.build.json')]);
  }
  const dir = path.join(RUNTIME_DIR, 'tmp', `bench-build-${randomBytes(4).toString('hex')}`);
  fs.cpSync(path.join(RUNTIME_DIR, 'test', 'fixtures', 'orders-queue'), dir, { recursive: true });
  try {
    const index = path.join(dir, 'src', 'index.ts');
    fs.writeFileSync(index, fs.readFileSync(index, 'utf8').replace('__NAME__', name).replace('__VERSION__', '1.0.0'));
    await run(process.execPath, [path.join(REPO_ROOT, 'connector-sdk', 'bin', 'flowport.js'), 'connector', 'build'], { cwd: dir });
    return {
      manifest: JSON.parse(fs.readFileSync(path.join(dir, 'dist', 'manifest.json'), 'utf8')) as Record<string, unknown>,
      bundle: fs.readFileSync(path.join(dir, 'dist', 'connector.js'), 'utf8'),
      integrity: fs.readFileSync(path.join(dir, 'dist', 'integrity.txt'), 'utf8').trim(),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
