import { randomBytes } from 'node:crypto';
import { Client, Pool } from 'pg';

const ADMIN = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' };

export type TestDatabase = { name: string; pool: (port?: number) => Pool; drop: () => Promise<void> };

/** A uniquely named database on the machine's PostgreSQL, dropped by drop(). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `flowport_runtime_${randomBytes(5).toString('hex')}`;
  const admin = new Client(ADMIN);
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const pools: Pool[] = [];
  return {
    name,
    pool: (port = 5432) => {
      const pool = new Pool({ host: '127.0.0.1', port, user: 'postgres', database: name, max: 4, connectionTimeoutMillis: 2000 });
      pool.on('error', () => undefined);
      pools.push(pool);
      return pool;
    },
    drop: async () => {
      await Promise.all(pools.map((p) => p.end().catch(() => undefined)));
      const c = new Client(ADMIN);
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
