import { DataSource, MigrationExecutor, type DataSourceOptions, type Migration, type QueryRunner } from 'typeorm';

/**
 * Key of the PostgreSQL advisory lock that serialises migration runs between processes
 * (distinct from the seeding and bootstrap locks). Advisory locks are per database, so
 * platforms on different databases of one server do not wait for each other.
 */
export const MIGRATION_LOCK_KEY = 7_361_204_000;

export type MigrationRunOptions = {
  /** Default: the data source's migrationsTransactionMode, else 'each'. */
  transaction?: 'all' | 'none' | 'each';
  /** Called once when another process holds the lock and this one starts waiting for it. */
  onWait?: () => void;
};

/**
 * Runs the pending migrations of `dataSource` while holding a session-level
 * `pg_advisory_lock(MIGRATION_LOCK_KEY)`, on one dedicated connection that also runs the
 * migrations. TypeORM (1.x) takes no lock of its own: processes started at once on a new
 * database would both create the migrations table and both run the first migration. Here
 * the others wait, then find every migration recorded and run none. A process that dies
 * while holding the lock loses its session, and with it the lock.
 */
export async function runMigrationsExclusively(dataSource: DataSource, options: MigrationRunOptions = {}): Promise<Migration[]> {
  const runner = dataSource.createQueryRunner();
  let broken: unknown;
  try {
    await runner.connect();
    const [{ locked }] = (await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [MIGRATION_LOCK_KEY])) as Array<{ locked: boolean }>;
    if (!locked) {
      options.onWait?.();
      await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    }
    try {
      const executor = new MigrationExecutor(dataSource, runner);
      executor.transaction = options.transaction ?? dataSource.options.migrationsTransactionMode ?? 'each';
      return await executor.executePendingMigrations();
    } finally {
      try {
        await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
      } catch (error) {
        broken = error;
      }
    }
  } finally {
    await release(runner, broken);
  }
}

/**
 * A DataSource factory for `TypeOrmModule.forRootAsync({ dataSourceFactory })`: connects, then
 * runs the migrations under the lock (instead of TypeORM's unguarded `migrationsRun`).
 */
export async function initializeWithMigrations(options: DataSourceOptions, run: MigrationRunOptions = {}): Promise<DataSource> {
  const dataSource = new DataSource({ ...options, migrationsRun: false });
  await dataSource.initialize();
  try {
    await runMigrationsExclusively(dataSource, run);
  } catch (error) {
    await dataSource.destroy().catch(() => undefined);
    throw error;
  }
  return dataSource;
}

async function release(runner: QueryRunner, broken: unknown): Promise<void> {
  // A connection whose unlock failed may still hold the lock: have the pool discard it (closing
  // the session releases the lock) rather than hand it to the next query.
  const pg = runner as QueryRunner & { releasePostgresConnection?: (error?: unknown) => Promise<void> };
  if (broken !== undefined && pg.releasePostgresConnection) await pg.releasePostgresConnection(broken);
  else await runner.release();
}
