import { mkdtempSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '../src/cli/main';

export const SDK_ROOT = resolve(__dirname, '..');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with captured output. */
export async function run(argv: string[], cwd: string, env: Record<string, string | undefined> = {}): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    cwd,
    env,
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
  });
  return { code, stdout, stderr };
}

export function tempDir(prefix: string): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), `flowport-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** What `npm install` would do for the SDK dependency, without network: link this checkout. */
export function linkSdk(connectorDir: string, sdkDir = SDK_ROOT): void {
  mkdirSync(join(connectorDir, 'node_modules', '@flowport'), { recursive: true });
  symlinkSync(sdkDir, join(connectorDir, 'node_modules', '@flowport', 'connector-sdk'), 'dir');
}

/** Scaffolds a connector named `name` inside `parent` with the SDK linked. */
export async function scaffold(parent: string, name: string): Promise<string> {
  const result = await run(['connector', 'init', name], parent);
  if (result.code !== 0) throw new Error(`init failed: ${result.stderr}`);
  const dir = join(parent, name);
  linkSdk(dir);
  return dir;
}
