import { errorText, silentLogger, type DeliveredMessage, type Logger, type StopOptions, type StreamDriver } from '../drivers/stream-driver';
import type { JsonValue, StreamMessage } from '../stream-message';
import { ExternalIdExpression } from './external-id';
import type { RecordItem, RecordResult, RunRecorder } from './run-recorder';

export type MappedMessage = { payload: JsonValue; labels?: Record<string, JsonValue> };
/** The connector trigger's `map` (run in the sandbox by the caller). */
export type MapMessage = (message: StreamMessage) => Promise<MappedMessage>;

export type StreamDeliveryOptions = {
  flowId: string;
  driver: StreamDriver;
  /** Passed to driver.start (includes batchSize / batchWaitMs). */
  driverConfig: unknown;
  recorder: RunRecorder;
  /** JSONata over { payload, headers, attributes, id }; empty = broker message id. */
  externalId?: string;
  /** Default: payload = body. */
  mapMessage?: MapMessage;
  /** Stored as the run's trigger (e.g. { type: 'stream', connector, trigger }). */
  trigger?: JsonValue;
  /** Attempts (map, External ID or recording) before a message is dead-lettered. Default 5. */
  maxAttempts?: number;
  /** Back-off before redelivery: base x 2^(attempt-1), capped. Defaults 1000 ms and 60 000 ms. */
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  /** Called after a batch is durably recorded, before its messages are acked. */
  onRecorded?: (result: RecordResult, batch: DeliveredMessage[]) => void;
  /**
   * Counts for metrics: each delivered batch, each message acked after recording, each
   * dead-letter, and the consumer lag whenever the driver reads it (null = unknown).
   */
  observer?: { batch?(size: number): void; acked?(count: number): void; deadLettered?(): void; lag?(waiting: number | null): void };
  /** How often drivers that must ask the broker for the lag (AMQP, SQS) do; default 5000 ms. */
  lagIntervalMs?: number;
  logger?: Logger;
};

export type StreamDeliveryStats = {
  batches: number;
  accepted: number;
  duplicates: number;
  runs: number;
  retried: number;
  deadLettered: number;
  recordFailures: number;
  ackFailures: number;
};

const ATTEMPT_MEMORY = 10_000;
// While the run store is unreachable a message is retried at least this often, so the stream
// resumes within seconds of the database coming back however long the outage lasted.
const OUTAGE_MAX_DELAY_MS = 10_000;

/**
 * Stream trigger delivery for one flow: driver -> map -> External ID -> record -> ack.
 * A message is acked only after its run (or its duplicate mark) is committed; failures are
 * redelivered with back-off and dead-lettered after `maxAttempts`.
 */
export class StreamDelivery {
  readonly stats: StreamDeliveryStats = { batches: 0, accepted: 0, duplicates: 0, runs: 0, retried: 0, deadLettered: 0, recordFailures: 0, ackFailures: 0 };
  private readonly externalId: ExternalIdExpression;
  private readonly mapMessage: MapMessage;
  private readonly maxAttempts: number;
  private readonly retryBaseDelayMs: number;
  private readonly retryMaxDelayMs: number;
  private readonly logger: Logger;
  // Brokers do not always count deliveries (classic AMQP queues), so attempts are also counted here.
  private readonly attempts = new Map<string, number>();
  // Redeliveries because the run store was unreachable: they set the back-off, never the attempt count.
  private readonly outageRetries = new Map<string, number>();
  private started = false;

  constructor(private readonly options: StreamDeliveryOptions) {
    this.externalId = new ExternalIdExpression(options.externalId ?? '');
    this.mapMessage = options.mapMessage ?? (async (message) => ({ payload: message.body }));
    this.maxAttempts = options.maxAttempts ?? 5;
    if (!Number.isInteger(this.maxAttempts) || this.maxAttempts < 1) {
      throw new RangeError(`maxAttempts must be a whole number of at least 1 (got ${this.maxAttempts})`);
    }
    this.retryBaseDelayMs = options.retryBaseDelayMs ?? 1000;
    this.retryMaxDelayMs = options.retryMaxDelayMs ?? 60_000;
    this.logger = options.logger ?? silentLogger;
  }

  async start(): Promise<void> {
    if (this.started) throw new Error(`Stream delivery for flow ${this.options.flowId} is already started`);
    this.started = true;
    try {
      const lag = this.options.observer?.lag;
      await this.options.driver.start(this.options.driverConfig, (batch) => this.handleBatch(batch), lag ? { onLag: (waiting) => lag(waiting), lagIntervalMs: this.options.lagIntervalMs } : {});
    } catch (error) {
      this.started = false;
      throw error;
    }
  }

  async stop(options?: StopOptions): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.options.driver.stop(options);
  }

  private async handleBatch(batch: DeliveredMessage[]): Promise<void> {
    this.stats.batches++;
    this.options.observer?.batch?.(batch.length);
    const prepared = await Promise.all(batch.map((message) => this.prepare(message)));
    const good: { message: DeliveredMessage; item: RecordItem }[] = [];
    const settling: Promise<void>[] = [];
    for (const entry of prepared) {
      if ('error' in entry) settling.push(this.retryOrDeadLetter(entry.message, entry.error, entry.mapped));
      else good.push(entry);
    }
    if (good.length > 0) settling.push(this.recordAndAck(good));
    await Promise.all(settling);
  }

  private async prepare(
    message: DeliveredMessage,
  ): Promise<{ message: DeliveredMessage; item: RecordItem } | { message: DeliveredMessage; error: unknown; mapped?: MappedMessage }> {
    let mapped: MappedMessage | undefined;
    try {
      mapped = await this.mapMessage(message);
      if (mapped === null || typeof mapped !== 'object' || mapped.payload === undefined) {
        throw new Error(`map must return { payload, labels? } for message ${message.id} (got ${JSON.stringify(mapped)})`);
      }
      const externalId = await this.externalId.evaluate(message, mapped.payload);
      return { message, item: { messageId: message.id, externalId, payload: mapped.payload, labels: mapped.labels } };
    } catch (error) {
      return { message, error, mapped };
    }
  }

  private async recordAndAck(good: { message: DeliveredMessage; item: RecordItem }[]): Promise<void> {
    let result: RecordResult;
    try {
      result = await this.options.recorder.record(
        this.options.flowId,
        good.map((g) => g.item),
        this.options.trigger,
      );
    } catch (error) {
      this.stats.recordFailures++;
      if (this.options.recorder.isUnavailable?.(error)) {
        // The database is down, not these messages at fault: an outage must not use up their
        // attempts and dead-letter (ack without a record) healthy messages.
        this.logger.warn('Recording a batch failed: the run store is unreachable; its messages will be redelivered until it is back', { flowId: this.options.flowId, count: good.length, error: errorText(error) });
        await Promise.all(good.map((g) => this.retryAfterOutage(g.message)));
        return;
      }
      this.logger.warn('Recording a batch failed; its messages will be redelivered', { flowId: this.options.flowId, count: good.length, error: errorText(error) });
      await Promise.all(good.map((g) => this.retryOrDeadLetter(g.message, error, g.item)));
      return;
    }
    this.stats.accepted += result.accepted.length;
    this.stats.duplicates += result.duplicates.length;
    this.stats.runs += result.runs.length;
    // A batch starts at most one run; its id is the field that joins these lines to the executor's.
    this.logger.debug('Batch recorded', { flowId: this.options.flowId, runId: result.runs[0]?.id ?? null, accepted: result.accepted.length, duplicates: result.duplicates.length });
    try {
      this.options.onRecorded?.(result, good.map((g) => g.message));
    } catch (error) {
      this.logger.error('onRecorded callback threw', { flowId: this.options.flowId, error: errorText(error) });
    }
    let acked = 0;
    await Promise.all(
      good.map(async ({ message }) => {
        this.attempts.delete(message.attemptKey);
        this.outageRetries.delete(message.attemptKey);
        try {
          await message.ack();
          acked++;
        } catch (error) {
          // Recorded already: a redelivery will be marked duplicate, so nothing is lost or doubled.
          this.stats.ackFailures++;
          this.logger.warn('Ack after recording failed; a redelivery will be recorded as duplicate', { flowId: this.options.flowId, runId: result.accepted.find((a) => a.messageId === message.id)?.runId ?? null, messageId: message.id, error: errorText(error) });
        }
      }),
    );
    this.options.observer?.acked?.(acked);
  }

  private async retryOrDeadLetter(message: DeliveredMessage, error: unknown, mapped?: MappedMessage | RecordItem): Promise<void> {
    const attempts = Math.max((this.attempts.get(message.attemptKey) ?? 0) + 1, message.deliveryCount ?? 0);
    this.rememberAttempts(message.attemptKey, attempts);
    try {
      if (attempts < this.maxAttempts) {
        this.stats.retried++;
        const delayMs = Math.min(this.retryMaxDelayMs, this.retryBaseDelayMs * 2 ** (attempts - 1));
        this.logger.info('Message failed; redelivering after back-off', { flowId: this.options.flowId, messageId: message.id, attempts, delayMs, error: errorText(error) });
        await message.nack({ requeue: true, delayMs });
        return;
      }
      await this.deadLetter(message, error, attempts, mapped);
    } catch (settleError) {
      this.logger.error('Could not settle a failed message; the broker will redeliver it', { flowId: this.options.flowId, messageId: message.id, error: errorText(settleError) });
    }
  }

  private async deadLetter(message: DeliveredMessage, error: unknown, attempts: number, mapped?: MappedMessage | RecordItem): Promise<void> {
    const text = errorText(error);
    try {
      await this.options.recorder.recordDeadLetter(this.options.flowId, {
        messageId: message.id,
        externalId: mapped && 'externalId' in mapped ? (mapped.externalId ?? undefined) : undefined,
        payload: mapped?.payload ?? message.body,
        labels: mapped?.labels,
        error: text,
        attempts,
      });
    } catch (recordError) {
      // The dead-letter queue keeps the message and its error, so moving it on is still safe.
      this.logger.error('Could not record a dead-lettered message; it is still moved to the dead-letter destination', {
        flowId: this.options.flowId,
        messageId: message.id,
        error: errorText(recordError),
      });
    }
    await message.deadLetter(`${text} (after ${attempts} attempts)`);
    this.attempts.delete(message.attemptKey);
    this.outageRetries.delete(message.attemptKey);
    this.stats.deadLettered++;
    this.options.observer?.deadLettered?.();
    this.logger.warn('Message dead-lettered', { flowId: this.options.flowId, messageId: message.id, attempts, error: text });
  }

  private async retryAfterOutage(message: DeliveredMessage): Promise<void> {
    const retries = (this.outageRetries.get(message.attemptKey) ?? 0) + 1;
    this.outageRetries.delete(message.attemptKey);
    this.outageRetries.set(message.attemptKey, retries);
    if (this.outageRetries.size > ATTEMPT_MEMORY) this.outageRetries.delete(this.outageRetries.keys().next().value!);
    const delayMs = Math.min(this.retryMaxDelayMs, OUTAGE_MAX_DELAY_MS, this.retryBaseDelayMs * 2 ** Math.min(retries - 1, 20));
    try {
      await message.nack({ requeue: true, delayMs });
    } catch (settleError) {
      this.logger.error('Could not requeue a message during a run store outage; the broker will redeliver it', { flowId: this.options.flowId, messageId: message.id, error: errorText(settleError) });
    }
  }

  private rememberAttempts(key: string, attempts: number): void {
    this.attempts.delete(key);
    this.attempts.set(key, attempts);
    if (this.attempts.size > ATTEMPT_MEMORY) this.attempts.delete(this.attempts.keys().next().value!);
  }
}
