import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { ConnectorManifest } from '@flowport/connector-sdk';

const run = promisify(execFile);
// Same depth from src/testing and dist/testing.
const REGISTRY_DIR = path.resolve(__dirname, '..', '..');
const REPO_ROOT = path.resolve(REGISTRY_DIR, '..');
const FIXTURE = path.join(REGISTRY_DIR, 'fixtures', 'demo-queue');
const CLI = path.join(REPO_ROOT, 'connector-sdk', 'bin', 'flowport.js');

export interface BuiltDemoConnector {
  manifest: ConnectorManifest;
  bundle: string;
  integrity: string;
}

const cache = new Map<string, Promise<BuiltDemoConnector>>();

/**
 * Builds registry/fixtures/demo-queue with the real `flowport connector build` under the given
 * name and version (tests publish several versions). Builds the SDK's CLI first when its dist
 * is missing. For tests only.
 */
export function buildDemoConnector(options: { name?: string; version: string; displayName?: string }): Promise<BuiltDemoConnector> {
  const name = options.name ?? 'demo-queue';
  const displayName = options.displayName ?? 'Demo Queue';
  const key = `${name}@${options.version}:${displayName}`;
  let built = cache.get(key);
  if (!built) {
    built = build(name, options.version, displayName);
    cache.set(key, built);
  }
  return built;
}

async function build(name: string, version: string, displayName: string): Promise<BuiltDemoConnector> {
  await ensureCli();
  // Inside the repository so the copy resolves @flowport/connector-sdk from its node_modules.
  const dir = path.join(REGISTRY_DIR, 'tmp', `build-${randomBytes(4).toString('hex')}`);
  fs.cpSync(FIXTURE, dir, { recursive: true });
  try {
    const index = path.join(dir, 'src', 'index.ts');
    fs.writeFileSync(index, fs.readFileSync(index, 'utf8').replace('__NAME__', name).replace('__VERSION__', version).replace('__DISPLAY__', displayName));
    await run(process.execPath, [CLI, 'connector', 'build'], { cwd: dir });
    return {
      manifest: JSON.parse(fs.readFileSync(path.join(dir, 'dist', 'manifest.json'), 'utf8')) as ConnectorManifest,
      bundle: fs.readFileSync(path.join(dir, 'dist', 'connector.js'), 'utf8'),
      integrity: fs.readFileSync(path.join(dir, 'dist', 'integrity.txt'), 'utf8').trim(),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

let cliReady: Promise<void> | undefined;
function ensureCli(): Promise<void> {
  cliReady ??= (async () => {
    if (fs.existsSync(path.join(REPO_ROOT, 'connector-sdk', 'dist', 'cli', 'main.js'))) return;
    await run(process.execPath, [path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(REPO_ROOT, 'connector-sdk', 'tsconfig.build.json')]);
  })();
  return cliReady;
}
