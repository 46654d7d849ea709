import { SandboxPool, type KeyValueStore } from '@flowport/sandbox';
import { createServer, type Server } from 'node:http';
import type { Pool } from 'pg';
import { join } from 'node:path';
import { buildConnectorPackage, type BuiltConnector, createTestDatabase, type TestDatabase } from '@flowport/testing';

jest.setTimeout(30_000);

type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** The trigger's store kept in PostgreSQL, as the runtime keeps it: survives a new pool (a restart). */
class PgStore implements KeyValueStore {
  constructor(
    private readonly pool: Pool,
    private readonly scope: string,
  ) {}
  async get(key: string): Promise<JsonValue | null> {
    const { rows } = await this.pool.query<{ value: JsonValue }>('SELECT value FROM trigger_state WHERE scope = $1 AND key = $2', [this.scope, key]);
    return rows[0]?.value ?? null;
  }
  async set(key: string, value: JsonValue): Promise<void> {
    await this.pool.query(
      'INSERT INTO trigger_state (scope, key, value) VALUES ($1, $2, $3::jsonb) ON CONFLICT (scope, key) DO UPDATE SET value = EXCLUDED.value',
      [this.scope, key, JSON.stringify(value)],
    );
  }
  async delete(key: string): Promise<void> {
    await this.pool.query('DELETE FROM trigger_state WHERE scope = $1 AND key = $2', [this.scope, key]);
  }
}

describe('Poll Endpoint in the sandbox against a local server, store in PostgreSQL', () => {
  let server: Server;
  let base: string;
  let db: TestDatabase;
  let built: BuiltConnector;
  let requests = 0;
  const orders: { order: { ref: string; total: number } }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests++;
      if (req.headers['x-api-key'] !== 'k-1') return res.writeHead(401).end('{"error":"key"}');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { results: orders }, page: 1 }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    [db, built] = await Promise.all([createTestDatabase('flowport_http'), buildConnectorPackage(join(__dirname, '..'))]);
    await db.pool.query('CREATE TABLE trigger_state (scope text, key text, value jsonb, PRIMARY KEY (scope, key))');
  });
  afterAll(async () => {
    await db?.drop();
    await new Promise((resolve) => server?.close(resolve));
  });

  const account = { authType: 'apiKey', apiKeyHeader: 'X-API-Key', apiKey: 'k-1' };

  async function poll(pool: SandboxPool, store: KeyValueStore, props: Record<string, unknown>) {
    const result = await pool.call({
      bundle: { code: built.code, integrity: built.integrity },
      op: 'trigger.poll',
      target: 'poll-endpoint',
      input: { props, account, lastPollAt: null },
      capabilities: { store, allowedHosts: ['127.0.0.1'], allowPrivateNetwork: true },
    });
    if (!result.ok) throw new Error(`${result.error.name}: ${result.error.message}`);
    return ((result.output as { items: { order: { ref: string } }[] }).items).map((i) => i.order.ref);
  }

  it('returns each item once across polls and after a restart with the persisted store', async () => {
    const props = { url: `${base}/orders`, itemsPath: '$.data.results[*]', idField: 'order.ref' };
    orders.push({ order: { ref: 'o-1', total: 1 } }, { order: { ref: 'o-2', total: 2 } }, { order: { ref: 'o-3', total: 3 } });
    let pool = new SandboxPool({ timeoutMs: 10_000 });
    let store = new PgStore(db.pool, 'flow-1');
    expect(await poll(pool, store, props)).toEqual(['o-1', 'o-2', 'o-3']);
    expect(await poll(pool, store, props)).toEqual([]);
    orders.push({ order: { ref: 'o-4', total: 4 } });
    expect(await poll(pool, store, props)).toEqual(['o-4']);
    expect(await store.get('seenIds')).toEqual(['o-1', 'o-2', 'o-3', 'o-4']);

    // Restart: a new sandbox pool and a store read back from PostgreSQL.
    await pool.close();
    pool = new SandboxPool({ timeoutMs: 10_000 });
    store = new PgStore(db.pool, 'flow-1');
    expect(await poll(pool, store, props)).toEqual([]);
    orders.push({ order: { ref: 'o-5', total: 5 } });
    expect(await poll(pool, store, props)).toEqual(['o-5']);
    // Another flow's store starts from nothing.
    expect(await poll(pool, new PgStore(db.pool, 'flow-2'), props)).toEqual(['o-1', 'o-2', 'o-3', 'o-4', 'o-5']);
    await pool.close();
    expect(requests).toBe(6); // one GET per poll
  });

  it('names the problem and the fix: wrong items path, missing ID field, HTTP error', async () => {
    const pool = new SandboxPool({ timeoutMs: 10_000 });
    const store = new PgStore(db.pool, 'flow-errors');
    try {
      await expect(poll(pool, store, { url: `${base}/orders`, itemsPath: 'data.rows' })).rejects.toThrow(
        `Items Path "data.rows" found nothing in the response of ${base}/orders; point it at the list of items`,
      );
      await expect(poll(pool, store, { url: `${base}/orders`, itemsPath: 'data.results' })).rejects.toThrow(
        /An item has no "id" \(Item ID Field\): .*set Item ID Field to the field that identifies items/,
      );
      await expect(poll(pool, store, { url: `${base}/orders`, itemsPath: 'data..x' })).rejects.toThrow(/Items Path "data..x" is not supported/);
      const wrongKey = await pool.call({
        bundle: { code: built.code, integrity: built.integrity },
        op: 'trigger.poll',
        target: 'poll-endpoint',
        input: { props: { url: `${base}/orders` }, account: { ...account, apiKey: 'nope' }, lastPollAt: null },
        capabilities: { store, allowedHosts: ['127.0.0.1'], allowPrivateNetwork: true },
      });
      expect(!wrongKey.ok && wrongKey.error.message).toBe(`HTTP 401 from GET ${base}/orders: {"error":"key"}`);
      expect(await store.get('seenIds')).toBeNull();
    } finally {
      await pool.close();
    }
  });
});
