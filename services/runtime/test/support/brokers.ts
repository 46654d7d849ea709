import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import * as amqp from 'amqplib';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { JsonValue } from '../../src/delivery';

export const AMQP_URL = process.env.FLOWPORT_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

export type PublishOptions = { withMessageId?: boolean };
export type DeadLetter = { body: string; error: string };

/** One real queue (plus its dead-letter queue) on a real broker, for one test. */
export interface QueueFixture {
  readonly driverName: 'amqp' | 'sqs';
  driverConfig(overrides?: Record<string, unknown>): Record<string, unknown>;
  publish(bodies: JsonValue[], options?: PublishOptions): Promise<void>;
  /** Messages waiting plus messages delivered but not yet acked/deleted. */
  counts(): Promise<{ waiting: number; unacked: number }>;
  /** True when nothing waits and nothing is unacked (cheap check first). */
  drained(): Promise<boolean>;
  /** Drains the dead-letter queue. */
  takeDeadLetters(): Promise<DeadLetter[]>;
  cleanup(): Promise<void>;
}

export type FixtureOptions = { fifo?: boolean; visibilityTimeoutSeconds?: number; explicitDeadLetterQueue?: boolean };
export type FixtureFactory = { name: 'amqp' | 'sqs'; create(options?: FixtureOptions): Promise<QueueFixture> };

const run = promisify(execFile);

export class AmqpQueueFixture implements QueueFixture {
  readonly driverName = 'amqp' as const;
  private constructor(
    readonly queue: string,
    private readonly connection: amqp.ChannelModel,
    private readonly channel: amqp.ConfirmChannel,
    private readonly url: string,
  ) {}

  static async create(url = AMQP_URL): Promise<AmqpQueueFixture> {
    const queue = `flowport-test-${randomBytes(5).toString('hex')}`;
    const connection = await amqp.connect(AMQP_URL);
    const channel = await connection.createConfirmChannel();
    await channel.assertQueue(queue, { durable: true });
    return new AmqpQueueFixture(queue, connection, channel, url);
  }

  driverConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return { url: this.url, queue: this.queue, reconnect: { initialDelayMs: 50, maxDelayMs: 500 }, ...overrides };
  }

  async publish(bodies: JsonValue[], { withMessageId = true }: PublishOptions = {}): Promise<void> {
    for (const body of bodies) {
      this.channel.sendToQueue(this.queue, Buffer.from(JSON.stringify(body)), {
        persistent: true,
        contentType: 'application/json',
        messageId: withMessageId ? `m-${randomBytes(6).toString('hex')}` : undefined,
        headers: { source: 'test' },
      });
    }
    await this.channel.waitForConfirms();
  }

  async drained(): Promise<boolean> {
    // rabbitmqctl is slow on a busy machine: ask it only once the queue itself looks empty.
    if ((await this.channel.checkQueue(this.queue)).messageCount > 0) return false;
    const c = await this.counts();
    return c.waiting === 0 && c.unacked === 0;
  }

  async counts(): Promise<{ waiting: number; unacked: number }> {
    // Only the broker's own tooling reports unacked counts without the management plugin.
    const { stdout } = await run('rabbitmqctl', ['list_queues', '-q', '--no-table-headers', 'name', 'messages_ready', 'messages_unacknowledged']);
    const line = stdout.split('\n').find((l) => l.split(/\s+/)[0] === this.queue);
    if (!line) throw new Error(`rabbitmqctl did not list queue ${this.queue}`);
    const [, ready, unacked] = line.trim().split(/\s+/);
    return { waiting: Number(ready), unacked: Number(unacked) };
  }

  async takeDeadLetters(): Promise<DeadLetter[]> {
    const out: DeadLetter[] = [];
    const dlq = `${this.queue}.dlq`;
    await this.channel.checkQueue(dlq);
    for (;;) {
      const msg = await this.channel.get(dlq, { noAck: true });
      if (!msg) return out;
      out.push({ body: msg.content.toString('utf8'), error: String(msg.properties.headers?.['x-flowport-error'] ?? '') });
    }
  }

  async cleanup(): Promise<void> {
    await this.channel.deleteQueue(this.queue).catch(() => undefined);
    await this.channel.deleteQueue(`${this.queue}.dlq`).catch(() => undefined);
    await this.connection.close().catch(() => undefined);
  }
}

export class SqsQueueFixture implements QueueFixture {
  readonly driverName = 'sqs' as const;
  private sequence = 0;
  private constructor(
    private readonly client: SQSClient,
    private readonly endpoint: string,
    readonly queueUrl: string,
    readonly deadLetterUrl: string,
    private readonly options: FixtureOptions,
  ) {}

  static client(endpoint: string): SQSClient {
    return new SQSClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, useQueueUrlAsEndpoint: false });
  }

  static async create(endpoint: string, options: FixtureOptions = {}): Promise<SqsQueueFixture> {
    const client = SqsQueueFixture.client(endpoint);
    const base = `flowport-test-${randomBytes(5).toString('hex')}`;
    const suffix = options.fifo ? '.fifo' : '';
    const fifoAttributes: Record<string, string> = options.fifo ? { FifoQueue: 'true' } : {};
    const dlq = await client.send(new CreateQueueCommand({ QueueName: `${base}-dlq${suffix}`, Attributes: fifoAttributes }));
    const dlqArn = (await client.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    const attributes: Record<string, string> = { ...fifoAttributes, VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? 30) };
    if (!options.explicitDeadLetterQueue) {
      // A high maxReceiveCount: the driver dead-letters itself; SQS's own redrive must not race it.
      attributes.RedrivePolicy = JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 1000 });
    }
    const queue = await client.send(new CreateQueueCommand({ QueueName: `${base}${suffix}`, Attributes: attributes }));
    return new SqsQueueFixture(client, endpoint, queue.QueueUrl!, dlq.QueueUrl!, options);
  }

  driverConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      queueUrl: this.queueUrl,
      endpoint: this.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      waitTimeSeconds: 1,
      visibilityTimeoutSeconds: this.options.visibilityTimeoutSeconds ?? 30,
      ...(this.options.explicitDeadLetterQueue ? { deadLetterQueueUrl: this.deadLetterUrl } : {}),
      ...overrides,
    };
  }

  async publish(bodies: JsonValue[]): Promise<void> {
    for (let i = 0; i < bodies.length; i += 10) {
      const chunk = bodies.slice(i, i + 10);
      const result = await this.client.send(
        new SendMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: chunk.map((body, j) => {
            const n = this.sequence++;
            const group = typeof body === 'object' && body !== null && !Array.isArray(body) && typeof body.group === 'string' ? body.group : 'default';
            return {
              Id: String(j),
              MessageBody: JSON.stringify(body),
              MessageAttributes: { source: { DataType: 'String', StringValue: 'test' } },
              ...(this.options.fifo ? { MessageGroupId: group, MessageDeduplicationId: `d-${n}` } : {}),
            };
          }),
        }),
      );
      if (result.Failed?.length) throw new Error(`SendMessageBatch failed: ${JSON.stringify(result.Failed)}`);
    }
  }

  async counts(): Promise<{ waiting: number; unacked: number }> {
    const { Attributes = {} } = await this.client.send(
      new GetQueueAttributesCommand({ QueueUrl: this.queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
    );
    return { waiting: Number(Attributes.ApproximateNumberOfMessages), unacked: Number(Attributes.ApproximateNumberOfMessagesNotVisible) };
  }

  async drained(): Promise<boolean> {
    const c = await this.counts();
    return c.waiting === 0 && c.unacked === 0;
  }

  async takeDeadLetters(): Promise<DeadLetter[]> {
    const out: DeadLetter[] = [];
    for (;;) {
      const { Messages = [] } = await this.client.send(
        new ReceiveMessageCommand({ QueueUrl: this.deadLetterUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageAttributeNames: ['All'], VisibilityTimeout: 60 }),
      );
      if (Messages.length === 0) return out;
      for (const m of Messages) out.push({ body: m.Body ?? '', error: m.MessageAttributes?.['flowport-error']?.StringValue ?? '' });
    }
  }

  async cleanup(): Promise<void> {
    await this.client.send(new DeleteQueueCommand({ QueueUrl: this.queueUrl })).catch(() => undefined);
    await this.client.send(new DeleteQueueCommand({ QueueUrl: this.deadLetterUrl })).catch(() => undefined);
    this.client.destroy();
  }
}

export function uniqueFlowId(): string {
  return `flow-${randomBytes(6).toString('hex')}`;
}
