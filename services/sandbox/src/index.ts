export { SandboxPool } from './pool';
export { integrityOf, verifyIntegrity } from './integrity';
export { SandboxError, type SandboxErrorData } from './errors';
export { isHostAllowed, AddressPolicy } from './http-guard';
export type {
  CallCapabilities,
  ConnectorBundle,
  GuestOp,
  JsonValue,
  KeyValueStore,
  LogEntry,
  LogLevel,
  SandboxCallRequest,
  SandboxCallResult,
  SandboxPoolOptions,
  SandboxPoolStats,
  SqlCapability,
} from './types';
