import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { REPO_ROOT } from './paths';

export type StartedPlatform = {
  url: string;
  ownerKey: string;
  stop: () => Promise<void>;
};

/** Server where the test database is created (same default as core's test helpers). */
const PG_SERVER = process.env.FLOWPORT_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

function databaseUrl(name: string): string {
  const url = new URL(PG_SERVER);
  url.pathname = `/${name}`;
  return url.toString();
}

async function admin<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: PG_SERVER });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Starts the platform the way `npm start` does (services/api/scripts/start.js: incremental build of
 * the backend packages, then dist/main.js under --no-node-snapshot), all roles in one process, on a
 * fresh database of the machine's PostgreSQL (faster than embedded initdb), any free port, with the
 * given studio build and connector HTTP allowed to reach loopback (fauxqs). The URL and the owner
 * key of workspace "Default" are read from the first-start output.
 */
export async function startPlatform(options: { studioDir: string; logFile: string; timeoutMs: number; env?: Record<string, string> }): Promise<StartedPlatform> {
  const dbName = `flowport_browser_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${dbName}`));
  const log = fs.createWriteStream(options.logFile);
  const child: ChildProcess = spawn(process.execPath, [path.join(REPO_ROOT, 'services', 'api', 'scripts', 'start.js')], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl(dbName),
      FLOWPORT_SECRET_KEYS: `v1:${randomBytes(32).toString('base64')}`,
      FLOWPORT_STUDIO_DIR: options.studioDir,
      // The SQS account's endpoint is fauxqs on 127.0.0.1: a private address the sandbox refuses
      // unless the operator allows private networks (local development and tests only).
      FLOWPORT_SANDBOX_ALLOW_PRIVATE_NETWORK: 'true',
      FLOWPORT_PRINT_BOOTSTRAP_KEY: 'true',
      RABBITMQ_URL: '',
      LOG_LEVEL: 'warn',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  let output = '';
  const onData = (d: Buffer) => {
    output += d.toString();
    log.write(d);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const dropDatabase = () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`)).then(() => undefined, () => undefined);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(killer);
    }
    log.end();
    await dropDatabase();
  };

  try {
    const ready = await new Promise<{ url: string; ownerKey: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the platform did not print its URL and owner key within ${options.timeoutMs} ms (see ${options.logFile})`)), options.timeoutMs);
      const check = () => {
        const url = /Flowport is ready at (http:\/\/\S+)/.exec(output)?.[1];
        const key = /owner API key of workspace "Default"[^\n]*\n\s*(fp_\S+)/.exec(output)?.[1];
        if (url && key) {
          clearTimeout(timer);
          resolve({ url, ownerKey: key });
        }
      };
      child.stdout!.on('data', check);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the platform exited (${code ?? signal}) before it was ready; its output:\n${output.split('\n').slice(-40).join('\n')}`));
      });
    });
    return { ...ready, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
