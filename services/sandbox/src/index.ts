export { SandboxPool } from './pool';
export { integrityOf, verifyIntegrity } from './integrity';
export { SandboxError, type SandboxErrorData } from './errors';
export { isHostAllowed, AddressPolicy } from './http-guard';
export { MAX_KAFKA_MESSAGES } from './broker-requests';
export type {
  AmqpCapability,
  CallCapabilities,
  ConnectorBundle,
  GuestOp,
  HostCallInfo,
  JsonValue,
  KafkaCapability,
  KeyValueStore,
  LogEntry,
  LogLevel,
  SandboxCallRequest,
  SandboxCallResult,
  SandboxPoolOptions,
  SandboxPoolStats,
  SqlCapability,
} from './types';
