import type { Pool } from 'pg';
import { RuntimeDb } from '../src/runtime-db';
import { TriggerLeases, TriggerState, type KeptLease } from '../src/triggers/trigger-state';
import { createTestDatabase, type TestDatabase } from './support/pg';

jest.setTimeout(30_000);

/** Counts the statements a pool runs, by their first words. */
function counting(pool: Pool): { db: RuntimeDb; count: (prefix: string) => number } {
  const texts: string[] = [];
  const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  (pool as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    const first = args[0] as string | { text: string };
    texts.push((typeof first === 'string' ? first : first.text).replace(/\s+/g, ' ').trim());
    return query(...args);
  };
  return { db: new RuntimeDb(pool), count: (prefix) => texts.filter((t) => t.startsWith(prefix)).length };
}

describe('pooling trigger state and leases', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
    await database.pool().query(`
      CREATE TABLE trigger_state (flow_id text NOT NULL, key text NOT NULL, value jsonb NOT NULL, updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (flow_id, key));
      CREATE TABLE trigger_leases (flow_id text PRIMARY KEY, holder text NOT NULL, expires_at timestamptz NOT NULL);`);
  });
  afterAll(() => database.drop());

  it('acquisitions asked in one turn of the event loop share one statement; a live lease of another replica is refused', async () => {
    const { db, count } = counting(database.pool());
    await database.pool().query(`INSERT INTO trigger_leases VALUES ('taken', 'other', now() + interval '1 minute')`);
    const leases = new TriggerLeases(db, 'me');
    const held = await Promise.all(['f1', 'f2', 'f3', 'taken', 'f1'].map((id) => leases.acquire(id, 1000)));
    expect(held).toEqual([true, true, true, false, true]);
    expect(count('INSERT INTO trigger_leases')).toBe(1);
  });

  it('renews every kept lease in one statement per beat and reports a lease another replica took', async () => {
    const { db, count } = counting(database.pool());
    const leases = new TriggerLeases(db, 'keeper');
    const results = new Map<string, boolean[]>();
    const kept = (flowId: string): KeptLease => {
      let renewedAt: number | null = Date.now();
      return {
        flowId,
        ttlMs: 1250,
        renewEveryMs: 250,
        lastRenewedAt: () => renewedAt,
        renewed: (held, sentAt) => {
          results.set(flowId, [...(results.get(flowId) ?? []), held]);
          renewedAt = held ? sentAt : null;
        },
      };
    };
    const ids = Array.from({ length: 20 }, (_, i) => `k${i}`);
    expect(await Promise.all(ids.map((id) => leases.acquire(id, 1250)))).toEqual(ids.map(() => true));
    const before = count('INSERT INTO trigger_leases');
    for (const id of ids) leases.keep(kept(id));
    // Another replica takes k0 over (as if this one had stalled past the lease).
    await database.pool().query(`UPDATE trigger_leases SET holder = 'thief', expires_at = now() + interval '1 minute' WHERE flow_id = 'k0'`);
    await new Promise((resolve) => setTimeout(resolve, 900));
    for (const id of ids) leases.unkeep(id);
    const beats = count('INSERT INTO trigger_leases') - before;
    expect(beats).toBeGreaterThanOrEqual(2);
    expect(beats).toBeLessThanOrEqual(5);
    expect(results.get('k0')?.[0]).toBe(false);
    expect(results.get('k0')).toHaveLength(1);
    for (const id of ids.slice(1)) expect(results.get(id)!.every(Boolean)).toBe(true);
    const { rows } = await database.pool().query<{ live: boolean }>(`SELECT expires_at > now() + interval '500 milliseconds' AS live FROM trigger_leases WHERE holder = 'keeper'`);
    expect(rows).toHaveLength(19);
  });

  it('reads a trigger\'s keys once, writes changes only on flush, and reads the table again after forget', async () => {
    const { db, count } = counting(database.pool());
    await database.pool().query(`INSERT INTO trigger_state (flow_id, key, value) VALUES ('s1', 'cursor', '5'), ('s1:runtime', 'initialized', 'true'), ('s1', 'gone', '"x"')`);
    const state = new TriggerState(db, ['s1', 's1:runtime']);
    const store = state.store('s1');
    expect(await store.get('cursor')).toBe(5);
    expect(await state.store('s1:runtime').get('initialized')).toBe(true);
    expect(await store.get('missing')).toBeNull();
    await store.set('cursor', 6);
    await store.set('seen', ['a', null]);
    await store.delete('gone');
    expect(await store.get('cursor')).toBe(6);
    expect(count('SELECT')).toBe(1);
    const table = async () => (await database.pool().query('SELECT key, value FROM trigger_state WHERE flow_id = $1 ORDER BY key', ['s1'])).rows;
    expect(await table()).toEqual([{ key: 'cursor', value: 5 }, { key: 'gone', value: 'x' }]);

    await state.flush();
    expect(await table()).toEqual([{ key: 'cursor', value: 6 }, { key: 'seen', value: ['a', null] }]);

    // A failed poll: its writes are dropped and the next read goes to the table.
    await store.set('cursor', 99);
    state.forget();
    expect(await store.get('cursor')).toBe(6);
    expect(count('SELECT')).toBe(2);
  });
});
