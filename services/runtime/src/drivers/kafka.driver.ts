import {
  Kafka,
  logLevel,
  type Batch,
  type Consumer,
  type EachBatchPayload,
  type IHeaders,
  type KafkaMessage as RawKafkaMessage,
  type LogEntry,
  type Producer,
  type SASLOptions,
} from 'kafkajs';
import { z } from 'zod';
import { Batcher } from '../delivery/batcher';
import { parseBody, toHeaderString, type JsonValue } from '../stream-message';
import {
  batchingConfigSchema,
  defaultMaxInFlightBatches,
  errorText,
  parseDriverConfig,
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

// Kafka's own rule for topic names (kafka.common.internals.Topic).
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;
const topicName = (what: string) =>
  z
    .string({ error: `${what} must be a topic name` })
    .regex(TOPIC_NAME, { error: (i) => `${what} must be 1-249 letters, digits, ".", "_" or "-" (got ${JSON.stringify(i.input)})` });

const ms = (what: string, min: number, max: number) =>
  z
    .number()
    .int()
    .min(min, { error: (i) => `${what} must be between ${min} and ${max} ms (got ${String(i.input)})` })
    .max(max, { error: (i) => `${what} must be between ${min} and ${max} ms (got ${String(i.input)})` });

export const kafkaDriverConfigSchema = batchingConfigSchema
  .extend({
    /** `host:port` bootstrap brokers; a comma-separated string is accepted too. */
    brokers: z
      .union([z.string(), z.array(z.string())], { error: 'brokers is required: the bootstrap brokers as host:port, e.g. ["kafka-1:9092"]' })
      .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((b) => b.trim()).filter((b) => b.length > 0))
      .pipe(
        z
          .array(z.string().regex(/^[^\s:/]+:\d{1,5}$/, { error: (i) => `each broker must be host:port, e.g. kafka-1:9092 (got ${JSON.stringify(i.input)})` }))
          .min(1, { error: 'brokers must name at least one host:port' }),
      ),
    /** One topic (the SDK's KafkaDriverConfig), or several with `topics`; both may be given. */
    topic: topicName('topic').optional(),
    topics: z.array(topicName('each topic')).optional(),
    groupId: z.string({ error: 'groupId is required: the consumer group that tracks what this flow has read' }).min(1, { error: 'groupId must not be empty' }),
    clientId: z.string().min(1).default('flowport-runtime'),
    ssl: z.boolean().default(false),
    sasl: z
      .object({
        mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512'], {
          error: (i) => `sasl.mechanism must be plain, scram-sha-256 or scram-sha-512 (got ${JSON.stringify(i.input)})`,
        }),
        username: z.string({ error: 'sasl.username is required' }).min(1, { error: 'sasl.username must not be empty' }),
        password: z.string({ error: 'sasl.password is required' }).min(1, { error: 'sasl.password must not be empty' }),
      })
      .optional(),
    /** Where a group with no committed offset starts: the oldest retained message, or only new ones. */
    fromBeginning: z.boolean().default(false),
    /** Dead-letter topic for every source topic; default `<topic>.dlq` per source topic. */
    deadLetterTopic: topicName('deadLetterTopic').optional(),
    sessionTimeoutMs: ms('sessionTimeoutMs', 500, 3_600_000).default(30_000),
    rebalanceTimeoutMs: ms('rebalanceTimeoutMs', 500, 3_600_000).default(60_000),
    heartbeatIntervalMs: ms('heartbeatIntervalMs', 10, 600_000).default(3000),
    /** Long-poll time of one fetch; also bounds how long start() waits for the first fetch. kafkajs's 5000 would delay every flow start. */
    maxWaitTimeMs: ms('maxWaitTimeMs', 0, 60_000).default(1000),
    /**
     * Record the messages of a partition in offset order: a batch waits for the earlier batches
     * holding messages of the same partitions (so the first of two equal External IDs wins).
     * false = batches run fully concurrently. Retried messages are recorded when they succeed.
     */
    preservePartitionOrder: z.boolean().default(true),
    /** Partitions whose fetched batches are handled at once (kafkajs partitionsConsumedConcurrently). */
    partitionsConsumedConcurrently: z
      .number()
      .int()
      .min(1, { error: (i) => `partitionsConsumedConcurrently must be between 1 and 64 (got ${String(i.input)})` })
      .max(64, { error: (i) => `partitionsConsumedConcurrently must be between 1 and 64 (got ${String(i.input)})` })
      .default(4),
    connectionTimeoutMs: ms('connectionTimeoutMs', 100, 120_000).default(3000),
    retry: z
      .object({ initialRetryTimeMs: z.number().int().min(1).default(300), retries: z.number().int().min(0).max(100).default(5) })
      .default({ initialRetryTimeMs: 300, retries: 5 }),
  })
  .superRefine((cfg, ctx) => {
    if (!cfg.topic && (!cfg.topics || cfg.topics.length === 0)) {
      ctx.addIssue({ code: 'custom', path: ['topics'], message: 'topics is required: name at least one topic to consume (topic or topics)' });
    }
    if (cfg.heartbeatIntervalMs >= cfg.sessionTimeoutMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['heartbeatIntervalMs'],
        message: `heartbeatIntervalMs (${cfg.heartbeatIntervalMs}) must be lower than sessionTimeoutMs (${cfg.sessionTimeoutMs}); Kafka advises a third of it`,
      });
    }
  });

export type KafkaDriverConfig = z.input<typeof kafkaDriverConfigSchema>;
type ParsedConfig = z.output<typeof kafkaDriverConfigSchema>;

export const KAFKA_DEAD_LETTER_ERROR_HEADER = 'x-flowport-error';
/** Back-off before a message whose dead-letter produce failed is read again. */
const DEAD_LETTER_FAILURE_DELAY_MS = 1000;

/** How a delivered message ended: recorded/dead-lettered, to be read again, or handed back on stop. */
type Outcome = { kind: 'done' } | { kind: 'retry'; delayMs: number } | { kind: 'released' };

type KafkaMessage = DeliveredMessage & {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly outcome: Outcome | undefined;
  readonly whenSettled: Promise<void>;
  release(): void;
};

type Entry = { offset: string; message?: KafkaMessage };

/**
 * Consumes Kafka topics in a consumer group through kafkajs `eachBatch`, with auto-commit and
 * auto-resolve off. Messages of a fetched batch go through the shared Batcher (so one run can
 * hold messages of several partitions); the batch callback waits, heartbeating, until each of
 * its messages is settled, then resolves and commits the offset after the longest acked prefix.
 * The committed offset therefore never passes an unacked message of that partition. A nacked
 * message pauses its partition for the back-off and is read again from its offset (seek);
 * messages after it that were already recorded are remembered and skipped on that re-read.
 */
export class KafkaDriver implements StreamDriver {
  readonly name = 'kafka';
  private config!: ParsedConfig;
  private topics: string[] = [];
  private consumer: Consumer | undefined;
  private producer: Producer | undefined;
  private batcher!: Batcher<KafkaMessage>;
  private stopping = false;
  private abandon: () => void = () => undefined;
  private abandoned: Promise<void> = Promise.resolve();
  /** Per `topic/partition`: offsets past the committed one that are already recorded or dead-lettered. */
  private readonly doneAhead = new Map<string, Set<string>>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  /** Per `topic/partition`: the last batch handed over that holds messages of it. */
  private readonly partitionTails = new Map<string, Promise<void>>();
  /** Per `topic/partition` assigned here: messages after the next offset to process, as of its last fetch. */
  private readonly partitionLag = new Map<string, bigint>();
  private onLag: ((waiting: number | null) => void) | undefined;

  constructor(private readonly logger: Logger = silentLogger) {}

  deadLetterTopicFor(topic: string): string {
    return this.config.deadLetterTopic ?? `${topic}.dlq`;
  }

  async start(config: unknown, handler: BatchHandler, options: DriverStartOptions = {}): Promise<void> {
    if (this.consumer) throw new Error('Kafka driver is already started; stop() it first');
    this.config = parseDriverConfig('kafka', kafkaDriverConfigSchema, config);
    const cfg = this.config;
    this.topics = [...new Set([...(cfg.topic ? [cfg.topic] : []), ...(cfg.topics ?? [])])];
    this.stopping = false;
    this.abandoned = new Promise<void>((resolve) => (this.abandon = resolve));
    this.doneAhead.clear();
    this.partitionLag.clear();
    this.onLag = options.onLag;
    this.batcher = new Batcher<KafkaMessage>({
      batchSize: cfg.batchSize,
      batchWaitMs: cfg.batchWaitMs,
      maxInFlightBatches: cfg.maxInFlightBatches ?? defaultMaxInFlightBatches(cfg.batchSize),
      onBatch: cfg.preservePartitionOrder ? this.inPartitionOrder(handler) : handler,
      onError: (error, items) => {
        this.logger.error('Kafka batch handler failed; its unsettled messages will be read again', { topics: this.topics, error: errorText(error) });
        for (const item of items) if (!item.settled) void item.nack({ requeue: true, delayMs: DEAD_LETTER_FAILURE_DELAY_MS }).catch(() => undefined);
      },
    });

    const kafka = new Kafka({
      clientId: cfg.clientId,
      brokers: cfg.brokers,
      ssl: cfg.ssl,
      sasl: cfg.sasl as SASLOptions | undefined,
      connectionTimeout: cfg.connectionTimeoutMs,
      retry: { initialRetryTime: cfg.retry.initialRetryTimeMs, retries: cfg.retry.retries },
      logLevel: logLevel.INFO,
      logCreator: () => (entry: LogEntry) => this.kafkaLog(entry),
    });
    const consumer = kafka.consumer({
      groupId: cfg.groupId,
      sessionTimeout: cfg.sessionTimeoutMs,
      rebalanceTimeout: cfg.rebalanceTimeoutMs,
      heartbeatInterval: cfg.heartbeatIntervalMs,
      maxWaitTimeInMs: cfg.maxWaitTimeMs,
      // A typo in a topic name must fail the flow's start, not create an empty topic.
      allowAutoTopicCreation: false,
      retry: { initialRetryTime: cfg.retry.initialRetryTimeMs, retries: cfg.retry.retries },
    });
    const producer = kafka.producer({ allowAutoTopicCreation: true, retry: { initialRetryTime: cfg.retry.initialRetryTimeMs, retries: cfg.retry.retries } });
    consumer.on(consumer.events.CRASH, ({ payload }) =>
      this.logger.error('Kafka consumer crashed', { groupId: cfg.groupId, error: errorText(payload.error), restarting: payload.restart }),
    );
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      // Partitions now owned by another member are read again there (recorded ones become duplicates).
      for (const key of [...this.doneAhead.keys()]) {
        const [topic, partition] = splitKey(key);
        if (!payload.memberAssignment[topic]?.includes(partition)) this.doneAhead.delete(key);
      }
      for (const key of [...this.partitionLag.keys()]) {
        const [topic, partition] = splitKey(key);
        if (!payload.memberAssignment[topic]?.includes(partition)) this.partitionLag.delete(key);
      }
      this.reportLag();
      this.logger.info('Kafka consumer joined its group', { groupId: cfg.groupId, memberAssignment: payload.memberAssignment });
    });

    const where = `${cfg.brokers.join(',')} (topics ${this.topics.join(', ')}, group "${cfg.groupId}")`;
    try {
      await consumer.connect();
      await producer.connect();
    } catch (error) {
      await Promise.allSettled([consumer.disconnect(), producer.disconnect()]);
      throw new Error(`Could not connect to Kafka at ${where}: ${errorText(error)}. Check the brokers, TLS and SASL settings and that the brokers are reachable.`, {
        cause: error,
      });
    }
    try {
      await consumer.subscribe({ topics: this.topics, fromBeginning: cfg.fromBeginning });
    } catch (error) {
      await Promise.allSettled([consumer.disconnect(), producer.disconnect()]);
      throw new Error(`Could not subscribe to Kafka topics ${this.topics.join(', ')} at ${cfg.brokers.join(',')}: ${errorText(error)}. Check that every topic exists (the driver does not create source topics).`, {
        cause: error,
      });
    }
    // With no committed offset and fromBeginning false, kafkajs fixes "latest" during its first
    // fetch; waiting for it means messages produced after start() resolves are never skipped.
    const firstFetch = new Promise<void>((resolve) => {
      const remove = consumer.on(consumer.events.FETCH, () => {
        remove();
        resolve();
      });
    });
    this.consumer = consumer;
    this.producer = producer;
    try {
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: cfg.partitionsConsumedConcurrently,
        eachBatch: (payload) => this.eachBatch(payload),
      });
    } catch (error) {
      this.consumer = undefined;
      this.producer = undefined;
      await Promise.allSettled([consumer.disconnect(), producer.disconnect()]);
      throw new Error(`Could not start consuming from Kafka at ${where}: ${errorText(error)}`, { cause: error });
    }
    if (!cfg.fromBeginning) {
      let timer: NodeJS.Timeout | undefined;
      const fetched = await Promise.race([firstFetch.then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), cfg.maxWaitTimeMs + 5000)))]);
      clearTimeout(timer);
      if (!fetched) this.logger.warn('Kafka consumer has not fetched yet; messages produced right now may be before its starting offset', { where });
    }
    this.logger.info('Kafka consumer started', { where, batchCapacity: this.batcher.capacity });
  }

  async stop(options: StopOptions = {}): Promise<void> {
    const consumer = this.consumer;
    if (!consumer) return;
    this.stopping = true;
    for (const message of this.batcher.takeBuffered()) message.release();
    this.batcher.releaseWaiters();
    const idle = await this.batcher.whenIdle(options.timeoutMs ?? 30_000);
    if (!idle) this.logger.warn('Kafka stop timed out waiting for batch handlers; their messages will be read again', { topics: this.topics });
    // Batch callbacks still waiting for unsettled messages now commit the acked prefix and return.
    this.abandon();
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    // disconnect() stops the run loop, waits for the batch callbacks (and their commits), then leaves the group.
    await consumer.disconnect().catch((error: unknown) => this.logger.warn('Kafka consumer did not disconnect cleanly', { error: errorText(error) }));
    await this.producer?.disconnect().catch(() => undefined);
    this.consumer = undefined;
    this.producer = undefined;
  }

  private async eachBatch({ batch, heartbeat, isRunning, isStale, resolveOffset, commitOffsetsIfNecessary, pause }: EachBatchPayload): Promise<void> {
    const key = partitionKey(batch.topic, batch.partition);
    // Everything from the batch's first offset up to the high watermark is still to be processed.
    if (!batch.isEmpty()) this.setLag(key, batch.highWatermark, batch.firstOffset()!);
    const ahead = this.doneAhead.get(key);
    const entries: Entry[] = [];
    const beat = new Heartbeats(heartbeat, this.logger);
    for (const raw of batch.messages) {
      if (this.stopping || !isRunning() || isStale()) break;
      if (ahead?.has(raw.offset)) {
        entries.push({ offset: raw.offset });
        continue;
      }
      while (this.batcher.room < 1 && !this.stopping) {
        await Promise.race([this.batcher.waitForRoom(1), sleep(this.config.heartbeatIntervalMs)]);
        await beat.beat();
      }
      if (this.stopping) break;
      const message = this.toMessage(batch, raw);
      entries.push({ offset: raw.offset, message });
      this.batcher.push(message);
    }

    const pending = entries.flatMap((e) => (e.message ? [e.message.whenSettled] : []));
    let settled = false;
    const all = Promise.all(pending).then(() => (settled = true));
    while (!settled) {
      const abandoned = await Promise.race([all.then(() => false), this.abandoned.then(() => true), sleep(this.config.heartbeatIntervalMs).then(() => false)]);
      if (abandoned) break;
      if (!settled) await beat.beat();
    }

    // The committed offset may only move past messages that are done, in offset order.
    let lastDone: string | undefined;
    let blocker: Entry | undefined;
    const doneLater: string[] = [];
    for (const entry of entries) {
      const done = !entry.message || entry.message.outcome?.kind === 'done';
      if (!blocker && done) lastDone = entry.offset;
      else if (!blocker) blocker = entry;
      else if (done) doneLater.push(entry.offset);
    }
    this.rememberDoneAhead(key, lastDone, doneLater);

    if (lastDone !== undefined) {
      resolveOffset(lastDone);
      const next = (BigInt(lastDone) + 1n).toString();
      this.setLag(key, batch.highWatermark, next);
      try {
        await commitOffsetsIfNecessary({ topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: next }] }] });
      } catch (error) {
        // Recorded already: whoever reads these messages again records them as duplicates.
        this.logger.warn('Kafka offset commit failed; recorded messages will be read again and marked duplicate', {
          topic: batch.topic,
          partition: batch.partition,
          offset: next,
          error: errorText(error),
        });
      }
    }

    const outcome = blocker?.message?.outcome;
    if (blocker && outcome?.kind === 'retry' && !this.stopping) this.retryLater(batch.topic, batch.partition, blocker.offset, outcome.delayMs, pause);
    // A rebalance noticed while waiting: let kafkajs rejoin now that the acked prefix is committed.
    beat.rethrowRebalance();
  }

  /** Records one partition's lag (high watermark minus the next offset to process) and reports the sum. */
  private setLag(key: string, highWatermark: string, nextOffset: string): void {
    const waiting = BigInt(highWatermark) - BigInt(nextOffset);
    this.partitionLag.set(key, waiting > 0n ? waiting : 0n);
    this.reportLag();
  }

  private reportLag(): void {
    if (!this.onLag || this.stopping) return;
    let sum = 0n;
    for (const waiting of this.partitionLag.values()) sum += waiting;
    this.onLag(Number(sum));
  }

  /** Starts each batch only after the earlier batches that share one of its partitions. */
  private inPartitionOrder(handler: BatchHandler): (batch: KafkaMessage[]) => Promise<void> {
    return (batch) => {
      const keys = [...new Set(batch.map((m) => partitionKey(m.topic, m.partition)))];
      const earlier = keys.flatMap((key) => {
        const tail = this.partitionTails.get(key);
        return tail ? [tail] : [];
      });
      const run = earlier.length === 0 ? handler(batch) : Promise.all(earlier).then(() => handler(batch));
      const tail = run.then(
        () => undefined,
        () => undefined,
      );
      for (const key of keys) this.partitionTails.set(key, tail);
      void tail.then(() => {
        for (const key of keys) if (this.partitionTails.get(key) === tail) this.partitionTails.delete(key);
      });
      return run;
    };
  }

  /** Pauses the partition for the back-off, then reads it again from the first unacked offset. */
  private retryLater(topic: string, partition: number, offset: string, delayMs: number, pause: () => () => void): void {
    const resume = pause();
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      if (this.stopping || !this.consumer) return;
      try {
        this.consumer.seek({ topic, partition, offset });
      } catch (error) {
        this.logger.warn('Kafka seek for a retry failed; the partition is read from its committed offset', { topic, partition, offset, error: errorText(error) });
      }
      resume();
    }, delayMs);
    this.retryTimers.add(timer);
  }

  private rememberDoneAhead(key: string, committedThrough: string | undefined, doneLater: string[]): void {
    let set = this.doneAhead.get(key);
    if (committedThrough !== undefined && set) {
      const limit = BigInt(committedThrough);
      for (const offset of set) if (BigInt(offset) <= limit) set.delete(offset);
    }
    if (doneLater.length > 0) {
      set ??= new Set();
      for (const offset of doneLater) set.add(offset);
      this.doneAhead.set(key, set);
    }
    if (set && set.size === 0) this.doneAhead.delete(key);
  }

  private toMessage(batch: Batch, raw: RawKafkaMessage): KafkaMessage {
    const { topic, partition } = batch;
    const id = `${topic}/${partition}/${raw.offset}`;
    const headers = headersOf(raw.headers);
    const timestamp = Number(raw.timestamp);
    const attributes: Record<string, JsonValue> = {
      topic,
      partition,
      offset: raw.offset,
      key: raw.key === null ? null : raw.key.toString('utf8'),
      timestamp: Number.isFinite(timestamp) && timestamp >= 0 ? new Date(timestamp).toISOString() : raw.timestamp,
    };
    const guard = new SettleGuard(() => `${id} (group "${this.config.groupId}")`);
    let outcome: Outcome | undefined;
    let markSettled!: () => void;
    const whenSettled = new Promise<void>((resolve) => (markSettled = resolve));
    const finish = (result: Outcome) => {
      outcome = result;
      markSettled();
    };
    const message: KafkaMessage = {
      id,
      body: raw.value === null ? null : parseBody(raw.value.toString('utf8'), headers['content-type']),
      headers,
      attributes,
      receivedAt: new Date().toISOString(),
      attemptKey: id,
      topic,
      partition,
      offset: raw.offset,
      whenSettled,
      get outcome() {
        return outcome;
      },
      get settled() {
        return guard.settled;
      },
      ack: async () => {
        guard.claim('ack');
        finish({ kind: 'done' });
      },
      // Kafka has no broker-side requeue or dead-letter: every nack means "read it again".
      nack: async (options: NackOptions = {}) => {
        guard.claim('nack');
        finish({ kind: 'retry', delayMs: Math.max(0, options.delayMs ?? 0) });
      },
      deadLetter: async (error: unknown) => {
        guard.claim('dead-letter');
        try {
          await this.produceDeadLetter(message, raw, error);
        } catch (produceError) {
          finish({ kind: 'retry', delayMs: DEAD_LETTER_FAILURE_DELAY_MS });
          throw produceError;
        }
        finish({ kind: 'done' });
      },
      release: () => {
        if (guard.settled) return;
        guard.claim('release');
        finish({ kind: 'released' });
      },
    };
    return message;
  }

  private async produceDeadLetter(message: KafkaMessage, raw: RawKafkaMessage, error: unknown): Promise<void> {
    const target = this.deadLetterTopicFor(message.topic);
    const headers: IHeaders = {};
    for (const [name, value] of Object.entries(raw.headers ?? {})) if (value !== undefined) headers[name] = value;
    Object.assign(headers, {
      [KAFKA_DEAD_LETTER_ERROR_HEADER]: errorText(error).slice(0, 4000),
      'x-flowport-source-topic': message.topic,
      'x-flowport-source-partition': String(message.partition),
      'x-flowport-source-offset': message.offset,
      'x-flowport-dead-lettered-at': new Date().toISOString(),
    });
    const producer = this.producer;
    if (!producer) throw new Error(`Cannot dead-letter message ${message.id}: the Kafka driver is stopped; it will be read again`);
    try {
      await producer.send({ topic: target, acks: -1, messages: [{ key: raw.key, value: raw.value, headers, timestamp: raw.timestamp }] });
    } catch (produceError) {
      throw new Error(
        `Could not produce message ${message.id} to the dead-letter topic "${target}": ${errorText(produceError)}. Create the topic (or allow auto-creation); the message will be read again.`,
        { cause: produceError },
      );
    }
  }

  private kafkaLog(entry: LogEntry): void {
    const { message, ...rest } = entry.log;
    const context = { namespace: entry.namespace, ...rest };
    delete (context as Record<string, unknown>).timestamp;
    const text = `kafkajs: ${message}`;
    // kafkajs logs joins and commits at INFO; they are debugging detail for the platform.
    if (entry.level === logLevel.ERROR) this.logger.error(text, context);
    else if (entry.level === logLevel.WARN) this.logger.warn(text, context);
    else this.logger.debug(text, context);
  }
}

/** Heartbeats during a long batch; a rebalance is remembered and rethrown once the batch is committed. */
class Heartbeats {
  private rebalance: unknown;
  constructor(
    private readonly heartbeat: () => Promise<void>,
    private readonly logger: Logger,
  ) {}

  async beat(): Promise<void> {
    if (this.rebalance) return;
    try {
      await this.heartbeat();
    } catch (error) {
      const type = (error as { type?: string }).type;
      if (type === 'REBALANCE_IN_PROGRESS' || type === 'NOT_COORDINATOR_FOR_GROUP' || type === 'ILLEGAL_GENERATION' || type === 'UNKNOWN_MEMBER_ID') {
        this.rebalance = error;
      } else {
        this.logger.warn('Kafka heartbeat failed during a batch', { error: errorText(error) });
      }
    }
  }

  rethrowRebalance(): void {
    if (this.rebalance) throw this.rebalance;
  }
}

function headersOf(raw: IHeaders | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw ?? {})) {
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? JSON.stringify(value.map((v) => toHeaderString(v))) : toHeaderString(value);
  }
  return headers;
}

function partitionKey(topic: string, partition: number): string {
  return `${topic}/${partition}`;
}

function splitKey(key: string): [string, number] {
  const slash = key.lastIndexOf('/');
  return [key.slice(0, slash), Number(key.slice(slash + 1))];
}

/** A pause between heartbeats; unref'd so a stopping process does not wait for it. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
