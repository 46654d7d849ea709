import type { KeyValueStore } from '@flowport/sandbox';
import type { Pool } from 'pg';

type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A trigger store kept in PostgreSQL, as the runtime keeps it: it survives a new sandbox pool (a restart). */
export class PgStore implements KeyValueStore {
  constructor(
    private readonly pool: Pool,
    private readonly scope: string,
  ) {}

  static async createTable(pool: Pool): Promise<void> {
    await pool.query('CREATE TABLE IF NOT EXISTS test_trigger_state (scope text, key text, value jsonb, PRIMARY KEY (scope, key))');
  }

  async get(key: string): Promise<JsonValue | null> {
    const { rows } = await this.pool.query<{ value: JsonValue }>('SELECT value FROM test_trigger_state WHERE scope = $1 AND key = $2', [this.scope, key]);
    return rows[0]?.value ?? null;
  }

  async set(key: string, value: JsonValue): Promise<void> {
    await this.pool.query(
      'INSERT INTO test_trigger_state (scope, key, value) VALUES ($1, $2, $3::jsonb) ON CONFLICT (scope, key) DO UPDATE SET value = EXCLUDED.value',
      [this.scope, key, JSON.stringify(value)],
    );
  }

  async delete(key: string): Promise<void> {
    await this.pool.query('DELETE FROM test_trigger_state WHERE scope = $1 AND key = $2', [this.scope, key]);
  }
}
