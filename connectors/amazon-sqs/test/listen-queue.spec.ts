import { CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { PgRunRecorder, SqsDriver, StreamDelivery, type MappedMessage, type StreamMessage } from '@flowport/runtime';
import { SandboxPool } from '@flowport/sandbox';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { buildConnectorPackage, type BuiltConnector, startFauxqs, waitFor, type FauxqsServer, createTestDatabase, type TestDatabase } from '@flowport/testing';

jest.setTimeout(60_000);

/**
 * The trigger as the runtime runs it: `trigger.config` and `trigger.map` of the built bundle in
 * the real sandbox, the host-side `sqs` driver, StreamDelivery and PgRunRecorder on a fresh
 * database, fauxqs as the queue.
 */
describe('Listen Queue (sandbox + sqs driver + StreamDelivery + PostgreSQL, fauxqs)', () => {
  let server: FauxqsServer;
  let db: TestDatabase;
  let pool: SandboxPool;
  let built: BuiltConnector;
  let sqs: SQSClient;
  const queues: string[] = [];

  beforeAll(async () => {
    [server, db, built] = await Promise.all([startFauxqs(), createTestDatabase('flowport_sqs'), buildConnectorPackage(join(__dirname, '..'))]);
    pool = new SandboxPool({ timeoutMs: 10_000 });
    sqs = new SQSClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, useQueueUrlAsEndpoint: false });
    await new PgRunRecorder(db.pool).ensureSchema();
  });
  afterAll(async () => {
    for (const url of queues) await sqs.send(new DeleteQueueCommand({ QueueUrl: url })).catch(() => undefined);
    sqs?.destroy();
    await pool?.close();
    await db?.drop();
    await server?.stop();
  });

  async function guest(op: 'trigger.config' | 'trigger.map', input: unknown): Promise<unknown> {
    const result = await pool.call({ bundle: { code: built.code, integrity: built.integrity }, op, target: 'listen-queue', input });
    if (!result.ok) throw new Error(`${op}: ${result.error.name}: ${result.error.message}`);
    return result.output;
  }

  it('23 messages, Batch Size 6, External ID payload.orderId: 20 runs recorded once, 3 duplicates start nothing, queue drained', async () => {
    const base = `flowport-listen-${randomBytes(4).toString('hex')}`;
    const dlq = (await sqs.send(new CreateQueueCommand({ QueueName: `${base}-dlq` }))).QueueUrl!;
    const dlqArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    const queueUrl = (
      await sqs.send(new CreateQueueCommand({ QueueName: base, Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 1000 }) } }))
    ).QueueUrl!;
    queues.push(queueUrl, dlq);

    const account = { accessKeyId: 'test', secretAccessKey: 'test', region: 'us-east-1', endpoint: server.endpoint };
    const props = { queueUrl, waitTimeSeconds: 1, visibilityTimeoutSeconds: 30 };
    const config = (await guest('trigger.config', { props, account })) as Record<string, unknown>;
    expect(config).toEqual({
      queueUrl,
      region: 'us-east-1',
      endpoint: server.endpoint,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      waitTimeSeconds: 1,
      visibilityTimeoutSeconds: 30,
    });

    // 20 orders, then 3 that repeat earlier order ids.
    const ids = [...Array.from({ length: 20 }, (_, i) => `order-${i + 1}`), 'order-2', 'order-9', 'order-17'];
    for (let i = 0; i < ids.length; i += 10) {
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: ids.slice(i, i + 10).map((orderId, j) => ({
            Id: String(j),
            MessageBody: JSON.stringify({ orderId, seq: i + j }),
            MessageAttributes: { source: { DataType: 'String', StringValue: 'shop' } },
          })),
        }),
      );
    }

    const flowId = randomUUID();
    const batchSizes: number[] = [];
    const batchWaitMs = 400;
    const delivery = new StreamDelivery({
      flowId,
      driver: new SqsDriver(),
      driverConfig: { ...config, batchSize: 6, batchWaitMs },
      recorder: new PgRunRecorder(db.pool),
      externalId: 'payload.orderId',
      mapMessage: async (message: StreamMessage) => (await guest('trigger.map', { props, account, message })) as MappedMessage,
      trigger: { type: 'stream', connector: 'amazon-sqs', trigger: 'listen-queue' },
      onRecorded: (_result, batch) => batchSizes.push(batch.length),
    });
    await delivery.start();
    try {
      await waitFor('23 messages recorded', () => delivery.stats.accepted + delivery.stats.duplicates === 23 || undefined, 30_000);
      await waitFor('queue drained (visible + not visible = 0)', async () => {
        const { Attributes = {} } = await sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
        );
        return Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible) === 0 || undefined;
      }, 15_000, 200);
    } finally {
      await delivery.stop();
    }

    expect(delivery.stats).toMatchObject({ accepted: 20, duplicates: 3, deadLettered: 0 });
    // Batches of at most 6; 23 is not a multiple of 6, so at least one fired partial after the batch wait.
    expect(Math.max(...batchSizes)).toBeLessThanOrEqual(6);
    expect(batchSizes.reduce((a, b) => a + b, 0)).toBe(23);
    expect(batchSizes.some((n) => n < 6)).toBe(true);

    const runs = await db.pool.query<{ id: string; message_count: number }>('SELECT id, message_count FROM runs WHERE flow_id = $1', [flowId]);
    expect(runs.rows.every((r) => r.message_count >= 1 && r.message_count <= 6)).toBe(true);
    expect(runs.rows.reduce((sum, r) => sum + r.message_count, 0)).toBe(20);

    const messages = await db.pool.query<{ external_id: string; status: string; run_id: string | null; payload: Record<string, unknown>; labels: Record<string, string> }>(
      'SELECT external_id, status, run_id, payload, labels FROM run_messages WHERE flow_id = $1',
      [flowId],
    );
    expect(messages.rows).toHaveLength(23);
    const accepted = messages.rows.filter((m) => m.status === 'accepted');
    expect(accepted.map((m) => m.external_id).sort()).toEqual(ids.slice(0, 20).sort());
    const duplicates = messages.rows.filter((m) => m.status === 'duplicate');
    expect(duplicates.map((m) => m.external_id).sort()).toEqual(['order-17', 'order-2', 'order-9']);
    expect(duplicates.every((m) => m.run_id === null)).toBe(true);
    // Each message is labelled with its External ID, which is the orderId of its own payload.
    for (const m of messages.rows) {
      expect(m.external_id).toBe(m.payload.orderId);
      expect(m.labels).toEqual({ queue: base });
      expect(m.payload.sqs).toMatchObject({
        messageId: expect.any(String),
        messageAttributes: { source: 'shop' },
        attributes: expect.objectContaining({ ApproximateReceiveCount: expect.any(String), SentTimestamp: expect.any(String) }),
      });
    }
  });
});
