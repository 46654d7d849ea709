import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './paths';

const STUDIO = path.join(REPO_ROOT, 'studio-ui');

function newest(p: string): number {
  const stat = fs.statSync(p);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let max = stat.mtimeMs;
  for (const entry of fs.readdirSync(p)) max = Math.max(max, newest(path.join(p, entry)));
  return max;
}

/**
 * Builds the studio (production, as `npm run build -w @flowport/studio-ui`) into `outDir` unless
 * that build is newer than the studio's sources. Returns the folder holding index.html.
 */
export async function buildStudio(outDir: string, log: (line: string) => void): Promise<string> {
  const browserDir = path.join(outDir, 'browser');
  const stamp = path.join(outDir, '.built');
  const sources = Math.max(...['src', 'public', 'angular.json', 'tsconfig.json', 'tsconfig.app.json', 'package.json'].map((p) => path.join(STUDIO, p)).filter((p) => fs.existsSync(p)).map(newest));
  if (fs.existsSync(stamp) && fs.existsSync(path.join(browserDir, 'index.html')) && fs.statSync(stamp).mtimeMs > sources) {
    log(`studio build is up to date (${browserDir})`);
    return browserDir;
  }
  const started = Date.now();
  const ng = path.join(REPO_ROOT, 'node_modules', '@angular', 'cli', 'bin', 'ng.js');
  let output = '';
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, [ng, 'build', '--output-path', outDir], {
      cwd: STUDIO,
      env: { ...process.env, NG_CLI_ANALYTICS: 'false', NODE_OPTIONS: '', CI: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', resolve);
  });
  if (code !== 0) throw new Error(`ng build of studio-ui failed (exit ${code}):\n${output.split('\n').slice(-30).join('\n')}`);
  fs.writeFileSync(stamp, new Date(started).toISOString());
  // The stamp's mtime must be the build start: a source saved during the build makes it stale.
  fs.utimesSync(stamp, new Date(started), new Date(started));
  log(`studio built in ${Date.now() - started} ms (${browserDir})`);
  return browserDir;
}
