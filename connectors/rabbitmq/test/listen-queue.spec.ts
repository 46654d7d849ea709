import { AmqpDriver, PgRunRecorder, StreamDelivery, type MappedMessage, type StreamMessage } from '@flowport/runtime';
import { SandboxPool } from '@flowport/sandbox';
import * as amqp from 'amqplib';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { buildConnectorPackage, type BuiltConnector, createTestDatabase, type TestDatabase, waitFor } from '@flowport/testing';

jest.setTimeout(60_000);

const account = { host: '127.0.0.1', port: 5672, vhost: '/', username: 'guest', password: 'guest', tls: false };

/**
 * The trigger as the runtime runs it: `trigger.config` and `trigger.map` of the built bundle in
 * the real sandbox, the host-side `amqp` driver, StreamDelivery and PgRunRecorder on a fresh
 * database, the machine's RabbitMQ as the broker.
 */
describe('Listen Queue (sandbox + amqp driver + StreamDelivery + PostgreSQL, RabbitMQ)', () => {
  let db: TestDatabase;
  let pool: SandboxPool;
  let built: BuiltConnector;
  let connection: amqp.ChannelModel;
  let channel: amqp.ConfirmChannel;
  const queues: string[] = [];
  const exchanges: string[] = [];

  beforeAll(async () => {
    [db, built, connection] = await Promise.all([createTestDatabase('flowport_rabbitmq'), buildConnectorPackage(join(__dirname, '..')), amqp.connect('amqp://guest:guest@127.0.0.1:5672')]);
    channel = await connection.createConfirmChannel();
    pool = new SandboxPool({ timeoutMs: 10_000 });
    await new PgRunRecorder(db.pool).ensureSchema();
  });
  afterAll(async () => {
    for (const q of queues) await channel?.deleteQueue(q).catch(() => undefined);
    for (const x of exchanges) await channel?.deleteExchange(x).catch(() => undefined);
    await connection?.close().catch(() => undefined);
    await pool?.close();
    await db?.drop();
  });

  async function guest(op: 'trigger.config' | 'trigger.map', input: unknown): Promise<unknown> {
    const result = await pool.call({ bundle: { code: built.code, integrity: built.integrity }, op, target: 'listen-queue', input });
    if (!result.ok) throw new Error(`${op}: ${result.error.name}: ${result.error.message}`);
    return result.output;
  }

  function deliveryFor(props: Record<string, unknown>, config: Record<string, unknown>, extra: Partial<ConstructorParameters<typeof StreamDelivery>[0]> = {}) {
    const flowId = randomUUID();
    const batchSizes: number[] = [];
    const delivery = new StreamDelivery({
      flowId,
      driver: new AmqpDriver(),
      driverConfig: { ...config, batchSize: 6, batchWaitMs: 400 },
      recorder: new PgRunRecorder(db.pool),
      externalId: 'payload.orderId',
      mapMessage: async (message: StreamMessage) => (await guest('trigger.map', { props, account, message })) as MappedMessage,
      onRecorded: (_result, batch) => batchSizes.push(batch.length),
      ...extra,
    });
    return { flowId, delivery, batchSizes };
  }

  it('maps the account fields and props to the amqp driver config', async () => {
    const props = { queue: 'orders', exchange: 'shop', routingKey: 'orders.*' };
    expect(await guest('trigger.config', { props, account: { ...account, vhost: 'prod', password: 'p@ss/word' } })).toEqual({
      url: 'amqp://guest:p%40ss%2Fword@127.0.0.1:5672/prod',
      queue: 'orders',
      assertQueue: true,
      exchange: 'shop',
      exchangeType: 'topic',
      routingKey: 'orders.*',
    });
    expect(await guest('trigger.config', { props: { queue: 'q' }, account: { url: 'amqps://u:p@mq.example.com/v' } })).toEqual({
      url: 'amqps://u:p@mq.example.com/v',
      queue: 'q',
      assertQueue: true,
    });
    await expect(guest('trigger.config', { props: { queue: 'q' }, account: {} })).rejects.toThrow('The account needs a Connection URL or a Host; fill in one of them');
  });

  it('23 messages through a bound exchange, Batch Size 6, External ID payload.orderId: 20 runs once, 3 duplicates start nothing, queue empty', async () => {
    const queue = `flowport-rmq-${randomBytes(4).toString('hex')}`;
    const exchange = `${queue}-x`;
    queues.push(queue, `${queue}.dlq`);
    exchanges.push(exchange);
    const props = { queue, exchange, exchangeType: 'topic', routingKey: 'orders.*' };
    const config = (await guest('trigger.config', { props, account })) as Record<string, unknown>;
    const { flowId, delivery, batchSizes } = deliveryFor(props, config);
    await delivery.start(); // declares the queue, the exchange and the binding

    const ids = [...Array.from({ length: 20 }, (_, i) => `order-${i + 1}`), 'order-2', 'order-9', 'order-17'];
    ids.forEach((orderId, seq) =>
      channel.publish(exchange, 'orders.created', Buffer.from(JSON.stringify({ orderId, seq })), {
        messageId: `m-${seq}`,
        contentType: 'application/json',
        headers: { source: 'shop' },
        persistent: true,
      }),
    );
    // Not matched by the binding: must never arrive.
    channel.publish(exchange, 'invoices.created', Buffer.from(JSON.stringify({ orderId: 'invoice-1' })), { contentType: 'application/json' });
    await channel.waitForConfirms();

    try {
      await waitFor('23 messages recorded', () => delivery.stats.accepted + delivery.stats.duplicates === 23 || undefined, 30_000);
    } finally {
      await delivery.stop();
    }
    expect(delivery.stats).toMatchObject({ accepted: 20, duplicates: 3, deadLettered: 0 });
    // Acked after recording: nothing is ready again once the consumer is gone.
    expect((await channel.checkQueue(queue)).messageCount).toBe(0);
    expect(Math.max(...batchSizes)).toBeLessThanOrEqual(6);
    expect(batchSizes.reduce((a, b) => a + b, 0)).toBe(23);
    expect(batchSizes.some((n) => n < 6)).toBe(true);

    const runs = await db.pool.query<{ message_count: number }>('SELECT message_count FROM runs WHERE flow_id = $1', [flowId]);
    expect(runs.rows.every((r) => r.message_count >= 1 && r.message_count <= 6)).toBe(true);
    expect(runs.rows.reduce((sum, r) => sum + r.message_count, 0)).toBe(20);
    const rows = await db.pool.query<{ external_id: string; status: string; run_id: string | null; payload: Record<string, unknown>; labels: Record<string, string> }>(
      'SELECT external_id, status, run_id, payload, labels FROM run_messages WHERE flow_id = $1',
      [flowId],
    );
    expect(rows.rows).toHaveLength(23);
    expect(rows.rows.filter((m) => m.status === 'accepted').map((m) => m.external_id).sort()).toEqual(ids.slice(0, 20).sort());
    const duplicates = rows.rows.filter((m) => m.status === 'duplicate');
    expect(duplicates.map((m) => m.external_id).sort()).toEqual(['order-17', 'order-2', 'order-9']);
    expect(duplicates.every((m) => m.run_id === null)).toBe(true);
    for (const m of rows.rows) {
      expect(m.external_id).toBe(m.payload.orderId);
      expect(m.labels).toEqual({ queue, routingKey: 'orders.created' });
      expect(m.payload.amqp).toMatchObject({
        messageId: `m-${m.payload.seq}`,
        headers: { source: 'shop' },
        properties: expect.objectContaining({ contentType: 'application/json', exchange, routingKey: 'orders.created', messageId: `m-${m.payload.seq}` }),
      });
    }
  });

  it('dead-letters a message that keeps failing after the retry limit, with the error in a header', async () => {
    const queue = `flowport-rmq-${randomBytes(4).toString('hex')}`;
    queues.push(queue, `${queue}.dlq`);
    const props = { queue };
    const config = (await guest('trigger.config', { props, account })) as Record<string, unknown>;
    const { flowId, delivery } = deliveryFor(props, config, { maxAttempts: 2, retryBaseDelayMs: 50 });
    await delivery.start();
    channel.sendToQueue(queue, Buffer.from(JSON.stringify({ orderId: 'good-1' })), { contentType: 'application/json' });
    channel.sendToQueue(queue, Buffer.from(JSON.stringify({ noOrderId: true })), { contentType: 'application/json', messageId: 'poison-1' });
    await channel.waitForConfirms();
    try {
      await waitFor('one recorded, one dead-lettered', () => (delivery.stats.accepted === 1 && delivery.stats.deadLettered === 1) || undefined, 20_000);
    } finally {
      await delivery.stop();
    }
    expect((await channel.checkQueue(queue)).messageCount).toBe(0);
    const dead = await channel.get(`${queue}.dlq`, { noAck: true });
    expect(dead && JSON.parse(dead.content.toString())).toEqual({ noOrderId: true });
    expect(dead && String(dead.properties.headers?.['x-flowport-error'])).toMatch(/External ID expression "payload.orderId" gave nothing.*\(after 2 attempts\)/);
    const { rows } = await db.pool.query<{ status: string; attempts: number }>('SELECT status, attempts FROM run_messages WHERE flow_id = $1 ORDER BY status', [flowId]);
    expect(rows).toEqual([{ status: 'accepted', attempts: 1 }, { status: 'dead-lettered', attempts: 2 }]);
  });
});
