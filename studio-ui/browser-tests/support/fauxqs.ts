import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { REPO_ROOT } from './paths';
import { freePort, waitFor } from './wait';

export type FauxqsServer = { endpoint: string; stop: () => Promise<void> };

/** Starts fauxqs (an in-memory server speaking the SQS wire protocol) on a free loopback port. */
export async function startFauxqs(): Promise<FauxqsServer> {
  const port = await freePort();
  // fauxqs is ESM-only and exports no package.json: run its CLI from the root node_modules.
  const cli = path.join(REPO_ROOT, 'node_modules', 'fauxqs', 'dist', 'cli.js');
  const child: ChildProcess = spawn(process.execPath, [cli], {
    env: { ...process.env, FAUXQS_PORT: String(port), FAUXQS_LOGGER: 'false', NODE_OPTIONS: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitFor('fauxqs to answer /health', async () => {
      if (child.exitCode !== null) throw new Error(`fauxqs exited with ${child.exitCode}: ${stderr}`);
      return (await fetch(`${endpoint}/health`)).ok;
    }, 30_000, 150);
  } catch (error) {
    child.kill();
    throw error;
  }
  return {
    endpoint,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
