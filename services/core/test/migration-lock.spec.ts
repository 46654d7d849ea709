import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { DataSource, type MigrationInterface, type QueryRunner } from 'typeorm';
import { coreMigrations, createPlatformApp, createTestDatabase, generateSecretKeyEntry, loadConfig, parseSecretKeys, runMigrationsExclusively, SecretBox, type TestDatabase } from '../src';

jest.setTimeout(120_000);

// A migration that is slow (so concurrent starts overlap inside it) and not idempotent (a
// second run fails on CREATE TABLE and would add a second row).
class SlowProbe1764100000500 implements MigrationInterface {
  name = 'SlowProbe1764100000500';
  async up(q: QueryRunner): Promise<void> {
    await q.query('SELECT pg_sleep(0.4)');
    await q.query('CREATE TABLE migration_probe (ran_at timestamptz NOT NULL DEFAULT clock_timestamp())');
    await q.query('INSERT INTO migration_probe DEFAULT VALUES');
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE migration_probe');
  }
}

const MIGRATIONS = [...coreMigrations, SlowProbe1764100000500];

async function rows<T>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

const dataSource = (url: string, migrationsRun = false) =>
  new DataSource({ type: 'postgres', url, migrations: MIGRATIONS, migrationsRun, migrationsTransactionMode: 'each', extra: { max: 2 } });

describe('migrations at start-up, several processes on a new database', () => {
  const dbs: TestDatabase[] = [];
  const fresh = async (label: string) => {
    const db = await createTestDatabase(label);
    dbs.push(db);
    return db;
  };
  afterAll(async () => {
    await Promise.all(dbs.map((db) => db.drop()));
  });

  it('four platform apps started at once all start, and each migration runs once', async () => {
    const db = await fresh('migration_lock');
    const config = loadConfig({ FLOWPORT_HOME: path.join(os.tmpdir(), `flowport-test-${db.name}`), LOG_LEVEL: 'error' }, []);
    const secretBox = new SecretBox(parseSecretKeys(generateSecretKeyEntry('v1')));
    const starting = Array.from({ length: 4 }, () =>
      createPlatformApp({ config, databaseUrl: db.url, secretBox, migrations: MIGRATIONS, imports: [], poolSize: 3, logger: ['error', 'fatal'] }).then(async (app) => {
        await app.init();
        return app;
      }),
    );
    const started = await Promise.allSettled(starting);
    const apps = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    try {
      expect(started.map((s) => (s.status === 'rejected' ? String(s.reason) : 'started'))).toEqual(['started', 'started', 'started', 'started']);
      const recorded = await rows<{ name: string; n: number }>(db.url, 'SELECT name, count(*)::int AS n FROM migrations GROUP BY name ORDER BY name');
      expect(recorded).toEqual(MIGRATIONS.map((m) => ({ name: m.name, n: 1 })).sort((a, b) => a.name.localeCompare(b.name)));
      expect(await rows(db.url, 'SELECT count(*)::int AS n FROM migration_probe')).toEqual([{ n: 1 }]);
    } finally {
      await Promise.all(apps.map((app) => app.close()));
    }
  });

  it('a data source that finds the lock taken waits for it, then finds nothing pending', async () => {
    const db = await fresh('migration_wait');
    const sources = [dataSource(db.url), dataSource(db.url), dataSource(db.url)];
    await Promise.all(sources.map((s) => s.initialize()));
    try {
      let waited = 0;
      const ran = await Promise.all(sources.map((s) => runMigrationsExclusively(s, { onWait: () => waited++ })));
      // One ran every migration; the others waited (at least one saw the lock held) and ran none.
      expect(ran.map((r) => r.length).sort()).toEqual([0, 0, MIGRATIONS.length]);
      expect(waited).toBeGreaterThanOrEqual(1);
      expect(await rows(db.url, 'SELECT count(*)::int AS n FROM migration_probe')).toEqual([{ n: 1 }]);
      // The lock is released: no session on this database holds it any more.
      expect(await rows(db.url, `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' AND d.datname = current_database()`)).toEqual([{ n: 0 }]);
    } finally {
      await Promise.all(sources.map((s) => s.destroy()));
    }
  });

  it('without the lock, TypeORM alone lets concurrent starts collide (what the lock prevents)', async () => {
    const db = await fresh('migration_race');
    const sources = [dataSource(db.url, true), dataSource(db.url, true), dataSource(db.url, true)];
    const started = await Promise.allSettled(sources.map((s) => s.initialize()));
    await Promise.all(sources.filter((s) => s.isInitialized).map((s) => s.destroy()));
    expect(started.filter((s) => s.status === 'rejected').length).toBeGreaterThanOrEqual(1);
  });
});
