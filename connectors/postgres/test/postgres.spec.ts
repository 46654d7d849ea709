import { SandboxPool, type CallCapabilities, type GuestOp } from '@flowport/sandbox';
import { buildConnectorPackage, type BuiltConnector, createTestDatabase, type TestDatabase } from '@flowport/testing';
import { join } from 'node:path';
// The host side of ctx.sql, as the runtime and `flowport connector test` grant it.
import { PgSqlCapabilities } from '@flowport/capabilities';
import { PgStore } from './support/pg-store';

jest.setTimeout(30_000);

describe('postgres connector in the sandbox, sql capability on the machine PostgreSQL', () => {
  let db: TestDatabase;
  let built: BuiltConnector;
  let sql: PgSqlCapabilities;
  let pool: SandboxPool;
  let account: Record<string, unknown>;

  beforeAll(async () => {
    [db, built] = await Promise.all([createTestDatabase('flowport_pgconn'), buildConnectorPackage(join(__dirname, '..'))]);
    // The database is on 127.0.0.1: granted explicitly, as an operator would for a private database.
    sql = new PgSqlCapabilities({ allowPrivateNetwork: true });
    pool = new SandboxPool({ timeoutMs: 10_000 });
    account = { host: '127.0.0.1', port: 5432, database: db.name, user: 'postgres', password: '', ssl: 'disable' };
    await PgStore.createTable(db.pool);
    await db.pool.query(`CREATE TABLE customers (id serial PRIMARY KEY, email text UNIQUE NOT NULL, name text, tier text NOT NULL DEFAULT 'basic', profile jsonb)`);
    await db.pool.query(`CREATE TABLE orders (id serial PRIMARY KEY, status text NOT NULL, total numeric, updated_at timestamptz NOT NULL DEFAULT now())`);
  });
  afterAll(async () => {
    await pool?.close();
    await sql?.close();
    await db?.drop();
  });

  async function call(op: GuestOp, target: string, input: Record<string, unknown>, capabilities: CallCapabilities = {}) {
    const result = await pool.call({
      bundle: { code: built.code, integrity: built.integrity },
      op,
      target,
      input: { account, ...input },
      capabilities: { sql: sql.forAccount(account), ...capabilities },
    });
    if (!result.ok) throw new Error(`${result.error.name}: ${result.error.message}`);
    return result.output as never;
  }
  const action = <T>(target: string, props: Record<string, unknown>): Promise<T> => call('action.run', target, { props });

  it('declares the sql capability and validates the account with a query', async () => {
    expect(built.manifest.capabilities).toEqual(['sql', 'store', 'log']);
    expect(await call('account.validate', 'postgres', {})).toEqual({ ok: true });
  });

  it('Insert Rows writes several rows in one statement, DEFAULT for left-out columns, JSON for jsonb', async () => {
    const out = await action<{ rows: Record<string, unknown>[]; rowCount: number }>('insert-rows', {
      table: 'public.customers',
      rows: [
        { email: 'ann@example.com', name: 'Ann', profile: { langs: ['en', 'fr'] } },
        { email: 'bob@example.com', tier: 'gold' },
      ],
    });
    expect(out.rowCount).toBe(2);
    expect(out.rows).toEqual([
      { id: 1, email: 'ann@example.com', name: 'Ann', tier: 'basic', profile: { langs: ['en', 'fr'] } },
      { id: 2, email: 'bob@example.com', name: null, tier: 'gold', profile: null },
    ]);
  });

  it('Upsert Rows updates on the conflict column and inserts the rest', async () => {
    const out = await action<{ rows: Record<string, unknown>[]; inserted: number; updated: number }>('upsert-rows', {
      table: 'customers',
      rows: [
        { email: 'ann@example.com', name: 'Ann Smith', tier: 'silver' },
        { email: 'cy@example.com', name: 'Cy' },
      ],
      conflictColumns: ['email'],
      updateColumns: ['name'],
    });
    expect(out).toMatchObject({ inserted: 1, updated: 1 });
    const { rows } = await db.pool.query('SELECT email, name, tier FROM customers ORDER BY email');
    // Only name was to be updated: Ann keeps her tier.
    expect(rows).toEqual([
      { email: 'ann@example.com', name: 'Ann Smith', tier: 'basic' },
      { email: 'bob@example.com', name: null, tier: 'gold' },
      { email: 'cy@example.com', name: 'Cy', tier: 'basic' },
    ]);
    await expect(action('upsert-rows', { table: 'customers', rows: [{ name: 'x' }], conflictColumns: ['email'] })).rejects.toThrow(
      'Every row needs the conflict column(s) email: without them a row cannot match an existing one',
    );
  });

  it('Run Query runs one parameterised statement; values never become SQL', async () => {
    const out = await action<{ rows: unknown[]; rowCount: number }>('run-query', {
      query: 'SELECT email FROM customers WHERE tier = $1 OR email = ANY($2) ORDER BY email',
      parameters: ['gold', ['cy@example.com']],
    });
    expect(out).toEqual({ rows: [{ email: 'bob@example.com' }, { email: 'cy@example.com' }], rowCount: 2 });
    const injected = await action<{ rows: unknown[] }>('run-query', { query: 'SELECT count(*)::int AS n FROM customers WHERE email = $1', parameters: ["x' OR '1'='1"] });
    expect(injected.rows).toEqual([{ n: 0 }]);
    await expect(action('run-query', { query: 'DELETE FROM customers; SELECT 1' })).rejects.toThrow('Only one SQL statement per query');
    expect((await db.pool.query('SELECT count(*)::int AS n FROM customers')).rows[0].n).toBe(3);
  });

  describe('New or Updated Rows', () => {
    const poll = async (store: PgStore, props: Record<string, unknown>, sandbox = pool) => {
      const result = await sandbox.call({
        bundle: { code: built.code, integrity: built.integrity },
        op: 'trigger.poll',
        target: 'new-or-updated-rows',
        input: { props, account, lastPollAt: null },
        capabilities: { sql: sql.forAccount(account), store },
      });
      if (!result.ok) throw new Error(`${result.error.name}: ${result.error.message}`);
      return (result.output as { items: { id: number; status: string }[] }).items.map((r) => `${r.id}:${r.status}`);
    };

    it('timestamp cursor: starts from now, picks up new and updated rows once, ties broken by id, and a restart with the stored cursor replays nothing', async () => {
      await db.pool.query(`INSERT INTO orders (status, total) VALUES ('paid', 1), ('paid', 2)`);
      const props = { table: 'orders', cursorColumn: 'updated_at', idColumn: 'id', where: "status <> 'draft'" };
      const store = new PgStore(db.pool, 'flow-ts');
      expect(await poll(store, props)).toEqual([]); // existing rows are not new

      // One statement: the three rows share one now() timestamp; the id orders them.
      await db.pool.query(`INSERT INTO orders (status, total) VALUES ('paid', 3), ('draft', 4), ('paid', 5)`);
      expect(await poll(store, props)).toEqual(['3:paid', '5:paid']);
      expect(await poll(store, props)).toEqual([]);

      await db.pool.query(`UPDATE orders SET status = 'refunded', updated_at = clock_timestamp() WHERE id = 1`);
      expect(await poll(store, props)).toEqual(['1:refunded']);

      // Restart: a new sandbox pool and the store read back from PostgreSQL.
      const restarted = new SandboxPool({ timeoutMs: 10_000 });
      try {
        const again = new PgStore(db.pool, 'flow-ts');
        expect(await poll(again, props, restarted)).toEqual([]);
        await db.pool.query(`INSERT INTO orders (status, total) VALUES ('paid', 6)`);
        expect(await poll(again, props, restarted)).toEqual(['6:paid']);
      } finally {
        await restarted.close();
      }
      // The stored cursor is PostgreSQL's own text of the timestamp, microseconds included (a JS
      // Date would have cut them and the row would be read again on every poll).
      const { rows } = await db.pool.query<{ at: string }>('SELECT updated_at::text AS at FROM orders WHERE id = 6');
      expect(await store.get('cursor')).toEqual({ value: rows[0].at, id: '6' });
    });

    it('id cursor from the beginning pages through the table by Rows per Poll', async () => {
      const props = { table: 'orders', cursorColumn: 'id', startFrom: 'beginning', rowsPerPoll: 4 };
      const store = new PgStore(db.pool, 'flow-id');
      expect(await poll(store, props)).toEqual(['1:refunded', '2:paid', '3:paid', '4:draft']);
      expect(await poll(store, props)).toEqual(['5:paid', '6:paid']);
      expect(await poll(store, props)).toEqual([]);
      await expect(poll(store, { ...props, table: 'missing_table' })).rejects.toThrow('PostgreSQL error 42P01: relation "missing_table" does not exist');
    });
  });
});
