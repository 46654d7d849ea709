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

/**
 * Host capabilities a connector may be granted: `http`, `store` and `log` for every connector;
 * `sql` (PostgreSQL), `amqp` (RabbitMQ publish) and `kafka` (Kafka produce) are host-held
 * connections, granted when the manifest lists them.
 */
export type Capability = 'http' | 'store' | 'log' | 'sql' | 'amqp' | 'kafka';
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
  /** `itemIdPath`: where each item `trigger.webhook` returns carries its own id (de-duplication when the flow's External ID is empty). */
  webhook?: { signature: WebhookSignature | null; itemIdPath?: string };
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


/** A JSON value is sent as JSON; a string is sent as its UTF-8 text. */
export type MessageContent = JsonValue;

/**
 * One message for `ctx.amqp.publish`. The connection settings come from the connector's own
 * account (as `trigger.config` builds them); the platform holds the connection and its network
 * guard. Give `exchange` (with `routingKey`) to publish to an exchange, or `queue` to send to a
 * queue through the default exchange.
 */
export interface AmqpPublishRequest {
  /** amqp://user:password@host:5672/vhost, or amqps:// for TLS. */
  url: string;
  /** Exchange to publish to; "" is the default exchange. Not together with `queue`. */
  exchange?: string;
  /** Default "". */
  routingKey?: string;
  /** Send to this queue (the default exchange, routing key = queue name). */
  queue?: string;
  /** With `queue`: declare it durable when missing. Default false. */
  assertQueue?: boolean;
  /** An unroutable message is returned by the broker and the publish fails. Default true. */
  mandatory?: boolean;
  content: MessageContent;
  properties?: AmqpMessageProperties;
}
export interface AmqpMessageProperties {
  headers?: Record<string, string | number | boolean>;
  messageId?: string;
  correlationId?: string;
  /** Default application/json for JSON content, text/plain for text. */
  contentType?: string;
  /** Delivery mode 2 (survives a broker restart on a durable queue). Default true. */
  persistent?: boolean;
  /** Per-message TTL in milliseconds. */
  expiration?: number;
  /** 0-255. */
  priority?: number;
  type?: string;
  appId?: string;
  replyTo?: string;
}
/** Answered after the broker confirmed the message (publisher confirms). */
export interface AmqpPublishResult {
  confirmed: true;
  exchange: string;
  routingKey: string;
  messageId: string | null;
}
export interface GuestAmqp {
  publish(request: AmqpPublishRequest): Promise<AmqpPublishResult>;
}

/** Connection settings of `ctx.kafka.produce`, the same fields `KafkaDriverConfig` carries. */
export interface KafkaConnectionSettings {
  /** Bootstrap brokers as host:port. */
  brokers: string[];
  clientId?: string;
  ssl?: boolean;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
}
export interface KafkaProduceMessage {
  key?: string | null;
  value: MessageContent;
  headers?: Record<string, string>;
  /** Unset: by the key's hash (murmur2, as the Java client), or spread when there is no key. */
  partition?: number;
}
export interface KafkaProduceRequest extends KafkaConnectionSettings {
  topic: string;
  messages: KafkaProduceMessage[];
  /** Default none. */
  compression?: 'none' | 'gzip';
}
/** Answered after every in-sync replica acknowledged the messages (acks = all). */
export interface KafkaProduceResult {
  topic: string;
  /** One entry per partition written, with the offset of its first message. */
  partitions: Array<{ partition: number; baseOffset: string; count: number }>;
  /** Where each message went, in the order given. */
  messages: Array<{ partition: number; offset: string }>;
}
export interface GuestKafka {
  produce(request: KafkaProduceRequest): Promise<KafkaProduceResult>;
}

/**
 * Host capabilities as the sandbox prelude exposes them to guest code. `sql`, `amqp` and `kafka`
 * exist only when the call was granted them (the manifest lists the capability).
 */
export type GuestContext = {
  http: GuestHttp;
  store: GuestStore;
  log: GuestLog;
  sql?: GuestSql;
  amqp?: GuestAmqp;
  kafka?: GuestKafka;
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
