import { randomBytes } from 'node:crypto';
import { Client, Pool } from 'pg';

const ADMIN = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' };

export type TestDatabase = { name: string; pool: Pool; drop: () => Promise<void> };

/** A uniquely named database on the machine's PostgreSQL, dropped by drop(). */
export async function createTestDatabase(prefix: string): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const admin = new Client(ADMIN);
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const pool = new Pool({ ...ADMIN, database: name, max: 4 });
  pool.on('error', () => undefined);
  return {
    name,
    pool,
    drop: async () => {
      await pool.end().catch(() => undefined);
      const c = new Client(ADMIN);
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
