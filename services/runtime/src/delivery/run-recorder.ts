import type { JsonValue } from '../stream-message';

/** One message of a batch, mapped and labelled, ready to be recorded. */
export type RecordItem = {
  messageId: string;
  externalId: string;
  payload: JsonValue;
  labels?: Record<string, JsonValue>;
};

export type RecordedRun = { id: string; flowId: string; messageCount: number };

export type RecordResult = {
  /** The run started for this batch; empty when every message was a duplicate. */
  runs: RecordedRun[];
  accepted: { messageId: string; externalId: string; runId: string }[];
  /** Already recorded for this flow, earlier or earlier in the same batch. */
  duplicates: { messageId: string; externalId: string }[];
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
 * Durable record of stream deliveries. `record` must insert the run and its messages in one
 * transaction, unique per (flow, External ID), and resolve only once committed: the caller acks
 * the broker right after.
 */
export interface RunRecorder {
  record(flowId: string, items: RecordItem[], trigger?: JsonValue): Promise<RecordResult>;
  recordDeadLetter(flowId: string, entry: DeadLetterEntry): Promise<void>;
  /**
   * True when an error of `record` means the store itself is unreachable (connection refused or
   * lost, server shutting down) rather than something about the batch. Stream delivery then
   * retries the messages until the store is back without counting attempts, so an outage never
   * dead-letters them. Absent: every failure counts as an attempt.
   */
  isUnavailable?(error: unknown): boolean;
}
