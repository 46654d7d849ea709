import { PgSqlCapabilities, pgConnectionFromAccount } from '@flowport/capabilities';
import { createTestDatabase, type TestDatabase } from './support/pg';

jest.setTimeout(30_000);

describe('PgSqlCapabilities (host side of ctx.sql) on PostgreSQL', () => {
  let db: TestDatabase;
  let sql: PgSqlCapabilities;
  let account: Record<string, unknown>;

  beforeAll(async () => {
    db = await createTestDatabase();
    // The test database is on 127.0.0.1, which only an explicit grant may reach.
    sql = new PgSqlCapabilities({ allowPrivateNetwork: true, statementTimeoutMs: 300, maxRows: 5 });
    account = { host: '127.0.0.1', port: 5432, database: db.name, user: 'postgres', password: '' };
  });
  afterAll(async () => {
    await sql?.close();
    await db?.drop();
  });

  it('runs parameterised queries and returns JSON rows (timestamps ISO, bytea base64, int8 text, jsonb objects)', async () => {
    const cap = sql.forAccount(account);
    const out = await cap.query(
      `SELECT $1::int + 1 AS n, '2026-01-02T03:04:05.678Z'::timestamptz AS at, '\\x0102ff'::bytea AS raw, 9007199254740993::int8 AS big, $2::jsonb AS doc, $3::text[] AS tags`,
      [41, { a: [1, 'x'] }, ['p', 'q']],
    );
    expect(out).toEqual({ rows: [{ n: 42, at: '2026-01-02T03:04:05.678Z', raw: 'AQL/', big: '9007199254740993', doc: { a: [1, 'x'] }, tags: ['p', 'q'] }], rowCount: 1 });
  });

  it('refuses several statements, a slow statement and too many rows, each with what to do', async () => {
    const cap = sql.forAccount(account);
    await expect(cap.query('SELECT 1; SELECT 2', [])).rejects.toThrow('Only one SQL statement per query: pass values as parameters ($1, $2, ...) and run statements one at a time');
    await expect(cap.query('SELECT pg_sleep(2)', [])).rejects.toThrow('The query was cancelled by the statement timeout; make it faster (an index, a LIMIT) or split it');
    await expect(cap.query('SELECT generate_series(1, 6) AS n', [])).rejects.toThrow('The query returned 6 rows; at most 5 are allowed: add a LIMIT or narrow the WHERE clause');
    await expect(cap.query('SELECT * FROM no_such_table', [])).rejects.toThrow('PostgreSQL error 42P01: relation "no_such_table" does not exist');
    // The pool is still usable after the failures.
    expect((await cap.query('SELECT 1 AS one', [])).rows).toEqual([{ one: 1 }]);
  });

  it('refuses loopback and private hosts unless private networks are allowed', async () => {
    const strict = new PgSqlCapabilities();
    try {
      await expect(strict.forAccount(account).query('SELECT 1', [])).rejects.toThrow('PostgreSQL host "127.0.0.1" is a private or internal address, which connectors may not reach; use a public database address');
      await expect(strict.forAccount({ ...account, host: 'localhost' }).query('SELECT 1', [])).rejects.toThrow(/"localhost" is a private or internal address/);
      await expect(strict.forAccount({ ...account, host: '::ffff:10.1.2.3' }).query('SELECT 1', [])).rejects.toThrow(/private or internal/);
    } finally {
      await strict.close();
    }
  });

  it('reads connection URLs and names the account field to fix', () => {
    expect(pgConnectionFromAccount({ url: 'postgres://app:p%40ss@db.example.com:6543/shop?sslmode=require' })).toEqual({
      host: 'db.example.com',
      port: 6543,
      database: 'shop',
      user: 'app',
      password: 'p@ss',
      ssl: 'require',
    });
    expect(() => pgConnectionFromAccount({ url: 'mysql://x@y/z' })).toThrow('Connection URL must start with postgres:// (got mysql://); fix it in the account');
    expect(() => pgConnectionFromAccount({})).toThrow('The account needs a Connection URL or a Host; fill in one of them');
    expect(() => pgConnectionFromAccount({ host: 'h', user: 'u', ssl: 'maybe' as never })).toThrow('TLS must be disable, require or verify-full (got "maybe"); fix it in the account');
  });
});
