import type { AmqpPublishRequest, AmqpPublishResult, KafkaProduceRequest, KafkaProduceResult } from '@flowport/connector-sdk';
import type { SandboxErrorData } from './errors';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A built connector script (docs/contracts.md section 1) and its `sha256-<base64>` integrity. */
export interface ConnectorBundle {
  code: string;
  integrity: string;
}

export type GuestOp =
  | 'action.run'
  | 'trigger.poll'
  | 'trigger.map'
  | 'trigger.config'
  | 'trigger.test'
  | 'trigger.webhook'
  | 'account.validate'
  | 'props.options';

/** Durable key-value state the host keeps for the guest (e.g. a polling cursor per trigger). */
export interface KeyValueStore {
  get(key: string): Promise<JsonValue | null | undefined>;
  set(key: string, value: JsonValue): Promise<void>;
  delete(key: string): Promise<void>;
}

export interface SqlCapability {
  query(text: string, params: JsonValue[]): Promise<{ rows: JsonValue[]; rowCount: number }>;
}

/** What the host learns about the call a broker capability serves. */
export interface HostCallInfo {
  /** Epoch ms when the connector call's deadline passes: a capability should give up by then. */
  deadline: number;
}

/**
 * `ctx.amqp.publish`: the request arrives checked for shape (field types) by the pool; the
 * capability owns the connection, the network guard, limits and the broker's confirm.
 */
export interface AmqpCapability {
  publish(request: AmqpPublishRequest, call: HostCallInfo): Promise<AmqpPublishResult>;
}

/** `ctx.kafka.produce`: as AmqpCapability, for Kafka producers. */
export interface KafkaCapability {
  produce(request: KafkaProduceRequest, call: HostCallInfo): Promise<KafkaProduceResult>;
}

export interface CallCapabilities {
  store?: KeyValueStore;
  /** Hosts `ctx.http.fetch` may reach: exact names or `*.example.com`. None given: no HTTP. */
  allowedHosts?: string[];
  /** Overrides the pool's allowPrivateNetwork for this call. */
  allowPrivateNetwork?: boolean;
  sql?: SqlCapability;
  /** Grants `ctx.amqp` (RabbitMQ publish with confirms). */
  amqp?: AmqpCapability;
  /** Grants `ctx.kafka` (Kafka produce). */
  kafka?: KafkaCapability;
}

export interface SandboxCallRequest {
  bundle: ConnectorBundle;
  op: GuestOp;
  target?: string;
  input: unknown;
  capabilities?: CallCapabilities;
  timeoutMs?: number;
  /**
   * Tenant boundary for warm isolates (the runtime passes the workspace id): calls with
   * different partitions never share an isolate, so module state cannot leak between them.
   */
  partition?: string;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogEntry {
  level: LogLevel;
  message: string;
  /** ISO time the host received the line. */
  at: string;
}

export type SandboxCallResult =
  | { ok: true; output: JsonValue; logs: LogEntry[]; durationMs: number }
  | { ok: false; error: SandboxErrorData; logs: LogEntry[]; durationMs: number };

export interface SandboxPoolOptions {
  /** Heap limit of each isolate (isolated-vm `memoryLimit`, minimum 8). Default 128. */
  memoryLimitMb?: number;
  /** Wall-clock deadline of one call, CPU and pending promises alike. Default 30000. */
  timeoutMs?: number;
  /** Warm isolates kept per bundle and partition; more concurrent calls wait. Default 4. */
  maxIsolatesPerBundle?: number;
  /**
   * Soft cap on isolates across all bundles and partitions: at the cap, the least recently used
   * idle isolate is disposed before a new one starts (busy ones are never taken). Default 256.
   */
  maxIsolates?: number;
  /** An isolate unused this long is disposed. Default 300000 (5 min). */
  idleTtlMs?: number;
  /** Log bytes kept per call; beyond it a marker line ends the log. Default 65536. */
  logLimitBytes?: number;
  /** Largest output (JSON) a call may return. Default 5 MiB. */
  outputLimitBytes?: number;
  /** Default for calls whose capabilities do not say. Default false. */
  allowPrivateNetwork?: boolean;
  /** Private addresses/CIDRs treated as reachable even when private networks are not allowed. */
  allowedPrivateAddresses?: string[];
  http?: {
    /** Per request (all redirect hops together), capped by the call's deadline. Default 30000. */
    timeoutMs?: number;
    /** Default 5 MiB. */
    responseLimitBytes?: number;
    /** Default 5 MiB. */
    requestBodyLimitBytes?: number;
    /** Default 5. */
    maxRedirects?: number;
  };
  /** Host capability calls a single call may have in flight at once. Default 32. */
  maxConcurrentHostCalls?: number;
  /**
   * Run the synchronous part of each call on the host thread (isolated-vm `applySync`) instead
   * of isolated-vm's thread pool: about half the round-trip latency, but a CPU-bound connector
   * blocks the host event loop until its deadline. Off by default; see README.
   */
  inlineExecution?: boolean;
  /**
   * Keep one started isolate (context and prelude ready, no bundle) for the next cold start,
   * taking isolate creation off its critical path. Default true; costs one idle isolate (~1 MB).
   */
  standbyIsolate?: boolean;
  /** Called when V8 reports an unrecoverable isolate failure. Default: log and abort the process. */
  onCatastrophicError?: (message: string) => void;
}

export interface SandboxPoolStats {
  /** Isolates alive now (idle + busy). */
  isolates: number;
  busy: number;
  /** Calls waiting for a free isolate. */
  queued: number;
  /** Isolates retired after an overrun, a crash, a memory-limit hit, rewritten built-ins or host calls left running. */
  recycled: number;
  /** Idle isolates disposed after idleTtlMs or to stay under maxIsolates. */
  evicted: number;
  /** Isolates created since the pool started. */
  created: number;
  calls: number;
  failures: number;
  timeouts: number;
}
