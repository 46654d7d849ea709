import type { JsonValue } from '../stream-message';

/** One message of a batch, mapped and labelled, ready to be recorded. */
export type RecordItem = {
  messageId: string;
  /**
   * The de-duplication key, unique per flow among accepted messages. Null: the message is not
   * de-duplicated and always accepted (a connector webhook item without an External ID).
   */
  externalId: string | null;
  payload: JsonValue;
  labels?: Record<string, JsonValue>;
};

export type RecordOptions = {
  /**
   * Most messages one run receives: a batch larger than this is split, in order, into several
   * runs recorded in the same transaction (a connector webhook call's items by Batch Size).
   * Default: the whole batch is one run.
   */
  runSize?: number;
};

export type RecordedRun = { id: string; flowId: string; messageCount: number };

export type RecordResult = {
  /** The runs started for this batch (one unless `runSize` split it); empty when every message was a duplicate. */
  runs: RecordedRun[];
  /** `id` is the message's run_messages row. */
  accepted: { id: string; messageId: string; externalId: string | null; runId: string }[];
  /** Already recorded for this flow, earlier or earlier in the same batch. */
  duplicates: { id: string; messageId: string; externalId: string }[];
};

export type DeadLetterEntry = {
  messageId: string;
  /** Absent when the External ID could not be evaluated. */
  externalId?: string;
  payload?: JsonValue;
  labels?: Record<string, JsonValue>;
  error: string;
  attempts: number;
};

/**
 * Durable record of stream deliveries (and of pooling items, schedules and connector webhook
 * items). `record` must insert the run and its messages in one transaction, unique per (flow,
 * External ID), and resolve only once committed: the caller acks the broker right after.
 */
export interface RunRecorder {
  record(flowId: string, items: RecordItem[], trigger?: JsonValue, options?: RecordOptions): Promise<RecordResult>;
  recordDeadLetter(flowId: string, entry: DeadLetterEntry): Promise<void>;
  /**
   * True when an error of `record` means the store itself is unreachable (connection refused or
   * lost, server shutting down) rather than something about the batch. Stream delivery then
   * retries the messages until the store is back without counting attempts, so an outage never
   * dead-letters them. Absent: every failure counts as an attempt.
   */
  isUnavailable?(error: unknown): boolean;
}
