import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const PACKAGE_DIR = path.resolve(__dirname, '..', '..');
const REPO_ROOT = path.resolve(PACKAGE_DIR, '..', '..');
const CLI = path.join(REPO_ROOT, 'connector-sdk', 'bin', 'flowport.js');

export type BuiltConnector = { manifest: { name: string; allowedHosts: string[]; [key: string]: unknown }; code: string; integrity: string };

let built: Promise<BuiltConnector> | undefined;

/**
 * Builds this connector with the real `flowport connector build`, as a third party would. It
 * builds a copy in tmp/ (gitignored; node_modules still resolve upwards) so parallel test files
 * never write the same dist/ at once.
 */
export function buildConnector(): Promise<BuiltConnector> {
  built ??= (async () => {
    if (!fs.existsSync(path.join(REPO_ROOT, 'connector-sdk', 'dist', 'cli', 'main.js'))) {
      await run(process.execPath, [path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(REPO_ROOT, 'connector-sdk', 'tsconfig.build.json')]);
    }
    const dir = path.join(PACKAGE_DIR, 'tmp', `build-${randomBytes(4).toString('hex')}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.cpSync(path.join(PACKAGE_DIR, 'src'), path.join(dir, 'src'), { recursive: true });
    fs.copyFileSync(path.join(PACKAGE_DIR, 'package.json'), path.join(dir, 'package.json'));
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
  })();
  return built;
}
