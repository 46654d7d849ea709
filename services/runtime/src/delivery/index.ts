// The stream-delivery core (drivers, batching, recording before acking) without the NestJS
// runtime module, so plain-library users and tests do not load the framework.
export type { JsonValue, StreamMessage } from '../stream-message';
export { parseBody } from '../stream-message';
export {
  StreamDriverConfigError,
  MAX_BATCH_SIZE,
  batchingConfigSchema,
  silentLogger,
  type BatchHandler,
  type BatchingConfig,
  type DeliveredMessage,
  type DriverStartOptions,
  type Logger,
  type NackOptions,
  type StopOptions,
  type StreamDriver,
} from '../drivers/stream-driver';
export { AmqpDriver, amqpDriverConfigSchema, DEAD_LETTER_ERROR_HEADER, type AmqpDriverConfig } from '../drivers/amqp-driver';
export { SqsDriver, sqsDriverConfigSchema, SQS_DEAD_LETTER_ERROR_ATTRIBUTE, type SqsDriverConfig } from '../drivers/sqs-driver';
export { KafkaDriver, kafkaDriverConfigSchema, KAFKA_DEAD_LETTER_ERROR_HEADER, type KafkaDriverConfig } from '../drivers/kafka.driver';
export { StreamDriverRegistry, createDefaultDriverRegistry, type DriverFactory } from '../drivers/registry';
export { Batcher, type BatcherOptions } from './batcher';
export { ExternalIdExpression } from './external-id';
export type { DeadLetterEntry, RecordItem, RecordResult, RecordedRun, RunRecorder } from './run-recorder';
export { PgRunRecorder, runTablesSql, type PgRunRecorderOptions } from './pg-run-recorder';
export {
  StreamDelivery,
  type MapMessage,
  type MappedMessage,
  type StreamDeliveryOptions,
  type StreamDeliveryStats,
} from './stream-delivery';
