import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

export type FauxqsServer = { endpoint: string; stop: () => Promise<void> };

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 15_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/**
 * Starts fauxqs (an in-memory SQS wire-protocol server) on a free loopback port, as
 * services/runtime's tests do; that helper is not exported from @flowport/runtime's root.
 */
export async function startFauxqs(): Promise<FauxqsServer> {
  const port = await freePort();
  // fauxqs is ESM-only and exports no package.json, so locate its CLI from the repository root.
  const cli = join(__dirname, '..', '..', '..', '..', 'node_modules', 'fauxqs', 'dist', 'cli.js');
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
    }, 15_000, 100);
  } catch (error) {
    child.kill();
    throw error;
  }
  return {
    endpoint,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
