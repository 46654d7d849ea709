import { z } from 'zod';
import type { StreamMessage } from '../stream-message';

export type NackOptions = {
  /**
   * true (default): the broker delivers the message again after `delayMs`.
   * false: hand the message back to the broker's own dead-letter handling (AMQP reject without
   * requeue, which drops it unless the queue has a dead-letter exchange; SQS: stop extending its
   * visibility so the queue's redrive policy counts the receive).
   */
  requeue?: boolean;
  /** Wait before the message is redelivered. AMQP holds it unacked for that long; SQS rounds up to whole seconds. */
  delayMs?: number;
};

/** A received message plus the ways to settle it. Each message is settled exactly once. */
export interface DeliveredMessage extends StreamMessage {
  /** Stable across redeliveries of the same message: keys the per-message attempt count. */
  readonly attemptKey: string;
  /** How many times the broker has delivered this message, when the broker says (SQS ApproximateReceiveCount, AMQP x-delivery-count). */
  readonly deliveryCount?: number;
  readonly settled: boolean;
  ack(): Promise<void>;
  nack(options?: NackOptions): Promise<void>;
  /** Moves the message to the dead-letter destination with the error, then removes it from the source. */
  deadLetter(error: unknown): Promise<void>;
}

export type BatchHandler = (batch: DeliveredMessage[]) => Promise<void>;

export type StopOptions = {
  /** How long to wait for in-flight batch handlers before closing anyway (their messages are then redelivered). Default 30 000 ms. */
  timeoutMs?: number;
};

/**
 * How a driver reports what the broker says about the source while it consumes (the platform
 * turns it into metrics; drivers do not import them).
 */
export type DriverStartOptions = {
  /**
   * Messages waiting in the source that this consumer has not received yet, where the broker
   * reports it: AMQP queue depth (ready messages), SQS visible + delayed messages, Kafka high
   * watermark minus the next offset to process, summed over the partitions assigned here.
   * Called at start, whenever the value is read again, and with `null` when it becomes unknown.
   */
  onLag?: (waiting: number | null) => void;
  /** How often a driver that has to ask for the lag (AMQP, SQS) asks. Default 5000 ms. */
  lagIntervalMs?: number;
};

export const DEFAULT_LAG_INTERVAL_MS = 5000;

export interface StreamDriver {
  readonly name: string;
  /** Validates `config` (throws StreamDriverConfigError), connects and starts consuming. */
  start(config: unknown, handler: BatchHandler, options?: DriverStartOptions): Promise<void>;
  /** Stops consuming, releases buffered messages, waits for in-flight handlers (bounded), closes. */
  stop(options?: StopOptions): Promise<void>;
}

export type StreamDriverFactory = () => StreamDriver;

export type Logger = {
  debug(message: string, context?: Record<string, unknown>): void;
  info(message: string, context?: Record<string, unknown>): void;
  warn(message: string, context?: Record<string, unknown>): void;
  error(message: string, context?: Record<string, unknown>): void;
};

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export class StreamDriverConfigError extends Error {
  constructor(
    readonly driver: string,
    readonly issues: { path: string; message: string }[],
  ) {
    super(`${driver} driver config is invalid: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`);
    this.name = 'StreamDriverConfigError';
  }
}

export const MAX_BATCH_SIZE = 1000;

/** Settings every driver shares: how messages are grouped into batches for one handler call. */
export const batchingConfigSchema = z.object({
  batchSize: z
    .number({ error: (i) => `Batch Size must be a number (got ${JSON.stringify(i.input)})` })
    .int({ error: (i) => `Batch Size must be a whole number (got ${String(i.input)})` })
    .min(1, { error: (i) => `Batch Size must be between 1 and ${MAX_BATCH_SIZE} (got ${String(i.input)})` })
    .max(MAX_BATCH_SIZE, { error: (i) => `Batch Size must be between 1 and ${MAX_BATCH_SIZE} (got ${String(i.input)})` }),
  batchWaitMs: z
    .number()
    .int()
    .min(0, { error: (i) => `batchWaitMs must be between 0 and 60000 ms (got ${String(i.input)})` })
    .max(60_000, { error: (i) => `batchWaitMs must be between 0 and 60000 ms (got ${String(i.input)})` })
    .default(1000),
  /** Batches handled at once; unset = at least 2, and enough for about 64 messages in flight. */
  maxInFlightBatches: z
    .number()
    .int()
    .min(1, { error: (i) => `maxInFlightBatches must be between 1 and 256 (got ${String(i.input)})` })
    .max(256, { error: (i) => `maxInFlightBatches must be between 1 and 256 (got ${String(i.input)})` })
    .optional(),
});

export type BatchingConfig = z.output<typeof batchingConfigSchema>;

export function defaultMaxInFlightBatches(batchSize: number): number {
  // Small batches need many concurrent handlers so the recorder can group-commit them.
  return Math.min(64, Math.max(2, Math.ceil(64 / batchSize)));
}

export function parseDriverConfig<S extends z.ZodType>(driver: string, schema: S, config: unknown): z.output<S> {
  if (config === null || typeof config !== 'object') {
    throw new StreamDriverConfigError(driver, [{ path: '', message: `config must be an object (got ${config === null ? 'null' : typeof config})` }]);
  }
  const result = schema.safeParse(config);
  if (!result.success) {
    throw new StreamDriverConfigError(
      driver,
      result.error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message })),
    );
  }
  return result.data;
}

/** Ensures a message is settled once; a second ack/nack/dead-letter is a bug in the caller. */
export class SettleGuard {
  private done = false;
  constructor(private readonly describe: () => string) {}
  get settled(): boolean {
    return this.done;
  }
  claim(action: string): void {
    if (this.done) throw new Error(`Cannot ${action} message ${this.describe()}: it was already acked, nacked or dead-lettered`);
    this.done = true;
  }
}

/**
 * Asks `read` for the lag now and then every `intervalMs` (never two reads at once) and hands
 * the answer to `onLag`; a failed read reports `null` (unknown). Returns the stop function.
 */
export function pollLag(read: () => Promise<number>, onLag: (waiting: number | null) => void, intervalMs: number, logger: Logger, what: string): () => void {
  let reading = false;
  let stopped = false;
  let failing = false;
  const tick = async () => {
    if (reading || stopped) return;
    reading = true;
    try {
      const waiting = await read();
      failing = false;
      if (!stopped) onLag(waiting);
    } catch (error) {
      // Logged once per failing streak: a broker that is down is already reported elsewhere.
      if (!failing) logger.debug(`Could not read the consumer lag of ${what}`, { error: errorText(error) });
      failing = true;
      if (!stopped) onLag(null);
    } finally {
      reading = false;
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), intervalMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}

export function errorText(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return typeof error === 'string' ? error : JSON.stringify(error);
}
