import type { JsonValue, KeyValueStore } from '@flowport/sandbox';
import type { RuntimeDb } from '../runtime-db';

/** A trigger's durable `ctx.store` (table trigger_state), one namespace per flow. */
export class TriggerStateStore implements KeyValueStore {
  constructor(
    private readonly db: RuntimeDb,
    private readonly namespace: string,
  ) {}

  async get(key: string): Promise<JsonValue | null> {
    const rows = await this.db.query<{ value: JsonValue }>('SELECT value FROM trigger_state WHERE flow_id = $1 AND key = $2', [this.namespace, key]);
    return rows[0]?.value ?? null;
  }

  async set(key: string, value: JsonValue): Promise<void> {
    await this.db.query(
      `INSERT INTO trigger_state (flow_id, key, value, updated_at) VALUES ($1, $2, $3::jsonb, now())
       ON CONFLICT (flow_id, key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
      [this.namespace, key, JSON.stringify(value)],
    );
  }

  async delete(key: string): Promise<void> {
    await this.db.query('DELETE FROM trigger_state WHERE flow_id = $1 AND key = $2', [this.namespace, key]);
  }
}

/**
 * Leases in trigger_leases: a replica holds a pooling trigger while it keeps renewing; a lease
 * not renewed before it expires can be taken by any other replica.
 */
export class TriggerLeases {
  constructor(
    private readonly db: RuntimeDb,
    private readonly holder: string,
  ) {}

  /** Takes or renews the lease; true when this replica holds it now. */
  async acquire(flowId: string, ttlMs: number): Promise<boolean> {
    const rows = await this.db.query(
      `INSERT INTO trigger_leases (flow_id, holder, expires_at) VALUES ($1, $2, now() + $3 * interval '1 millisecond')
       ON CONFLICT (flow_id) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
       WHERE trigger_leases.holder = EXCLUDED.holder OR trigger_leases.expires_at < now()
       RETURNING holder`,
      [flowId, this.holder, ttlMs],
    );
    return rows.length > 0;
  }

  async release(flowId: string): Promise<void> {
    await this.db.query('DELETE FROM trigger_leases WHERE flow_id = $1 AND holder = $2', [flowId, this.holder]);
  }

  async holderOf(flowId: string): Promise<string | null> {
    const rows = await this.db.query<{ holder: string }>('SELECT holder FROM trigger_leases WHERE flow_id = $1 AND expires_at > now()', [flowId]);
    return rows[0]?.holder ?? null;
  }
}
