import { waitFor } from '@flowport/testing';
import { PgRunRecorder } from '../src/delivery';
import { AMQP_URL, AmqpQueueFixture, uniqueFlowId } from './support/brokers';
import { TcpProxy } from './support/net';
import { deliveryScenarios, makeDelivery, ObservedRecorder, rowCounts } from './support/scenarios';

// Root-level jest runs projects, where the preset's testTimeout does not apply.
jest.setTimeout(60_000);

describe('amqp stream delivery (RabbitMQ + PostgreSQL)', () => {
  const h = deliveryScenarios(() => ({ name: 'amqp', create: () => AmqpQueueFixture.create() }));

  it('reconnects with back-off after the connection drops and records every message once', async () => {
    const target = new URL(AMQP_URL);
    const proxy = new TcpProxy(Number(target.port || 5672), target.hostname);
    await proxy.start();
    const proxied = `amqp://${target.username}:${target.password}@127.0.0.1:${proxy.port}`;
    const fixture = await AmqpQueueFixture.create(proxied);
    h.fixtures.push(fixture);
    const flowId = uniqueFlowId();
    const delivery = makeDelivery(h, fixture, new ObservedRecorder(new PgRunRecorder(h.pool)), {
      flowId,
      driverConfig: fixture.driverConfig({ batchSize: 2, batchWaitMs: 50 }),
    });
    try {
      await delivery.start();
      await fixture.publish([{ orderId: 'before-1' }, { orderId: 'before-2' }]);
      await waitFor('recorded before the drop', () => delivery.stats.accepted === 2 || undefined);

      await proxy.cut();
      await fixture.publish([{ orderId: 'during-1' }, { orderId: 'during-2' }, { orderId: 'during-3' }]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(delivery.stats.accepted).toBe(2);
      await proxy.restore();

      await waitFor('recorded after reconnecting', async () => (await rowCounts(h.pool, flowId)).accepted === 5 || undefined);
      await waitFor('queue drained', () => fixture.drained());
      expect(await rowCounts(h.pool, flowId)).toMatchObject({ accepted: 5, distinctAccepted: 5, deadLettered: 0 });
    } finally {
      await delivery.stop({ timeoutMs: 2000 });
      await proxy.close();
    }
  });

  it('carries headers and properties into the message and binds the queue to an exchange', async () => {
    const fixture = await AmqpQueueFixture.create();
    h.fixtures.push(fixture);
    const exchange = `${fixture.queue}.x`;
    const seen: { headers: Record<string, string>; attributes: Record<string, unknown>; body: unknown }[] = [];
    const delivery = makeDelivery(h, fixture, new ObservedRecorder(new PgRunRecorder(h.pool)), {
      flowId: uniqueFlowId(),
      externalId: '',
      driverConfig: fixture.driverConfig({ batchSize: 1, exchange, routingKey: 'orders.*' }),
      mapMessage: async (m) => {
        seen.push({ headers: m.headers, attributes: m.attributes, body: m.body });
        return { payload: m.body };
      },
    });
    await delivery.start();
    const amqp = await import('amqplib');
    const connection = await amqp.connect(AMQP_URL);
    try {
      const channel = await connection.createConfirmChannel();
      channel.publish(exchange, 'orders.created', Buffer.from('plain text'), { messageId: 'mid-1', contentType: 'text/plain', headers: { tenant: 'acme', n: 7 } });
      channel.publish(exchange, 'invoices.created', Buffer.from('{"ignored":true}'));
      await channel.waitForConfirms();
      await waitFor('message recorded', () => delivery.stats.accepted === 1 || undefined);
      await channel.deleteExchange(exchange);
    } finally {
      await connection.close();
    }
    expect(seen).toEqual([
      {
        body: 'plain text',
        headers: { tenant: 'acme', n: '7' },
        attributes: expect.objectContaining({ messageId: 'mid-1', contentType: 'text/plain', exchange, routingKey: 'orders.created', redelivered: false }),
      },
    ]);
    const { rows } = await h.pool.query<{ external_id: string }>(`SELECT external_id FROM run_messages WHERE message_id = 'mid-1'`);
    expect(rows).toEqual([{ external_id: 'mid-1' }]);
  });

  it('acks every recorded message before stop() closes the connection: the queue keeps exactly the unrecorded ones', async () => {
    const fixture = await AmqpQueueFixture.create();
    h.fixtures.push(fixture);
    const flowId = uniqueFlowId();
    const delivery = makeDelivery(h, fixture, new ObservedRecorder(new PgRunRecorder(h.pool)), {
      flowId,
      externalId: 'payload.n',
      driverConfig: fixture.driverConfig({ batchSize: 10, batchWaitMs: 200 }),
      // Slow enough that stop() lands while batches are being recorded and acked.
      mapMessage: async (m) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        return { payload: m.body };
      },
    });
    const total = 300;
    await delivery.start();
    await fixture.publish(Array.from({ length: total }, (_, i) => ({ n: i + 1 })));
    await waitFor('some messages recorded', () => delivery.stats.accepted >= 20 || undefined, 15_000, 5);
    await delivery.stop({ timeoutMs: 10_000 });

    const amqp = await import('amqplib');
    const connection = await amqp.connect(AMQP_URL);
    const queued = new Set<string>();
    try {
      const channel = await connection.createChannel();
      for (;;) {
        const message = await channel.get(fixture.queue, { noAck: true });
        if (!message) break;
        queued.add(String((JSON.parse(message.content.toString()) as { n: number }).n));
      }
    } finally {
      await connection.close();
    }
    const { rows } = await h.pool.query<{ external_id: string }>(`SELECT external_id FROM run_messages WHERE flow_id = $1 AND status = 'accepted'`, [flowId]);
    const recorded = rows.map((r) => r.external_id);
    expect(recorded.filter((n) => queued.has(n))).toEqual([]);
    expect(recorded.length + queued.size).toBe(total);
    expect(recorded.length).toBeLessThan(total);
  });
});
