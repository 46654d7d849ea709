import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort, waitFor } from './net';

export type FauxqsServer = { endpoint: string; stop: () => Promise<void> };

/** Starts the fauxqs SQS wire-protocol server (in-memory) on a free loopback port. */
export async function startFauxqs(): Promise<FauxqsServer> {
  const port = await freePort();
  // fauxqs is ESM-only and exports no package.json, so locate its CLI from the repository root
  // (src/ under Jest or dist/ when built: either way three levels below it).
  const cli = join(__dirname, '..', '..', '..', 'node_modules', 'fauxqs', 'dist', 'cli.js');
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
      const res = await fetch(`${endpoint}/health`);
      return res.ok;
    }, 15_000, 100);
  } catch (error) {
    child.kill();
    throw error;
  }
  return {
    endpoint,
    stop: async () => {
      // A child ended by a signal has exitCode null; waiting for 'exit' again would hang.
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
