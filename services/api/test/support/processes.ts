import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';

const API_DIR = path.resolve(__dirname, '..', '..');
const MAIN = path.join(API_DIR, 'dist', 'main.js');

/** Compiles services/api into dist/ (incremental) so child processes run the code under test. */
export async function buildApi(): Promise<void> {
  const tsc = path.resolve(API_DIR, '..', '..', 'node_modules', 'typescript', 'bin', 'tsc');
  await promisify(execFile)(process.execPath, [tsc, '-p', path.join(API_DIR, 'tsconfig.build.json'), '--incremental', '--tsBuildInfoFile', path.join(API_DIR, 'dist', '.tsbuildinfo')]);
}

export type PlatformProcess = { child: ChildProcess; url: string; output: () => string; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }> };

/** Starts `node dist/main.js` (what `npm start` and the container run) and waits for "ready at". */
export async function spawnPlatform(env: Record<string, string>, timeoutMs = 180_000): Promise<PlatformProcess> {
  const child = spawn(process.execPath, ['--no-node-snapshot', MAIN], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, at: Date.now() })));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`platform did not start within ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const onData = () => {
      const match = /ready at (http:\/\/[^\s]+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout!.on('data', onData);
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`platform exited with ${code} before it was ready:\n${out}`));
    });
  });
  return { child, url, output: () => out, exited };
}
