import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  type Message,
  type MessageAttributeValue,
} from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { Batcher } from '../delivery/batcher';
import { parseBody, type JsonValue } from '../stream-message';
import {
  batchingConfigSchema,
  DEFAULT_LAG_INTERVAL_MS,
  defaultMaxInFlightBatches,
  errorText,
  parseDriverConfig,
  pollLag,
  SettleGuard,
  silentLogger,
  type BatchHandler,
  type DeliveredMessage,
  type DriverStartOptions,
  type Logger,
  type NackOptions,
  type StopOptions,
  type StreamDriver,
} from './stream-driver';

export const sqsDriverConfigSchema = batchingConfigSchema.extend({
  queueUrl: z
    .string({ error: 'queueUrl is required: the Queue URL, e.g. https://sqs.eu-west-1.amazonaws.com/123456789012/orders' })
    .refine((v) => URL.canParse(v), { error: (i) => `queueUrl must be a URL (got ${JSON.stringify(i.input)})` }),
  region: z.string().min(1).default('us-east-1'),
  /** For SQS-compatible servers (ElasticMQ, fauxqs, LocalStack); unset = AWS. */
  endpoint: z
    .string()
    .refine((v) => URL.canParse(v), { error: (i) => `endpoint must be a URL (got ${JSON.stringify(i.input)})` })
    .optional(),
  credentials: z
    .object({
      accessKeyId: z.string({ error: 'credentials.accessKeyId is required' }).min(1),
      secretAccessKey: z.string({ error: 'credentials.secretAccessKey is required' }).min(1),
      sessionToken: z.string().optional(),
    })
    .optional(),
  waitTimeSeconds: z
    .number()
    .int()
    .min(0, { error: (i) => `waitTimeSeconds must be between 0 and 20 (got ${String(i.input)})` })
    .max(20, { error: (i) => `waitTimeSeconds must be between 0 and 20 (got ${String(i.input)})` })
    .default(20),
  /** Visibility timeout asked for on receive; held messages are extended every half of it. */
  visibilityTimeoutSeconds: z
    .number()
    .int()
    .min(2, { error: (i) => `visibilityTimeoutSeconds must be between 2 and 43200 (got ${String(i.input)})` })
    .max(43_200, { error: (i) => `visibilityTimeoutSeconds must be between 2 and 43200 (got ${String(i.input)})` })
    .default(30),
  /** Dead-letter destination; unset = the queue's redrive policy target. */
  deadLetterQueueUrl: z
    .string()
    .refine((v) => URL.canParse(v), { error: (i) => `deadLetterQueueUrl must be a URL (got ${JSON.stringify(i.input)})` })
    .optional(),
});

export type SqsDriverConfig = z.input<typeof sqsDriverConfigSchema>;
type ParsedConfig = z.output<typeof sqsDriverConfigSchema>;

export const SQS_DEAD_LETTER_ERROR_ATTRIBUTE = 'flowport-error';
const SQS_MAX_MESSAGE_ATTRIBUTES = 10;

type SqsMessage = DeliveredMessage & { readonly receiptHandle: string; readonly raw: Message };
type PendingDelete = { message: SqsMessage; resolve: () => void; reject: (error: Error) => void };

/**
 * Long-polls one SQS queue. Receives up to 10 messages per call and keeps receiving while the
 * batcher has room, so one batch can be filled by several receives. A message is deleted only
 * when it is acked (grouped into DeleteMessageBatch calls); while held, its visibility timeout
 * is extended so another consumer cannot receive it mid-batch.
 */
export class SqsDriver implements StreamDriver {
  readonly name = 'sqs';
  private config!: ParsedConfig;
  private client: SQSClient | undefined;
  private batcher!: Batcher<SqsMessage>;
  private abort = new AbortController();
  private pollLoop: Promise<void> | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly held = new Map<string, SqsMessage>();
  private pendingDeletes: PendingDelete[] = [];
  private deleteScheduled = false;
  private deadLetterUrl!: string;
  private fifo = false;
  private stopping = false;
  private stopLagPolling: () => void = () => undefined;

  constructor(private readonly logger: Logger = silentLogger) {}

  /** The queue dead-lettered messages are sent to (resolved during start). */
  get deadLetterQueueUrl(): string {
    return this.deadLetterUrl;
  }

  async start(config: unknown, handler: BatchHandler, options: DriverStartOptions = {}): Promise<void> {
    if (this.client) throw new Error('SQS driver is already started; stop() it first');
    const cfg = (this.config = parseDriverConfig('sqs', sqsDriverConfigSchema, config));
    this.stopping = false;
    this.abort = new AbortController();
    this.fifo = cfg.queueUrl.endsWith('.fifo');
    const client = new SQSClient({
      region: cfg.region,
      endpoint: cfg.endpoint,
      credentials: cfg.credentials,
      // With a custom endpoint the queue URL's host may not resolve (e.g. sqs.us-east-1.localhost).
      useQueueUrlAsEndpoint: cfg.endpoint === undefined,
    });
    try {
      this.deadLetterUrl = await this.resolveDeadLetterQueue(client);
    } catch (error) {
      client.destroy();
      throw error;
    }
    this.client = client;
    this.batcher = new Batcher<SqsMessage>({
      batchSize: cfg.batchSize,
      batchWaitMs: cfg.batchWaitMs,
      maxInFlightBatches: cfg.maxInFlightBatches ?? defaultMaxInFlightBatches(cfg.batchSize),
      onBatch: handler,
      onError: (error, items) => {
        this.logger.error('SQS batch handler failed; releasing its unsettled messages', { queueUrl: cfg.queueUrl, error: errorText(error) });
        for (const item of items) if (!item.settled) void item.nack({ requeue: true }).catch(() => undefined);
      },
    });
    const everyMs = Math.max(1000, (cfg.visibilityTimeoutSeconds * 1000) / 2);
    this.heartbeat = setInterval(() => void this.extendVisibility(), everyMs);
    this.pollLoop = this.poll();
    if (options.onLag) this.stopLagPolling = pollLag(() => this.queueDepth(client), options.onLag, options.lagIntervalMs ?? DEFAULT_LAG_INTERVAL_MS, this.logger, cfg.queueUrl);
  }

  async stop(options: StopOptions = {}): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.stopping = true;
    this.stopLagPolling();
    this.abort.abort();
    this.batcher.releaseWaiters();
    await this.pollLoop?.catch(() => undefined);
    const buffered = this.batcher.takeBuffered();
    // Make unhandled messages visible at once rather than after the visibility timeout.
    await this.changeVisibility(buffered, 0).catch((error) => this.logger.warn('SQS could not release buffered messages', { error: errorText(error) }));
    for (const m of buffered) this.held.delete(m.receiptHandle);
    const idle = await this.batcher.whenIdle(options.timeoutMs ?? 30_000);
    if (!idle) this.logger.warn('SQS stop timed out waiting for batch handlers; their messages reappear after the visibility timeout', { queueUrl: this.config.queueUrl });
    await this.flushDeletes();
    clearInterval(this.heartbeat);
    this.held.clear();
    this.client = undefined;
    client.destroy();
  }

  private async resolveDeadLetterQueue(client: SQSClient): Promise<string> {
    const cfg = this.config;
    let attributes: Record<string, string> | undefined;
    try {
      ({ Attributes: attributes } = await client.send(
        new GetQueueAttributesCommand({ QueueUrl: cfg.queueUrl, AttributeNames: ['RedrivePolicy', 'VisibilityTimeout'] }),
      ));
    } catch (error) {
      throw new Error(`Could not read SQS queue ${cfg.queueUrl}: ${errorText(error)}. Check the Queue URL, region, endpoint and credentials.`, { cause: error });
    }
    if (cfg.deadLetterQueueUrl) return cfg.deadLetterQueueUrl;
    const policy = attributes?.RedrivePolicy ? (JSON.parse(attributes.RedrivePolicy) as { deadLetterTargetArn?: string }) : undefined;
    const arn = policy?.deadLetterTargetArn;
    if (!arn) {
      throw new Error(
        `SQS queue ${cfg.queueUrl} has no dead-letter queue: set deadLetterQueueUrl, or give the queue a redrive policy (RedrivePolicy.deadLetterTargetArn).`,
      );
    }
    // arn:aws:sqs:<region>:<account>:<name>
    const [, , , , account, name] = arn.split(':');
    const { QueueUrl } = await client.send(new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account }));
    if (!QueueUrl) throw new Error(`SQS dead-letter queue ${arn} (from the redrive policy of ${cfg.queueUrl}) was not found`);
    return QueueUrl;
  }

  /**
   * Messages a receive could still return: visible plus delayed (ApproximateNumberOfMessages +
   * ApproximateNumberOfMessagesDelayed). Messages held by consumers (NotVisible) are not waiting.
   */
  private async queueDepth(client: SQSClient): Promise<number> {
    const { Attributes = {} } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: this.config.queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesDelayed'] }),
    );
    const count = (name: 'ApproximateNumberOfMessages' | 'ApproximateNumberOfMessagesDelayed') => {
      const value = Number(Attributes[name] ?? 0);
      return Number.isFinite(value) ? value : 0;
    };
    return count('ApproximateNumberOfMessages') + count('ApproximateNumberOfMessagesDelayed');
  }

  private async poll(): Promise<void> {
    const cfg = this.config;
    let failures = 0;
    while (!this.stopping) {
      await this.batcher.waitForRoom(1);
      if (this.stopping) break;
      try {
        const { Messages = [] } = await this.client!.send(
          new ReceiveMessageCommand({
            QueueUrl: cfg.queueUrl,
            MaxNumberOfMessages: Math.min(10, this.batcher.room),
            WaitTimeSeconds: cfg.waitTimeSeconds,
            VisibilityTimeout: cfg.visibilityTimeoutSeconds,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: this.abort.signal },
        );
        failures = 0;
        for (const raw of Messages) {
          const message = this.toMessage(raw);
          this.held.set(message.receiptHandle, message);
          if (this.stopping) {
            // Received while stopping: hand it straight back.
            void this.changeVisibility([message], 0).catch(() => undefined);
            this.held.delete(message.receiptHandle);
          } else {
            this.batcher.push(message);
          }
        }
      } catch (error) {
        if (this.stopping) break;
        failures++;
        const delay = Math.min(10_000, 200 * 2 ** Math.min(failures, 6));
        this.logger.warn('SQS receive failed; retrying', { queueUrl: cfg.queueUrl, error: errorText(error), retryInMs: delay });
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  private toMessage(raw: Message): SqsMessage {
    const id = raw.MessageId ?? raw.ReceiptHandle!;
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(raw.MessageAttributes ?? {})) {
      headers[key] = value.StringValue ?? (value.BinaryValue ? Buffer.from(value.BinaryValue).toString('base64') : '');
    }
    const attributes: Record<string, JsonValue> = { ...(raw.Attributes ?? {}) };
    const receiveCount = Number(raw.Attributes?.ApproximateReceiveCount);
    const guard = new SettleGuard(() => `${id} from ${this.config.queueUrl}`);
    const receiptHandle = raw.ReceiptHandle!;
    const message: SqsMessage = {
      id,
      body: parseBody(raw.Body ?? ''),
      headers,
      attributes,
      receivedAt: new Date().toISOString(),
      attemptKey: id,
      deliveryCount: Number.isFinite(receiveCount) ? receiveCount : undefined,
      receiptHandle,
      raw,
      get settled() {
        return guard.settled;
      },
      ack: () => {
        guard.claim('ack');
        return this.deleteLater(message);
      },
      nack: async (options: NackOptions = {}) => {
        guard.claim('nack');
        this.held.delete(receiptHandle);
        // requeue: false leaves the message invisible until its timeout, so the redrive policy counts the receive.
        if (options.requeue === false) return;
        await this.changeVisibility([message], Math.ceil((options.delayMs ?? 0) / 1000));
      },
      deadLetter: async (error: unknown) => {
        guard.claim('dead-letter');
        await this.sendToDeadLetterQueue(message, error);
        await this.deleteLater(message);
      },
    };
    return message;
  }

  private async sendToDeadLetterQueue(message: SqsMessage, error: unknown): Promise<void> {
    const attributes: Record<string, MessageAttributeValue> = {
      [SQS_DEAD_LETTER_ERROR_ATTRIBUTE]: { DataType: 'String', StringValue: errorText(error).slice(0, 4000) },
      'flowport-source-queue': { DataType: 'String', StringValue: this.config.queueUrl },
    };
    // SQS allows 10 message attributes; the error wins over the original ones that no longer fit.
    for (const [key, value] of Object.entries(message.raw.MessageAttributes ?? {})) {
      if (Object.keys(attributes).length >= SQS_MAX_MESSAGE_ATTRIBUTES) break;
      if (!(key in attributes)) attributes[key] = value;
    }
    const fifoDlq = this.deadLetterUrl.endsWith('.fifo');
    try {
      await this.client!.send(
        new SendMessageCommand({
          QueueUrl: this.deadLetterUrl,
          MessageBody: message.raw.Body ?? '',
          MessageAttributes: attributes,
          ...(fifoDlq
            ? { MessageGroupId: message.raw.Attributes?.MessageGroupId ?? 'dead-letter', MessageDeduplicationId: message.id }
            : {}),
        }),
      );
    } catch (sendError) {
      this.held.delete(message.receiptHandle);
      throw new Error(`Could not send message ${message.id} to the dead-letter queue ${this.deadLetterUrl}: ${errorText(sendError)}`, { cause: sendError });
    }
  }

  private deleteLater(message: SqsMessage): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pendingDeletes.push({ message, resolve, reject });
      if (this.pendingDeletes.length >= 10) {
        void this.flushDeletes();
      } else if (!this.deleteScheduled) {
        // Acks of one batch arrive in the same tick; group them into DeleteMessageBatch calls.
        this.deleteScheduled = true;
        setImmediate(() => void this.flushDeletes());
      }
    });
  }

  private async flushDeletes(): Promise<void> {
    this.deleteScheduled = false;
    const pending = this.pendingDeletes;
    this.pendingDeletes = [];
    const chunks: PendingDelete[][] = [];
    for (let i = 0; i < pending.length; i += 10) chunks.push(pending.slice(i, i + 10));
    await Promise.all(chunks.map((chunk) => this.deleteChunk(chunk)));
  }

  private async deleteChunk(chunk: PendingDelete[]): Promise<void> {
    try {
      const result = await this.client!.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.config.queueUrl,
          Entries: chunk.map((p, i) => ({ Id: String(i), ReceiptHandle: p.message.receiptHandle })),
        }),
      );
      const failed = new Map((result.Failed ?? []).map((f) => [f.Id, f]));
      chunk.forEach((p, i) => {
        this.held.delete(p.message.receiptHandle);
        const failure = failed.get(String(i));
        if (failure) p.reject(new Error(`SQS did not delete message ${p.message.id}: ${failure.Code} ${failure.Message ?? ''}`.trim()));
        else p.resolve();
      });
    } catch (error) {
      for (const p of chunk) {
        this.held.delete(p.message.receiptHandle);
        p.reject(new Error(`SQS did not delete message ${p.message.id}: ${errorText(error)}`, { cause: error }));
      }
    }
  }

  private async changeVisibility(messages: SqsMessage[], seconds: number): Promise<void> {
    if (messages.length === 0 || !this.client) return;
    if (messages.length === 1) {
      await this.client.send(
        new ChangeMessageVisibilityCommand({ QueueUrl: this.config.queueUrl, ReceiptHandle: messages[0].receiptHandle, VisibilityTimeout: seconds }),
      );
      return;
    }
    for (let i = 0; i < messages.length; i += 10) {
      const chunk = messages.slice(i, i + 10);
      await this.client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.config.queueUrl,
          Entries: chunk.map((m, j) => ({ Id: String(j), ReceiptHandle: m.receiptHandle, VisibilityTimeout: seconds })),
        }),
      );
    }
  }

  private async extendVisibility(): Promise<void> {
    const messages = [...this.held.values()].filter((m) => !m.settled);
    try {
      await this.changeVisibility(messages, this.config.visibilityTimeoutSeconds);
    } catch (error) {
      this.logger.warn('SQS could not extend the visibility timeout of held messages', { count: messages.length, error: errorText(error) });
    }
  }
}
