// Consumer lag as each stream driver reads it from its broker: RabbitMQ (queue depth from
// checkQueue), SQS (fauxqs: visible + delayed messages) and Kafka (the repository's test broker:
// high watermark minus the next offset to process). Each test keeps messages waiting by holding
// the batch handler, checks the reported lag, then lets the handler ack and waits for 0.
import { randomBytes } from 'node:crypto';
import { CreateQueueCommand, DeleteQueueCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startFauxqs, waitFor, type FauxqsServer } from '@flowport/testing';
import * as amqp from 'amqplib';
import { Kafka, logLevel } from 'kafkajs';
import { startTestBroker, type TestBroker } from '../../../connectors/kafka/testing';
import { AmqpDriver, KafkaDriver, SqsDriver, type DeliveredMessage, type StreamDriver } from '../src/delivery';
import { AMQP_URL } from './support/brokers';

jest.setTimeout(60_000);

const MESSAGES = 30;
const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

/** A batch handler that holds every batch until `release()`, then acks it. */
function heldHandler() {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let acked = 0;
  return {
    handler: async (batch: DeliveredMessage[]) => {
      await gate;
      for (const message of batch) await message.ack();
      acked += batch.length;
    },
    release: () => open(),
    get acked() {
      return acked;
    },
  };
}

/** Every lag value the driver reported, in order. */
function lagRecorder() {
  const values: Array<number | null> = [];
  return {
    onLag: (waiting: number | null) => void values.push(waiting),
    values,
    get last() {
      return values[values.length - 1];
    },
  };
}

// Batch Size 1 and one batch in flight: the driver holds at most 2 messages, the rest wait.
const batching = { batchSize: 1, batchWaitMs: 0, maxInFlightBatches: 1 };

async function expectLagThenDrain(driver: StreamDriver, config: Record<string, unknown>, label: string): Promise<Array<number | null>> {
  const held = heldHandler();
  const lag = lagRecorder();
  await driver.start(config, held.handler, { onLag: lag.onLag, lagIntervalMs: 100 });
  try {
    await waitFor(`${label}: a lag of at least ${MESSAGES - 2} reported while the handler is held`, async () => (lag.last ?? 0) >= MESSAGES - 2, 20_000, 50);
    expect(lag.last).toBeLessThanOrEqual(MESSAGES);
    held.release();
    await waitFor(`${label}: every message acked`, async () => held.acked === MESSAGES, 30_000, 50);
    await waitFor(`${label}: a lag of 0 reported after draining`, async () => lag.last === 0, 20_000, 50);
    return lag.values;
  } finally {
    held.release();
    await driver.stop({ timeoutMs: 5000 });
  }
}

describe('consumer lag reported by the stream drivers', () => {
  it('amqp: the queue depth (ready messages) from checkQueue on its own channel, polled', async () => {
    const queue = unique('flowport-lag');
    const connection = await amqp.connect(AMQP_URL);
    const channel = await connection.createConfirmChannel();
    try {
      await channel.assertQueue(queue, { durable: true });
      for (let i = 0; i < MESSAGES; i++) channel.sendToQueue(queue, Buffer.from(JSON.stringify({ n: i })), { contentType: 'application/json', persistent: true });
      await channel.waitForConfirms();
      const values = await expectLagThenDrain(new AmqpDriver(), { url: AMQP_URL, queue, ...batching }, 'amqp');
      // Unacked messages held by the consumer are not waiting: the depth never counted them.
      expect(Math.max(...values.map((v) => v ?? 0))).toBeLessThanOrEqual(MESSAGES);
      expect((await channel.checkQueue(queue)).messageCount).toBe(0);
    } finally {
      await channel.deleteQueue(queue).catch(() => undefined);
      await channel.deleteQueue(`${queue}.dlq`).catch(() => undefined);
      await connection.close();
    }
  });

  describe('sqs (fauxqs)', () => {
    let fauxqs: FauxqsServer;
    let client: SQSClient;
    beforeAll(async () => {
      fauxqs = await startFauxqs();
      client = new SQSClient({ region: 'us-east-1', endpoint: fauxqs.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    });
    afterAll(async () => {
      client?.destroy();
      await fauxqs?.stop();
    });

    it('ApproximateNumberOfMessages + ApproximateNumberOfMessagesDelayed from GetQueueAttributes, polled', async () => {
      const name = unique('lag');
      const { QueueUrl: queueUrl } = await client.send(new CreateQueueCommand({ QueueName: name }));
      const { QueueUrl: deadLetterQueueUrl } = await client.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
      try {
        for (let i = 0; i < MESSAGES; i += 10) {
          await client.send(
            new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: Array.from({ length: 10 }, (_, j) => ({ Id: String(j), MessageBody: JSON.stringify({ n: i + j }) })) }),
          );
        }
        await expectLagThenDrain(
          new SqsDriver(),
          { queueUrl, deadLetterQueueUrl, endpoint: fauxqs.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, waitTimeSeconds: 1, ...batching },
          'sqs',
        );
      } finally {
        await client.send(new DeleteQueueCommand({ QueueUrl: queueUrl })).catch(() => undefined);
        await client.send(new DeleteQueueCommand({ QueueUrl: deadLetterQueueUrl })).catch(() => undefined);
      }
    });
  });

  describe('kafka (test broker)', () => {
    let broker: TestBroker;
    beforeAll(async () => {
      broker = await startTestBroker({ host: '127.0.0.1', autoCreateTopics: false });
    });
    afterAll(async () => {
      await broker?.close();
    });

    it('high watermark minus the next offset to process, summed over the assigned partitions, from each fetched batch', async () => {
      const topic = unique('lag');
      const groupId = unique('g');
      broker.createTopic(topic, 2);
      const producer = new Kafka({ clientId: 'consumer-lag-spec', brokers: broker.brokers, logLevel: logLevel.NOTHING }).producer({ allowAutoTopicCreation: false });
      await producer.connect();
      try {
        await producer.send({ topic, acks: -1, messages: Array.from({ length: MESSAGES }, (_, i) => ({ value: JSON.stringify({ n: i }), partition: i % 2 })) });
      } finally {
        await producer.disconnect();
      }
      await expectLagThenDrain(
        new KafkaDriver(),
        {
          brokers: broker.brokers,
          topic,
          groupId,
          fromBeginning: true,
          sessionTimeoutMs: 3000,
          rebalanceTimeoutMs: 3000,
          heartbeatIntervalMs: 100,
          maxWaitTimeMs: 100,
          retry: { retries: 3, initialRetryTimeMs: 50 },
          ...batching,
        },
        'kafka',
      );
      // 0 means processed and committed: each partition's committed offset is its high watermark.
      for (const partition of [0, 1]) expect(broker.committedOffset(groupId, topic, partition)).toBe(broker.messages(topic, partition).length);
    });
  });
});
