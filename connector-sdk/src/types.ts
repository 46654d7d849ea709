/**
 * The shapes shared with the rest of the platform: the connector manifest (what the registry
 * stores and the Studio renders) and the guest contract with the sandbox (docs/contracts.md
 * sections 1 and 2). Other packages import these through `@flowport/connector-sdk`.
 */

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** A JSON Schema (draft 2020-12) object as it appears inside a manifest. */
export type JsonSchema = { [keyword: string]: JsonValue };

/** The props of an action, trigger or account: always an object schema. */
export interface PropsSchema extends JsonSchema {
  type: 'object';
  properties: { [name: string]: JsonSchema };
  required: string[];
  additionalProperties: false;
}

export type Capability = 'http' | 'store' | 'log' | 'sql';
export type TriggerKind = 'stream' | 'pooling' | 'webhook';
export type StreamDriver = 'amqp' | 'sqs' | 'kafka';
export type AccountKind = 'none' | 'secretText' | 'basic' | 'custom' | 'oauth2ClientCredentials';

export interface AccountManifest {
  name: string;
  displayName: string;
  description: string;
  kind: AccountKind;
  props: PropsSchema;
  /** Field names whose values are secrets: stored encrypted, never echoed back to a client. */
  secretFields: string[];
  /** True when the connector can check an account's credentials (op `account.validate`). */
  validate: boolean;
  oauth2?: { tokenUrl: string | null; scope: string | null };
}

export interface ActionManifest {
  name: string;
  displayName: string;
  description: string;
  /** Name of the account this action needs, or null. */
  account: string | null;
  props: PropsSchema;
  sampleOutput?: JsonValue;
}

export interface WebhookSignature {
  /** Request header carrying the signature, e.g. `x-hub-signature-256`. */
  header: string;
  algorithm: 'hmac-sha256' | 'hmac-sha1';
  encoding: 'hex' | 'base64';
  /** Text before the signature in the header value, e.g. `sha256=`. */
  prefix: string;
  /** The prop (secret) holding the shared signing key. */
  secretProp: string;
}

export interface TriggerManifest {
  name: string;
  displayName: string;
  description: string;
  kind: TriggerKind;
  account: string | null;
  props: PropsSchema;
  sampleData?: JsonValue;
  /** True when the trigger implements `test(ctx)` (op `trigger.test`). */
  test: boolean;
  stream?: { driver: StreamDriver; map: boolean };
  pooling?: { itemIdPath: string; intervalSeconds: { default: number; min: number } };
  webhook?: { signature: WebhookSignature | null };
}

export interface ConnectorManifest {
  manifestVersion: 1;
  name: string;
  version: string;
  displayName: string;
  description: string;
  icon: string;
  categories: string[];
  accounts: AccountManifest[];
  actions: ActionManifest[];
  triggers: TriggerManifest[];
  capabilities: Capability[];
  allowedHosts: string[];
  sdkVersion: string;
}

/** One broker message as the runtime's stream driver hands it to `trigger.map`. */
export type StreamMessage = {
  /** Broker message id (AMQP messageId/delivery tag, SQS MessageId, Kafka topic/partition/offset). */
  id: string;
  /** Parsed JSON when the content is JSON, else the text. */
  body: JsonValue | string;
  headers: Record<string, string>;
  attributes: Record<string, JsonValue>;
  /** ISO time. */
  receivedAt: string;
};

export type GuestOp =
  | 'action.run'
  | 'trigger.poll'
  | 'trigger.map'
  | 'trigger.config'
  | 'trigger.test'
  | 'trigger.webhook'
  | 'account.validate'
  | 'props.options';

export const GUEST_OPS: readonly GuestOp[] = [
  'action.run',
  'trigger.poll',
  'trigger.map',
  'trigger.config',
  'trigger.test',
  'trigger.webhook',
  'account.validate',
  'props.options',
];

export type GuestRequest = { op: GuestOp; target?: string; input: JsonValue };

export interface HttpRequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}
export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}
export interface GuestHttp {
  fetch(url: string, init?: HttpRequestInit): Promise<HttpResponse>;
}
export interface GuestStore {
  get(key: string): Promise<JsonValue | null>;
  set(key: string, value: JsonValue): Promise<void>;
  delete(key: string): Promise<void>;
}
export interface GuestLog {
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}
export interface GuestSql {
  query(text: string, params?: JsonValue[]): Promise<{ rows: JsonValue[]; rowCount: number }>;
}

/** Host capabilities as the sandbox prelude exposes them to guest code. */
export type GuestContext = {
  http: GuestHttp;
  store: GuestStore;
  log: GuestLog;
  sql?: GuestSql;
};

/** What a built bundle sets as `globalThis.__flowport__`. */
export interface GuestExports {
  manifest: ConnectorManifest;
  invoke(request: GuestRequest, ctx: GuestContext): Promise<unknown>;
}

/** An incoming webhook call as the api service hands it to `trigger.webhook`. */
export type WebhookRequest = {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  /** Parsed JSON when the content is JSON, else the text. */
  body: JsonValue | string;
  rawBody: string;
};

/**
 * Stream driver settings produced by `trigger.config`, as the runtime's drivers accept them
 * (services/runtime/src/drivers). Batch Size and the batching settings are added by the
 * runtime from the flow, so connectors do not return them.
 */
export interface AmqpDriverConfig {
  /** amqp:// or amqps:// address, credentials and vhost included. */
  url: string;
  queue: string;
  /** Declare the queue (durable) when it does not exist; false = it must already exist. Default true. */
  assertQueue?: boolean;
  /** Bind the queue to this exchange. */
  exchange?: string;
  exchangeType?: 'direct' | 'topic' | 'fanout' | 'headers';
  /** Default "#". */
  routingKey?: string;
  /** Default `<queue>.dlq`. */
  deadLetterQueue?: string;
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number; initialMaxRetries?: number };
  connectionName?: string;
}
export interface SqsDriverConfig {
  queueUrl: string;
  /** Default us-east-1. */
  region?: string;
  /** For SQS-compatible servers; unset = AWS. */
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** 0-20, default 20. */
  waitTimeSeconds?: number;
  /** 2-43200, default 30. */
  visibilityTimeoutSeconds?: number;
  /** Unset = the queue's redrive policy target. */
  deadLetterQueueUrl?: string;
}
/** Not yet run by the runtime (no Kafka driver there yet): the shape a Kafka driver will read. */
export interface KafkaDriverConfig {
  brokers: string[];
  topic: string;
  /** Further topics consumed by the same group (the runtime's kafka driver reads `topic` and `topics` together). */
  topics?: string[];
  groupId: string;
  clientId?: string;
  ssl?: boolean;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
  fromBeginning?: boolean;
}
export type DriverConfigs = { amqp: AmqpDriverConfig; sqs: SqsDriverConfig; kafka: KafkaDriverConfig };
