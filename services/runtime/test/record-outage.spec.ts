import { freePort, waitFor } from '@flowport/testing';
import { Pool } from 'pg';
import { PgRunRecorder } from '../src/delivery';
import { AmqpQueueFixture, uniqueFlowId } from './support/brokers';
import { TcpProxy } from './support/net';
import { deliveryHarness, makeDelivery, ObservedRecorder, rowCounts } from './support/scenarios';

/** The watched recorder, answering isUnavailable as the PostgreSQL recorder it wraps does (as in production). */
class PgObservedRecorder extends ObservedRecorder {
  constructor(private readonly pg: PgRunRecorder) {
    super(pg);
  }
  isUnavailable(error: unknown): boolean {
    return this.pg.isUnavailable(error);
  }
}

jest.setTimeout(60_000);

// A database outage is not a poison message: while PostgreSQL cannot be reached, stream
// delivery retries without using up a message's attempts, so nothing is dead-lettered (acked
// without a record) however long the outage lasts. services/api/test/database-outage.spec.ts
// stops a real PostgreSQL server for 10 s; this runs the same rule fast, through a TCP proxy.
describe('recording while PostgreSQL is unreachable', () => {
  const h = deliveryHarness();

  it('tells an unreachable database apart from a batch PostgreSQL refuses', async () => {
    const nowhere = new Pool({ host: '127.0.0.1', port: await freePort(), user: 'postgres', database: h.db.name, max: 1 });
    nowhere.on('error', () => undefined);
    const unreachable = new PgRunRecorder(nowhere);
    const refused = await unreachable.record(uniqueFlowId(), [{ messageId: 'm-1', externalId: 'a', payload: {} }]).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'ECONNREFUSED' });
    expect(unreachable.isUnavailable(refused)).toBe(true);
    await nowhere.end();

    const recorder = new PgRunRecorder(h.pool);
    // jsonb cannot hold \u0000: the server answers, and refuses this batch.
    const bad = await recorder.record(uniqueFlowId(), [{ messageId: 'm-2', externalId: 'b', payload: { text: 'a\u0000b' } }]).catch((error: unknown) => error);
    expect(bad).toMatchObject({ code: expect.stringMatching(/^22/) });
    expect(recorder.isUnavailable(bad)).toBe(false);
  });

  it('keeps the messages unacked past their attempt limit while the database is cut, dead-letters none, and records them once it is back', async () => {
    const fixture = await AmqpQueueFixture.create();
    h.fixtures.push(fixture);
    const flowId = uniqueFlowId();
    const proxy = new TcpProxy(5432);
    await proxy.start();
    const recorder = new PgObservedRecorder(new PgRunRecorder(h.db.pool(proxy.port)));
    // Two attempts: without the outage rule every message below would be dead-lettered at once.
    const delivery = makeDelivery(h, fixture, recorder, { flowId, maxAttempts: 2, retryBaseDelayMs: 50, driverConfig: fixture.driverConfig({ batchSize: 4, batchWaitMs: 50 }) });
    await delivery.start();
    try {
      await fixture.publish([{ orderId: 'warm-up' }]);
      await waitFor('warm-up recorded', () => delivery.stats.accepted === 1 || undefined);

      await proxy.cut();
      await fixture.publish(Array.from({ length: 8 }, (_, i) => ({ orderId: `outage-${i}` })));
      // Each of the (at least two) batches failed many times over: far past the attempt limit.
      await waitFor('recording failed again and again', () => delivery.stats.recordFailures >= 12 || undefined, 30_000);
      expect(delivery.stats.deadLettered).toBe(0);
      expect(delivery.stats.retried).toBe(0);
      const during = await fixture.counts();
      expect(during.waiting + during.unacked).toBe(8);
      expect(await fixture.takeDeadLetters()).toEqual([]);

      await proxy.restore();
      await waitFor('all recorded after the database is back', async () => (await rowCounts(h.pool, flowId)).accepted === 9 || undefined, 30_000);
      await waitFor('queue drained', () => fixture.drained(), 30_000);
      expect(await rowCounts(h.pool, flowId)).toMatchObject({ accepted: 9, distinctAccepted: 9, duplicate: 0, deadLettered: 0 });
      expect(delivery.stats.deadLettered).toBe(0);
      expect(await fixture.takeDeadLetters()).toEqual([]);
    } finally {
      await delivery.stop({ timeoutMs: 2000 });
      await proxy.close();
    }
  });
});
