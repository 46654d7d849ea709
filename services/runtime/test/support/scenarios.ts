import type { Pool } from 'pg';
import { waitFor } from '@flowport/testing';
import {
  createDefaultDriverRegistry,
  PgRunRecorder,
  StreamDelivery,
  type DeliveredMessage,
  type JsonValue,
  type RecordItem,
  type RecordResult,
  type RunRecorder,
  type StreamDeliveryOptions,
} from '../../src/delivery';
import type { DeadLetterEntry } from '../../src/delivery/run-recorder';
import type { FixtureFactory, QueueFixture } from './brokers';
import { uniqueFlowId } from './brokers';
import { TcpProxy } from './net';
import { createTestDatabase, type TestDatabase } from './pg';

export type BatchObservation = { size: number; ageMs: number };

/** The real PgRunRecorder, watched: batch sizes and how long a batch waited since its first message. */
export class ObservedRecorder implements RunRecorder {
  readonly batches: BatchObservation[] = [];
  /** Set to hold every record() after it committed (a crash between commit and ack). */
  holdAfterCommit = false;
  constructor(readonly inner: RunRecorder, private readonly receivedAt = new Map<string, number>()) {}

  noteReceived(batch: DeliveredMessage[]): void {
    for (const m of batch) this.receivedAt.set(m.id, Date.parse(m.receivedAt));
  }

  async record(flowId: string, items: RecordItem[], trigger?: JsonValue): Promise<RecordResult> {
    const first = Math.min(...items.map((i) => this.receivedAt.get(i.messageId) ?? Date.now()));
    this.batches.push({ size: items.length, ageMs: Date.now() - first });
    const result = await this.inner.record(flowId, items, trigger);
    if (this.holdAfterCommit) await new Promise(() => undefined);
    return result;
  }

  recordDeadLetter(flowId: string, entry: DeadLetterEntry): Promise<void> {
    return this.inner.recordDeadLetter(flowId, entry);
  }
}

export async function rowCounts(pool: Pool, flowId: string): Promise<{ accepted: number; duplicate: number; deadLettered: number; distinctAccepted: number; runs: number }> {
  const { rows } = await pool.query<{ accepted: string; duplicate: string; dead: string; distinct_accepted: string; runs: string }>(
    `SELECT count(*) FILTER (WHERE status = 'accepted') AS accepted,
            count(*) FILTER (WHERE status = 'duplicate') AS duplicate,
            count(*) FILTER (WHERE status = 'dead-lettered') AS dead,
            count(DISTINCT external_id) FILTER (WHERE status = 'accepted') AS distinct_accepted,
            (SELECT count(*) FROM runs WHERE flow_id = $1) AS runs
       FROM run_messages WHERE flow_id = $1`,
    [flowId],
  );
  const r = rows[0];
  return { accepted: Number(r.accepted), duplicate: Number(r.duplicate), deadLettered: Number(r.dead), distinctAccepted: Number(r.distinct_accepted), runs: Number(r.runs) };
}

export type Harness = {
  db: TestDatabase;
  pool: Pool;
  fixtures: QueueFixture[];
  deliveries: StreamDelivery[];
};

/**
 * Builds a StreamDelivery from the real driver registry; the batch handler notes receive times
 * for the ObservedRecorder by wrapping mapMessage (which sees every message first).
 */
export function makeDelivery(
  h: Harness,
  fixture: QueueFixture,
  recorder: ObservedRecorder,
  options: Partial<StreamDeliveryOptions> & { driverConfig: unknown; flowId: string },
): StreamDelivery {
  const map = options.mapMessage ?? (async (m) => ({ payload: m.body }));
  const delivery = new StreamDelivery({
    driver: createDefaultDriverRegistry().create(fixture.driverName),
    recorder,
    externalId: 'payload.orderId',
    retryBaseDelayMs: 50,
    retryMaxDelayMs: 400,
    ...options,
    mapMessage: async (m) => {
      recorder.noteReceived([m as DeliveredMessage]);
      return map(m);
    },
  });
  h.deliveries.push(delivery);
  return delivery;
}

/**
 * A scratch database with the run tables for the enclosing describe, and the deliveries and
 * queue fixtures a test registers in `h`, stopped and cleaned after each test.
 */
export function deliveryHarness(): Harness {
  const h: Harness = { db: undefined!, pool: undefined!, fixtures: [], deliveries: [] };

  beforeAll(async () => {
    h.db = await createTestDatabase();
    h.pool = h.db.pool();
    await new PgRunRecorder(h.pool).ensureSchema();
  });
  afterEach(async () => {
    await Promise.all(h.deliveries.splice(0).map((d) => d.stop({ timeoutMs: 2000 }).catch(() => undefined)));
    await Promise.all(h.fixtures.splice(0).map((f) => f.cleanup()));
  });
  afterAll(async () => {
    await h.db?.drop();
  });
  return h;
}

export function deliveryScenarios(factory: () => FixtureFactory): Harness {
  const h = deliveryHarness();

  async function newFixture(options?: Parameters<FixtureFactory['create']>[0]): Promise<QueueFixture> {
    const fixture = await factory().create(options);
    h.fixtures.push(fixture);
    return fixture;
  }

  it('records 23 messages with Batch Size 6 exactly once: 20 runs-worth, 3 duplicates, partial batch after the wait, nothing unacked', async () => {
    const fixture = await newFixture();
    const flowId = uniqueFlowId();
    const recorder = new ObservedRecorder(new PgRunRecorder(h.pool));
    const ids = Array.from({ length: 20 }, (_, i) => `order-${i + 1}`);
    // Three messages repeat an earlier order id, each after its original.
    const bodies: JsonValue[] = ids.map((orderId) => ({ orderId, amount: 10 }));
    bodies.splice(9, 0, { orderId: 'order-3', amount: 10 });
    bodies.splice(15, 0, { orderId: 'order-7', amount: 10 });
    bodies.push({ orderId: 'order-15', amount: 10 });
    expect(bodies).toHaveLength(23);
    await fixture.publish(bodies);

    const delivery = makeDelivery(h, fixture, recorder, { flowId, driverConfig: fixture.driverConfig({ batchSize: 6, batchWaitMs: 400 }) });
    await delivery.start();
    await waitFor('23 messages recorded', () => delivery.stats.accepted + delivery.stats.duplicates === 23 || undefined);
    await waitFor('queue drained and acked', () => fixture.drained());

    const counts = await rowCounts(h.pool, flowId);
    expect(counts).toEqual({ accepted: 20, duplicate: 3, deadLettered: 0, distinctAccepted: 20, runs: expect.any(Number) });
    expect(delivery.stats).toMatchObject({ accepted: 20, duplicates: 3, deadLettered: 0 });

    const { rows: runs } = await h.pool.query<{ message_count: number; status: string }>('SELECT message_count, status FROM runs WHERE flow_id = $1', [flowId]);
    expect(runs.length).toBe(counts.runs);
    expect(runs.every((r) => r.message_count >= 1 && r.message_count <= 6 && r.status === 'queued')).toBe(true);
    expect(runs.reduce((n, r) => n + r.message_count, 0)).toBe(20);

    expect(recorder.batches.reduce((n, b) => n + b.size, 0)).toBe(23);
    expect(Math.max(...recorder.batches.map((b) => b.size))).toBeLessThanOrEqual(6);
    const partial = recorder.batches.filter((b) => b.size < 6);
    expect(partial.length).toBeGreaterThanOrEqual(1);
    // 23 = 3 x 6 + 5: the rest waits for the batch wait, not for a sixth message.
    expect(Math.max(...partial.map((b) => b.ageMs))).toBeGreaterThanOrEqual(350);

    await delivery.stop();
    expect(await fixture.counts()).toEqual({ waiting: 0, unacked: 0 });
  });

  it('dead-letters a poison message after the retry limit while the others are recorded', async () => {
    const fixture = await newFixture();
    const flowId = uniqueFlowId();
    const recorder = new ObservedRecorder(new PgRunRecorder(h.pool));
    const mapCalls = new Map<string, number>();
    await fixture.publish(
      [
        { orderId: 'ok-1' },
        { orderId: 'poison-1', poison: true },
        { orderId: 'ok-2' },
        { note: 'no order id' },
        { orderId: 'ok-3' },
      ],
      { withMessageId: false },
    );
    const delivery = makeDelivery(h, fixture, recorder, {
      flowId,
      maxAttempts: 3,
      driverConfig: fixture.driverConfig({ batchSize: 5, batchWaitMs: 100 }),
      mapMessage: async (m) => {
        const body = m.body as { orderId?: string; poison?: boolean };
        const key = body.orderId ?? 'none';
        mapCalls.set(key, (mapCalls.get(key) ?? 0) + 1);
        if (body.poison) throw new Error(`cannot map order ${body.orderId}`);
        return { payload: m.body, labels: { kind: 'order' } };
      },
    });
    await delivery.start();
    await waitFor('good messages recorded', async () => (await rowCounts(h.pool, flowId)).accepted === 3 || undefined);
    const dead = await waitFor('two dead letters', async () => {
      const c = await rowCounts(h.pool, flowId);
      return c.deadLettered === 2 ? c : undefined;
    }, 20_000);
    expect(dead.accepted).toBe(3);
    await waitFor('queue drained', () => fixture.drained());

    expect(mapCalls.get('poison-1')).toBe(3);
    expect(mapCalls.get('ok-1')).toBe(1);
    const letters = await fixture.takeDeadLetters();
    expect(letters).toHaveLength(2);
    const byBody = new Map(letters.map((l) => [JSON.parse(l.body) as { orderId?: string }, l.error]));
    const errors = [...byBody.entries()];
    expect(errors.find(([b]) => b.orderId === 'poison-1')?.[1]).toMatch(/cannot map order poison-1.*after 3 attempts/);
    expect(errors.find(([b]) => b.orderId === undefined)?.[1]).toMatch(/External ID expression "payload.orderId" gave nothing/);

    const { rows } = await h.pool.query<{ external_id: string | null; error: string; attempts: number }>(
      `SELECT external_id, error, attempts FROM run_messages WHERE flow_id = $1 AND status = 'dead-lettered' ORDER BY error`,
      [flowId],
    );
    expect(rows).toEqual([
      { external_id: null, error: expect.stringContaining('External ID expression "payload.orderId" gave nothing'), attempts: 3 },
      { external_id: null, error: expect.stringContaining('cannot map order poison-1'), attempts: 3 },
    ]);
  });

  it('acks nothing while the database is unreachable, then records everything once it is back', async () => {
    const fixture = await newFixture();
    const flowId = uniqueFlowId();
    const proxy = new TcpProxy(5432);
    await proxy.start();
    const recorder = new ObservedRecorder(new PgRunRecorder(h.db.pool(proxy.port)));
    const delivery = makeDelivery(h, fixture, recorder, {
      flowId,
      maxAttempts: 1000,
      driverConfig: fixture.driverConfig({ batchSize: 4, batchWaitMs: 100 }),
    });
    await delivery.start();
    try {
      await fixture.publish([{ orderId: 'warm-up' }]);
      await waitFor('warm-up recorded', () => delivery.stats.accepted === 1 || undefined);

      await proxy.cut();
      await fixture.publish(Array.from({ length: 8 }, (_, i) => ({ orderId: `outage-${i}` })));
      await waitFor('recording failures', () => delivery.stats.recordFailures >= 4 || undefined);
      expect((await rowCounts(h.pool, flowId)).accepted).toBe(1);
      const during = await fixture.counts();
      expect(during.waiting + during.unacked).toBe(8);
      expect(delivery.stats.accepted).toBe(1);

      await proxy.restore();
      await waitFor('all recorded after recovery', async () => (await rowCounts(h.pool, flowId)).accepted === 9 || undefined);
      await waitFor('queue drained', () => fixture.drained());
      const after = await rowCounts(h.pool, flowId);
      expect(after).toMatchObject({ accepted: 9, distinctAccepted: 9, deadLettered: 0 });
    } finally {
      await delivery.stop({ timeoutMs: 2000 });
      await proxy.close();
    }
  });

  it('records messages redelivered after a crash between commit and ack only once', async () => {
    const fixture = await newFixture({ visibilityTimeoutSeconds: 2 });
    const flowId = uniqueFlowId();
    const crashing = new ObservedRecorder(new PgRunRecorder(h.pool));
    crashing.holdAfterCommit = true;
    await fixture.publish(Array.from({ length: 6 }, (_, i) => ({ orderId: `crash-${i}` })));
    const first = makeDelivery(h, fixture, crashing, { flowId, driverConfig: fixture.driverConfig({ batchSize: 3, batchWaitMs: 100 }) });
    await first.start();
    await waitFor('committed before the crash', async () => (await rowCounts(h.pool, flowId)).accepted === 6 || undefined);
    expect(first.stats.accepted).toBe(0);
    // The process "dies": the connection closes without an ack or a release.
    await first.stop({ timeoutMs: 0 });

    const second = makeDelivery(h, fixture, new ObservedRecorder(new PgRunRecorder(h.pool)), {
      flowId,
      driverConfig: fixture.driverConfig({ batchSize: 3, batchWaitMs: 100 }),
    });
    await second.start();
    await waitFor('redeliveries marked duplicate', () => second.stats.duplicates === 6 || undefined, 20_000);
    await waitFor('queue drained', () => fixture.drained());
    const counts = await rowCounts(h.pool, flowId);
    expect(counts).toMatchObject({ accepted: 6, distinctAccepted: 6, duplicate: 6 });
    expect(counts.runs).toBeGreaterThanOrEqual(2);
    expect(second.stats).toMatchObject({ accepted: 0, runs: 0 });
  });

  return h;
}
