import { startFauxqs, waitFor, type FauxqsServer } from '@flowport/testing';
import { PgRunRecorder } from '../src/delivery';
import { SqsQueueFixture, uniqueFlowId } from './support/brokers';
import { deliveryScenarios, makeDelivery, ObservedRecorder, rowCounts } from './support/scenarios';

// Root-level jest runs projects, where the preset's testTimeout does not apply.
jest.setTimeout(60_000);

describe('sqs stream delivery (fauxqs + PostgreSQL)', () => {
  let server: FauxqsServer;
  beforeAll(async () => {
    server = await startFauxqs();
  });
  afterAll(async () => {
    await server?.stop();
  });

  const h = deliveryScenarios(() => ({ name: 'sqs', create: (options) => SqsQueueFixture.create(server.endpoint, options) }));

  it('consumes a FIFO queue in group order, records each message once and dead-letters to an explicit FIFO DLQ', async () => {
    const fixture = await SqsQueueFixture.create(server.endpoint, { fifo: true, explicitDeadLetterQueue: true });
    h.fixtures.push(fixture);
    const flowId = uniqueFlowId();
    const order: string[] = [];
    const bodies = Array.from({ length: 12 }, (_, i) => ({ orderId: `fifo-${i}`, group: `g${i % 3}`, seq: Math.floor(i / 3) }));
    bodies.push({ orderId: 'fifo-bad', group: 'g0', seq: 4, bad: true } as (typeof bodies)[number]);
    await fixture.publish(bodies);
    const delivery = makeDelivery(h, fixture, new ObservedRecorder(new PgRunRecorder(h.pool)), {
      flowId,
      maxAttempts: 2,
      driverConfig: fixture.driverConfig({ batchSize: 6, batchWaitMs: 200 }),
      mapMessage: async (m) => {
        const body = m.body as { orderId: string; bad?: boolean };
        if (body.bad) throw new Error('bad order');
        order.push(body.orderId);
        return { payload: m.body, labels: { group: String(m.attributes.MessageGroupId) } };
      },
    });
    await delivery.start();
    await waitFor('12 recorded', async () => (await rowCounts(h.pool, flowId)).accepted === 12 || undefined);
    await waitFor('bad one dead-lettered', () => delivery.stats.deadLettered === 1 || undefined, 20_000);
    await waitFor('queue drained', () => fixture.drained());
    for (const group of ['g0', 'g1', 'g2']) {
      const inGroup = order.filter((id) => Number(id.split('-')[1]) % 3 === Number(group[1]));
      expect(inGroup).toEqual([...inGroup].sort((a, b) => Number(a.split('-')[1]) - Number(b.split('-')[1])));
      expect(inGroup).toHaveLength(4);
    }
    const letters = await fixture.takeDeadLetters();
    expect(letters).toEqual([{ body: expect.stringContaining('fifo-bad'), error: expect.stringContaining('bad order') }]);
    const { rows } = await h.pool.query<{ labels: { group: string } }>(`SELECT labels FROM run_messages WHERE flow_id = $1 AND external_id = 'fifo-0'`, [flowId]);
    expect(rows[0].labels).toEqual({ group: 'g0' });
  });

  it('extends the visibility timeout while a batch is still being recorded, so it is not received twice', async () => {
    const fixture = await SqsQueueFixture.create(server.endpoint, { visibilityTimeoutSeconds: 2 });
    h.fixtures.push(fixture);
    const flowId = uniqueFlowId();
    const slow = new PgRunRecorder(h.pool);
    let receives = 0;
    const recorder = new ObservedRecorder({
      record: async (f, items, trigger) => {
        await new Promise((resolve) => setTimeout(resolve, 4500));
        return slow.record(f, items, trigger);
      },
      recordDeadLetter: (f, e) => slow.recordDeadLetter(f, e),
    });
    await fixture.publish([{ orderId: 'slow-1' }, { orderId: 'slow-2' }]);
    const delivery = makeDelivery(h, fixture, recorder, {
      flowId,
      driverConfig: fixture.driverConfig({ batchSize: 2, batchWaitMs: 100 }),
      mapMessage: async (m) => {
        receives++;
        return { payload: m.body };
      },
    });
    await delivery.start();
    await waitFor('recorded', () => delivery.stats.accepted === 2 || undefined, 15_000);
    await waitFor('queue drained', () => fixture.drained());
    expect(receives).toBe(2);
    expect(delivery.stats.duplicates).toBe(0);
  });

  it('refuses to start on a queue without any dead-letter destination', async () => {
    const { CreateQueueCommand, DeleteQueueCommand } = await import('@aws-sdk/client-sqs');
    const client = SqsQueueFixture.client(server.endpoint);
    const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: `flowport-test-nodlq-${Date.now()}` }));
    const delivery = makeDelivery(h, { driverName: 'sqs' } as never, new ObservedRecorder(new PgRunRecorder(h.pool)), {
      flowId: uniqueFlowId(),
      driverConfig: { queueUrl: QueueUrl, endpoint: server.endpoint, credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, batchSize: 1 },
    });
    await expect(delivery.start()).rejects.toThrow(/has no dead-letter queue: set deadLetterQueueUrl, or give the queue a redrive policy/);
    await client.send(new DeleteQueueCommand({ QueueUrl }));
    client.destroy();
  });
});
