// @flowport/runtime: stream trigger delivery (drivers, batching, recording before acking).
export type { JsonValue, StreamMessage } from './stream-message';
export { parseBody } from './stream-message';
export {
  StreamDriverConfigError,
  MAX_BATCH_SIZE,
  batchingConfigSchema,
  silentLogger,
  type BatchHandler,
  type BatchingConfig,
  type DeliveredMessage,
  type Logger,
  type NackOptions,
  type StopOptions,
  type StreamDriver,
} from './drivers/stream-driver';
export { AmqpDriver, amqpDriverConfigSchema, DEAD_LETTER_ERROR_HEADER, type AmqpDriverConfig } from './drivers/amqp-driver';
export { SqsDriver, sqsDriverConfigSchema, SQS_DEAD_LETTER_ERROR_ATTRIBUTE, type SqsDriverConfig } from './drivers/sqs-driver';
export { KafkaDriver, kafkaDriverConfigSchema, KAFKA_DEAD_LETTER_ERROR_HEADER, type KafkaDriverConfig } from './drivers/kafka.driver';
export { StreamDriverRegistry, createDefaultDriverRegistry, type DriverFactory } from './drivers/registry';
export { Batcher, type BatcherOptions } from './delivery/batcher';
export { ExternalIdExpression } from './delivery/external-id';
export type { DeadLetterEntry, RecordItem, RecordResult, RecordedRun, RunRecorder } from './delivery/run-recorder';
export { PgRunRecorder, runTablesSql, type PgRunRecorderOptions } from './delivery/pg-run-recorder';
export {
  StreamDelivery,
  type MapMessage,
  type MappedMessage,
  type StreamDeliveryOptions,
  type StreamDeliveryStats,
} from './delivery/stream-delivery';
// Host-held connections behind the sandbox's amqp and kafka capabilities, and their network guard
// (they live in @flowport/capabilities; re-exported so the runtime's importers keep working).
export {
  AmqpCapabilities,
  AmqpPublishError,
  type AmqpCapabilityOptions,
  KafkaCapabilities,
  KafkaProduceError,
  type KafkaCapabilityOptions,
  NetworkGuard,
  NetworkGuardError,
  type NetworkGuardOptions,
} from '@flowport/capabilities';
// The runtime role (NestJS): executor, trigger manager, runs API, webhooks.
export { RuntimeModule, type RuntimeModuleOptions } from './runtime.module';
export { runtimeMigrations } from './migrations';
export { HostCapabilities, HostCapabilitiesModule } from './capabilities/host-capabilities';
export { resolveRuntimeOptions, RUNTIME_OPTIONS, type RuntimeOptions } from './runtime-options';
export { ExecutorService } from './executor/executor.service';
export { InProcessRunEvents, RunDispatcher, RUN_QUEUED, runEventsRmqOptions } from './executor/run-events';
export { TriggerManager } from './triggers/trigger-manager.service';
export { RunsService } from './runs/runs.service';
export { signWebhook, SIGNATURE_WINDOW_MS } from './webhooks/webhooks.service';
export type { FlowDefinition, StepDef, TriggerDef } from './flows/flow-definition';
