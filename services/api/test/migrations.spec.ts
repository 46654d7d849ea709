import { coreMigrations, createTestDatabase, type TestDatabase } from '@flowport/core';
import { Client } from 'pg';
import request from 'supertest';
import { allMigrations } from '../src/roles';
import { platformEnv } from './support/env';
import { buildApi, spawnPlatform, type PlatformProcess } from './support/processes';

jest.setTimeout(600_000);

// Every process runs every package's migrations at start-up. Started at once on a new database
// (compose starts the roles together), they take turns through a PostgreSQL advisory lock.
describe('processes started at once on a new database', () => {
  let db: TestDatabase;
  const procs: PlatformProcess[] = [];

  beforeAll(async () => {
    [db] = await Promise.all([createTestDatabase('migrations_race'), buildApi()]);
  }, 600_000);
  afterAll(async () => {
    await Promise.all(
      procs.map(async (p) => {
        if (p.child.exitCode === null && p.child.signalCode === null) {
          p.child.kill('SIGTERM');
          await Promise.race([p.exited, new Promise((r) => setTimeout(r, 8000).unref())]);
          if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
        }
      }),
    );
    await db?.drop();
  });

  it('all start, each migration is recorded once and one workspace "Default" exists', async () => {
    const env = platformEnv(db.url, { LOG_LEVEL: 'info' });
    const started = await Promise.allSettled(['registry', 'flows', 'runtime'].map((role) => spawnPlatform({ ...env, FLOWPORT_ROLES: role })));
    for (const s of started) if (s.status === 'fulfilled') procs.push(s.value);
    expect(started.map((s) => (s.status === 'rejected' ? String(s.reason) : 'started'))).toEqual(['started', 'started', 'started']);
    for (const p of procs) await request(p.url).get('/ready').expect(200);

    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    try {
      const recorded = (await pg.query<{ name: string; n: number }>('SELECT name, count(*)::int AS n FROM migrations GROUP BY name ORDER BY name')).rows;
      const expected = [...coreMigrations, ...allMigrations].map((m) => ({ name: m.name, n: 1 })).sort((a, b) => a.name.localeCompare(b.name));
      expect(recorded).toEqual(expected);
      expect((await pg.query(`SELECT count(*)::int AS n FROM workspaces WHERE name = 'Default'`)).rows).toEqual([{ n: 1 }]);
    } finally {
      await pg.end();
    }
  });
});
