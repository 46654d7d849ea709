import { createHash } from 'node:crypto';
import * as amqp from 'amqplib';
import { z } from 'zod';
import { Batcher } from '../delivery/batcher';
import { AckTracker } from './amqp-acks';
import { parseBody, toHeaderString, toJsonValue, type JsonValue } from '../stream-message';
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

export const amqpDriverConfigSchema = batchingConfigSchema.extend({
  url: z
    .string({ error: 'url is required: the RabbitMQ address, e.g. amqp://user:pass@host:5672/vhost' })
    .regex(/^amqps?:\/\//, { error: (i) => `url must start with amqp:// or amqps:// (got ${maskUrl(String(i.input))})` }),
  queue: z.string({ error: 'queue is required: the name of the queue to consume from' }).min(1, { error: 'queue must not be empty' }),
  /** Declare the queue (durable) when it does not exist; false = it must already exist. */
  assertQueue: z.boolean().default(true),
  /** Bind the queue to this exchange (declared when assertQueue is true). */
  exchange: z.string().min(1).optional(),
  exchangeType: z.enum(['direct', 'topic', 'fanout', 'headers']).default('topic'),
  routingKey: z.string().default('#'),
  /** Where dead-lettered messages go; declared durable. Default `<queue>.dlq`. */
  deadLetterQueue: z.string().min(1).optional(),
  reconnect: z
    .object({
      initialDelayMs: z.number().int().min(1).default(200),
      maxDelayMs: z.number().int().min(1).default(10_000),
      /** Attempts before start() gives up on a broker that was never reached. */
      initialMaxRetries: z.number().int().min(0).default(3),
    })
    .default({ initialDelayMs: 200, maxDelayMs: 10_000, initialMaxRetries: 3 }),
  /** Shown in the RabbitMQ management UI for this connection. */
  connectionName: z.string().optional(),
});

export type AmqpDriverConfig = z.input<typeof amqpDriverConfigSchema>;
type ParsedConfig = z.output<typeof amqpDriverConfigSchema>;

export const DEAD_LETTER_ERROR_HEADER = 'x-flowport-error';

function maskUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

type Session = {
  generation: number;
  model: amqp.ChannelModel;
  channel: amqp.Channel;
  confirm: amqp.ConfirmChannel;
  /** Coalesces the consumer channel's acks (a recorded batch is one multiple-ack). */
  acks: AckTracker;
  consumerTag?: string;
  /** Asks for the queue depth; its own channel, so a failed check cannot close the consumer's. */
  lag?: Promise<amqp.Channel>;
};

type AmqpMessage = DeliveredMessage & { readonly generation: number; readonly raw: amqp.ConsumeMessage };

/**
 * Consumes one RabbitMQ queue with manual acks. Prefetch equals the batcher's capacity
 * (Batch Size x (in-flight batches + 1)), so the broker itself stops sending while handlers are
 * busy. amqplib's opt-in recovery reconnects with back-off; messages of a lost connection are
 * dropped from the buffer because the broker redelivers them. Acks go through an AckTracker: a
 * recorded batch is acked with one multiple-ack, in delivery order (amqplib writes every frame to
 * the socket on its own, so 100 single acks were 100 socket writes and 100 frames for RabbitMQ).
 */
export class AmqpDriver implements StreamDriver {
  readonly name = 'amqp';
  private config!: ParsedConfig;
  private connection: amqp.RecoveringChannelModel | undefined;
  private session: Session | undefined;
  private generation = 0;
  private batcher!: Batcher<AmqpMessage>;
  private stopping = false;
  private readonly delayed = new Map<NodeJS.Timeout, AmqpMessage>();
  private stopLagPolling: () => void = () => undefined;

  constructor(private readonly logger: Logger = silentLogger) {}

  get deadLetterQueue(): string {
    return this.config.deadLetterQueue ?? `${this.config.queue}.dlq`;
  }

  async start(config: unknown, handler: BatchHandler, options: DriverStartOptions = {}): Promise<void> {
    if (this.connection) throw new Error('AMQP driver is already started; stop() it first');
    this.config = parseDriverConfig('amqp', amqpDriverConfigSchema, config);
    const cfg = this.config;
    this.stopping = false;
    this.batcher = new Batcher<AmqpMessage>({
      batchSize: cfg.batchSize,
      batchWaitMs: cfg.batchWaitMs,
      maxInFlightBatches: cfg.maxInFlightBatches ?? defaultMaxInFlightBatches(cfg.batchSize),
      onBatch: handler,
      onError: (error, items) => {
        this.logger.error('AMQP batch handler failed; requeueing its unsettled messages', { queue: cfg.queue, error: errorText(error) });
        for (const item of items) if (!item.settled) void item.nack({ requeue: true }).catch(() => undefined);
      },
    });
    try {
      this.connection = await amqp.connect(cfg.url, {
        clientProperties: { connection_name: cfg.connectionName ?? `flowport-runtime:${cfg.queue}` },
        recovery: {
          initialDelay: cfg.reconnect.initialDelayMs,
          maxDelay: cfg.reconnect.maxDelayMs,
          initialMaxRetries: cfg.reconnect.initialMaxRetries,
          maxRetries: Infinity,
          setup: (model: amqp.ChannelModel) => this.setup(model),
        },
      });
    } catch (error) {
      throw new Error(
        `Could not connect to RabbitMQ at ${maskUrl(cfg.url)} for queue "${cfg.queue}": ${errorText(error)}. Check the url, credentials and that the broker is reachable.`,
        { cause: error },
      );
    }
    this.connection.on('error', (error: Error) => this.logger.warn('AMQP connection error', { error: errorText(error) }));
    this.connection.on('handler-error', (error: Error) => this.logger.error('AMQP event handler threw', { error: errorText(error) }));
    this.connection.on('disconnect', (error: Error) => {
      // The broker requeues everything this connection held, so every buffered copy is stale
      // (the next connection's consumer starts only after this event).
      const stale = this.batcher.takeBuffered();
      this.session?.acks.close(new Error(`AMQP connection lost before the ack was sent (${errorText(error)}); RabbitMQ will redeliver`));
      this.session = undefined;
      this.logger.warn('AMQP connection lost; reconnecting', { queue: cfg.queue, error: errorText(error), dropped: stale.length });
    });
    this.connection.on('reconnect-scheduled', (info: { attempt: number; delay: number }) =>
      this.logger.info('AMQP reconnect scheduled', { queue: cfg.queue, ...info }),
    );
    if (options.onLag) this.stopLagPolling = pollLag(() => this.queueDepth(), options.onLag, options.lagIntervalMs ?? DEFAULT_LAG_INTERVAL_MS, this.logger, `queue "${cfg.queue}"`);
  }

  async stop(options: StopOptions = {}): Promise<void> {
    const connection = this.connection;
    if (!connection) return;
    this.stopping = true;
    this.stopLagPolling();
    const session = this.session;
    if (session?.consumerTag) await session.channel.cancel(session.consumerTag).catch(() => undefined);
    for (const message of this.batcher.takeBuffered()) this.requeueNow(message);
    this.batcher.releaseWaiters();
    const idle = await this.batcher.whenIdle(options.timeoutMs ?? 30_000);
    if (!idle) this.logger.warn('AMQP stop timed out waiting for batch handlers; their messages will be redelivered', { queue: this.config.queue });
    for (const [timer, message] of this.delayed) {
      clearTimeout(timer);
      this.requeueNow(message);
    }
    this.delayed.clear();
    const current = this.session;
    this.connection = undefined;
    this.session = undefined;
    // amqplib writes each channel through its own buffer, so the connection's Close (channel 0)
    // can overtake acks and nacks still buffered on the consumer channel; the broker then
    // requeues messages that were already recorded. Closing the channels first flushes them:
    // RabbitMQ answers a channel's Close only after the frames sent before it on that channel.
    if (current) {
      // Acks still waiting to be coalesced go now, so recorded messages are not redelivered.
      current.acks.flushAll();
      const channels: Array<Promise<unknown>> = [current.channel.close(), current.confirm.close()];
      if (current.lag) channels.push(current.lag.then((lag) => lag.close()));
      await Promise.all(channels.map((closing) => closing.catch(() => undefined)));
    }
    await connection.close().catch(() => undefined);
  }

  private async setup(model: amqp.ChannelModel): Promise<void> {
    const cfg = this.config;
    const generation = ++this.generation;
    const channel = await model.createChannel();
    const confirm = await model.createConfirmChannel();
    for (const ch of [channel, confirm]) {
      ch.on('error', (error: Error) => this.logger.warn('AMQP channel error', { queue: cfg.queue, error: errorText(error) }));
      ch.on('handler-error', (error: Error) => this.logger.error('AMQP channel event handler threw', { error: errorText(error) }));
      ch.on('close', () => {
        // A channel closed by the broker (e.g. a protocol error) while the connection lives on
        // would leave the consumer dead; closing the connection makes recovery rebuild both.
        if (!this.stopping && this.session?.generation === generation) void model.close().catch(() => undefined);
      });
    }
    if (cfg.assertQueue) {
      await channel.assertQueue(cfg.queue, { durable: true });
      if (cfg.exchange) {
        await channel.assertExchange(cfg.exchange, cfg.exchangeType, { durable: true });
        await channel.bindQueue(cfg.queue, cfg.exchange, cfg.routingKey);
      }
    } else {
      await channel.checkQueue(cfg.queue);
    }
    await confirm.assertQueue(this.deadLetterQueue, { durable: true });
    await channel.prefetch(this.batcher.capacity);
    const acks = new AckTracker(channel);
    channel.on('close', () => acks.close(new Error('AMQP channel closed before the ack was sent; RabbitMQ will redeliver')));
    const session: Session = { generation, model, channel, confirm, acks };
    this.session = session;
    const { consumerTag } = await channel.consume(
      cfg.queue,
      (raw) => {
        if (!raw) {
          this.logger.error('AMQP consumer was cancelled by the broker (queue deleted?); reconnecting', { queue: cfg.queue });
          void model.close().catch(() => undefined);
          return;
        }
        acks.delivered(raw.fields.deliveryTag);
        this.batcher.push(this.toMessage(raw, session));
      },
      { noAck: false },
    );
    session.consumerTag = consumerTag;
    this.logger.info('AMQP consumer started', { queue: cfg.queue, prefetch: this.batcher.capacity, generation });
  }

  /** Ready messages in the queue (RabbitMQ's messageCount excludes those delivered and unacked). */
  private async queueDepth(): Promise<number> {
    const session = this.session;
    if (!session) throw new Error('not connected to RabbitMQ');
    if (!session.lag) {
      const opening = session.model.createChannel().then((channel) => {
        channel.on('error', (error: Error) => this.logger.debug('AMQP lag channel error', { queue: this.config.queue, error: errorText(error) }));
        // Closed by the broker (e.g. the queue was deleted): open a new one at the next read.
        channel.on('close', () => {
          if (session.lag === opening) session.lag = undefined;
        });
        return channel;
      });
      session.lag = opening;
      opening.catch(() => {
        if (session.lag === opening) session.lag = undefined;
      });
    }
    const { messageCount } = await (await session.lag).checkQueue(this.config.queue);
    return messageCount;
  }

  private toMessage(raw: amqp.ConsumeMessage, session: Session): AmqpMessage {
    const { properties, fields, content } = raw;
    const id = properties.messageId ? String(properties.messageId) : `sha256:${createHash('sha256').update(content).digest('hex')}`;
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(properties.headers ?? {})) {
      if (value !== undefined) headers[key] = toHeaderString(value);
    }
    const attributes: Record<string, JsonValue> = {};
    const props = properties as unknown as Record<string, unknown>;
    for (const key of ['contentType', 'contentEncoding', 'deliveryMode', 'priority', 'correlationId', 'replyTo', 'expiration', 'messageId', 'timestamp', 'type', 'userId', 'appId', 'clusterId']) {
      if (props[key] !== undefined) attributes[key] = toJsonValue(props[key]);
    }
    attributes.exchange = fields.exchange;
    attributes.routingKey = fields.routingKey;
    attributes.redelivered = fields.redelivered;
    attributes.deliveryTag = fields.deliveryTag;
    // Quorum queues count earlier deliveries in x-delivery-count; classic queues only say "redelivered".
    const previous = Number(properties.headers?.['x-delivery-count']);
    const deliveryCount = Number.isFinite(previous) ? previous + 1 : undefined;
    const guard = new SettleGuard(() => `${id} from queue "${this.config.queue}"`);
    const message: AmqpMessage = {
      id,
      body: parseBody(content.toString('utf8'), properties.contentType),
      headers,
      attributes,
      receivedAt: new Date().toISOString(),
      attemptKey: id,
      deliveryCount,
      generation: session.generation,
      raw,
      get settled() {
        return guard.settled;
      },
      ack: async () => {
        guard.claim('ack');
        // Coalesced: the acks of a recorded batch leave as one multiple-ack, in delivery order.
        await this.liveSession(message, 'ack').acks.ack(raw.fields.deliveryTag);
      },
      nack: async (options: NackOptions = {}) => {
        guard.claim('nack');
        const current = this.liveSession(message, 'nack');
        const requeue = options.requeue ?? true;
        if (requeue && options.delayMs && options.delayMs > 0 && !this.stopping) {
          // AMQP has no delayed requeue: hold the message unacked (it keeps its prefetch slot) and requeue later.
          const timer = setTimeout(() => {
            this.delayed.delete(timer);
            this.requeueNow(message);
          }, options.delayMs);
          this.delayed.set(timer, message);
          current.acks.holding(raw.fields.deliveryTag);
          return;
        }
        current.channel.nack(raw, false, requeue);
        current.acks.settled(raw.fields.deliveryTag);
      },
      deadLetter: async (error: unknown) => {
        guard.claim('dead-letter');
        const current = this.liveSession(message, 'dead-letter');
        const headersOut = {
          ...(properties.headers ?? {}),
          [DEAD_LETTER_ERROR_HEADER]: errorText(error).slice(0, 4000),
          'x-flowport-source-queue': this.config.queue,
          'x-flowport-dead-lettered-at': new Date().toISOString(),
        };
        await new Promise<void>((resolve, reject) => {
          current.confirm.sendToQueue(
            this.deadLetterQueue,
            content,
            { ...stripUndefined(properties), headers: headersOut, persistent: true },
            (err: unknown) => (err ? reject(new Error(`RabbitMQ did not confirm the dead-letter publish to "${this.deadLetterQueue}": ${errorText(err)}`)) : resolve()),
          );
        }).catch((publishError: unknown) => {
          // Not in the dead-letter queue: give it back so it is not stuck unacked.
          this.requeueNow(message);
          throw publishError;
        });
        const live = this.liveSession(message, 'dead-letter');
        live.channel.ack(raw);
        live.acks.settled(raw.fields.deliveryTag);
      },
    };
    return message;
  }

  private liveSession(message: AmqpMessage, action: string): Session {
    const session = this.session;
    if (!session || session.generation !== message.generation) {
      throw new Error(`Cannot ${action} message ${message.id}: its AMQP connection was lost, RabbitMQ will redeliver it`);
    }
    return session;
  }

  private requeueNow(message: AmqpMessage): void {
    const session = this.session;
    if (session && session.generation === message.generation) {
      try {
        session.channel.nack(message.raw, false, true);
        session.acks.settled(message.raw.fields.deliveryTag);
      } catch (error) {
        this.logger.debug('AMQP requeue failed; the broker requeues on close anyway', { error: errorText(error) });
      }
    }
  }
}

function stripUndefined(properties: amqp.MessageProperties): amqp.Options.Publish {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(properties)) if (value !== undefined && value !== null) out[key] = value;
  return out as amqp.Options.Publish;
}
