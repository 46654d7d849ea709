import { spawnSync } from 'node:child_process';

/**
 * The runtime's sandbox (isolated-vm) needs `--no-node-snapshot`; a bench that starts the platform
 * re-runs itself with it (and any other flags) when started without, and exits with the child's code.
 */
export function ensureNodeFlags(flags: string[]): boolean {
  const missing = flags.filter((f) => !process.execArgv.includes(f) && !(process.env.NODE_OPTIONS ?? '').includes(f));
  if (missing.length === 0) return true;
  const child = spawnSync(process.execPath, [...process.execArgv, ...missing, ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exitCode = child.status ?? 1;
  return false;
}
