import type { JsonValue, KeyValueStore } from '@flowport/sandbox';
import type { RuntimeDb } from '../runtime-db';

/**
 * A pooling trigger's durable state (table trigger_state): the connector's `ctx.store` and the
 * platform's own keys, one namespace (row flow_id) each. Only the lease holder polls, so while it
 * keeps the lease its copy is the truth: every key is read once, then served from memory, and
 * writes wait for `flush()`, which the trigger calls after the poll's items are recorded (a
 * cursor never moves past items that were not recorded). `forget()` drops the copy and unflushed
 * writes (lease lost, poll failed): the next read goes to the table again.
 */
export class TriggerState {
  private values: Map<string, Map<string, JsonValue>> | undefined;
  private loading: Promise<Map<string, Map<string, JsonValue>>> | undefined;
  // Forgetting while a read is in flight must not let that read install an old copy.
  private epoch = 0;
  /** Unflushed writes by namespace + key; `undefined` value = delete. */
  private readonly dirty = new Map<string, { namespace: string; key: string; value: JsonValue | undefined }>();

  constructor(
    private readonly db: RuntimeDb,
    private readonly namespaces: string[],
  ) {}

  /** The KeyValueStore of one namespace. */
  store(namespace: string): KeyValueStore {
    return {
      get: (key) => this.get(namespace, key),
      set: (key, value) => this.write(namespace, key, value),
      delete: (key) => this.write(namespace, key, undefined),
    };
  }

  async get(namespace: string, key: string): Promise<JsonValue | null> {
    const values = await this.load();
    return values.get(namespace)?.get(key) ?? null;
  }

  async write(namespace: string, key: string, value: JsonValue | undefined): Promise<void> {
    const values = await this.load();
    const keys = values.get(namespace) ?? new Map<string, JsonValue>();
    values.set(namespace, keys);
    if (value === undefined) keys.delete(key);
    else keys.set(key, value);
    this.dirty.set(`${namespace}\u0000${key}`, { namespace, key, value });
  }

  /** Writes every change since the last flush in one statement. */
  async flush(): Promise<void> {
    if (this.dirty.size === 0) return;
    const changes = [...this.dirty.values()];
    this.dirty.clear();
    try {
      await this.db.pool.query({
        name: 'flowport-trigger-state-flush',
        text: `WITH input AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS t(flow_id text, key text, value text)),
               removed AS (DELETE FROM trigger_state s USING input i WHERE i.value IS NULL AND s.flow_id = i.flow_id AND s.key = i.key)
               INSERT INTO trigger_state (flow_id, key, value, updated_at)
               SELECT flow_id, key, value::jsonb, now() FROM input WHERE value IS NOT NULL
               ON CONFLICT (flow_id, key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
        values: [JSON.stringify(changes.map((c) => ({ flow_id: c.namespace, key: c.key, value: c.value === undefined ? null : JSON.stringify(c.value) })))],
      });
    } catch (error) {
      this.forget();
      throw error;
    }
  }

  forget(): void {
    this.epoch++;
    this.values = undefined;
    this.loading = undefined;
    this.dirty.clear();
  }

  private load(): Promise<Map<string, Map<string, JsonValue>>> {
    if (this.values) return Promise.resolve(this.values);
    if (!this.loading) {
      const epoch = this.epoch;
      this.loading = this.db
        .query<{ flow_id: string; key: string; value: JsonValue }>('SELECT flow_id, key, value FROM trigger_state WHERE flow_id = ANY($1::text[])', [this.namespaces])
        .then((rows) => {
          const values = new Map(this.namespaces.map((n) => [n, new Map<string, JsonValue>()]));
          for (const row of rows) values.get(row.flow_id)?.set(row.key, row.value);
          if (epoch === this.epoch) {
            this.values = values;
            this.loading = undefined;
          }
          return values;
        })
        .catch((error: unknown) => {
          if (epoch === this.epoch) this.loading = undefined;
          throw error;
        });
    }
    return this.loading;
  }
}

/** A lease the replica keeps renewing while its trigger holds it (PoolingTrigger registers itself). */
export type KeptLease = {
  flowId: string;
  ttlMs: number;
  /** How often a held lease is renewed. */
  renewEveryMs: number;
  /** When the lease was last taken or renewed (Date.now() before the statement), or null when not held. */
  lastRenewedAt(): number | null;
  /** Result of a renewal: `held` false means another replica has it now. */
  renewed(held: boolean, sentAt: number): void;
};

type Acquiring = { ttlMs: number; waiters: Array<{ resolve: (held: boolean) => void; reject: (error: unknown) => void }> };

/**
 * Leases in trigger_leases: a replica holds a pooling trigger while it keeps renewing; a lease
 * not renewed before it expires can be taken by any other replica. All acquisitions asked for in
 * one turn of the event loop go in one statement, and one timer per replica renews every lease
 * it holds in one statement per beat (not a statement per trigger per beat).
 */
export class TriggerLeases {
  private pending = new Map<string, Acquiring>();
  private readonly kept = new Map<string, KeptLease>();
  private beat: NodeJS.Timeout | undefined;
  private beatMs = 0;
  private renewing = false;

  constructor(
    private readonly db: RuntimeDb,
    private readonly holder: string,
    private readonly onRenewFailure: (error: Error, count: number) => void = () => undefined,
  ) {}

  /** Takes or renews the lease; true when this replica holds it now. */
  acquire(flowId: string, ttlMs: number): Promise<boolean> {
    return new Promise((resolve, reject) => {
      let entry = this.pending.get(flowId);
      if (!entry) {
        entry = { ttlMs, waiters: [] };
        this.pending.set(flowId, entry);
        if (this.pending.size === 1) setImmediate(() => void this.acquirePending());
      }
      entry.ttlMs = Math.max(entry.ttlMs, ttlMs);
      entry.waiters.push({ resolve, reject });
    });
  }

  async release(flowId: string): Promise<void> {
    await this.db.query('DELETE FROM trigger_leases WHERE flow_id = $1 AND holder = $2', [flowId, this.holder]);
  }

  async holderOf(flowId: string): Promise<string | null> {
    const rows = await this.db.query<{ holder: string }>('SELECT holder FROM trigger_leases WHERE flow_id = $1 AND expires_at > now()', [flowId]);
    return rows[0]?.holder ?? null;
  }

  /** Renews `lease` on the replica's beat while it is held, until `unkeep`. */
  keep(lease: KeptLease): void {
    this.kept.set(lease.flowId, lease);
    this.scheduleBeat();
  }

  unkeep(flowId: string): void {
    this.kept.delete(flowId);
    if (this.kept.size === 0) {
      clearTimeout(this.beat);
      this.beat = undefined;
    }
  }

  /** The beat is the shortest renewal period among kept leases (at least 100 ms). */
  private scheduleBeat(): void {
    let every = Infinity;
    for (const lease of this.kept.values()) every = Math.min(every, lease.renewEveryMs);
    const beatMs = Math.max(100, every);
    if (this.beat && beatMs >= this.beatMs) return;
    clearTimeout(this.beat);
    this.beatMs = beatMs;
    this.beat = setTimeout(() => void this.renewKept(), beatMs);
    this.beat.unref();
  }

  private async renewKept(): Promise<void> {
    this.beat = undefined;
    if (this.kept.size === 0) return;
    this.scheduleBeat();
    if (this.renewing) return;
    const now = Date.now();
    // Leases due before the next beat's midpoint go now, so all renewals share one beat.
    const due = [...this.kept.values()].filter((lease) => {
      const last = lease.lastRenewedAt();
      return last !== null && now - last >= lease.renewEveryMs - this.beatMs / 2;
    });
    if (due.length === 0) return;
    this.renewing = true;
    try {
      const held = await this.statement(new Map(due.map((lease) => [lease.flowId, lease.ttlMs])));
      for (const lease of due) if (this.kept.get(lease.flowId) === lease) lease.renewed(held.has(lease.flowId), now);
    } catch (error) {
      // The leases stay held until they expire; each trigger takes its lease again before polling.
      this.onRenewFailure(error as Error, due.length);
    } finally {
      this.renewing = false;
    }
  }

  private async acquirePending(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    try {
      const held = await this.statement(new Map([...batch].map(([flowId, entry]) => [flowId, entry.ttlMs])));
      for (const [flowId, entry] of batch) for (const w of entry.waiters) w.resolve(held.has(flowId));
    } catch (error) {
      for (const entry of batch.values()) for (const w of entry.waiters) w.reject(error);
    }
  }

  /** Takes or renews the given leases; returns the flow ids this replica holds now. */
  private async statement(ttlByFlow: Map<string, number>): Promise<Set<string>> {
    // Sorted, so two replicas renewing overlapping sets lock rows in the same order (no deadlock).
    const flowIds = [...ttlByFlow.keys()].sort();
    const { rows } = await this.db.pool.query<{ flow_id: string }>({
      name: 'flowport-trigger-leases',
      text: `INSERT INTO trigger_leases (flow_id, holder, expires_at)
             SELECT t.flow_id, $1, now() + t.ttl_ms * interval '1 millisecond' FROM unnest($2::text[], $3::int[]) AS t(flow_id, ttl_ms)
             ON CONFLICT (flow_id) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
             WHERE trigger_leases.holder = EXCLUDED.holder OR trigger_leases.expires_at < now()
             RETURNING flow_id`,
      values: [this.holder, flowIds, flowIds.map((id) => ttlByFlow.get(id)!)],
    });
    return new Set(rows.map((r) => r.flow_id));
  }
}
