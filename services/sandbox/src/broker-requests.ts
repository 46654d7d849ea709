/**
 * Shape checks of the `ctx.amqp.publish` and `ctx.kafka.produce` arguments, made by the pool
 * before a host capability sees them: the request crossed the boundary as JSON from untrusted
 * code, so every field is checked for its type and unknown fields are refused (a typo such as
 * `routingkey` would otherwise be silently ignored). What the fields mean (URLs, topic names,
 * sizes, network rules) is the capability's to judge.
 */
import type {
  AmqpMessageProperties,
  AmqpPublishRequest,
  JsonValue,
  KafkaProduceMessage,
  KafkaProduceRequest,
} from '@flowport/connector-sdk';
import { SandboxError } from './errors';

/** Messages one `ctx.kafka.produce` call may carry. */
export const MAX_KAFKA_MESSAGES = 1000;

type Fields = Record<string, unknown>;

function argError(message: string): SandboxError {
  return new SandboxError('TypeError', message);
}

function got(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}...` : value);
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

function object(value: unknown, where: string, example: string): Fields {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw argError(`${where} must be an object like ${example} (got ${got(value)})`);
  return value as Fields;
}

function onlyKnown(fields: Fields, known: readonly string[], where: string): void {
  for (const key of Object.keys(fields)) {
    if (!known.includes(key)) throw argError(`${where}.${key} is not a known field; use ${known.join(', ')}`);
  }
}

function optionalString(fields: Fields, key: string, where: string): string | undefined {
  const value = fields[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw argError(`${where}.${key} must be text (got ${got(value)})`);
  return value;
}

function requiredString(fields: Fields, key: string, where: string, what: string): string {
  const value = optionalString(fields, key, where);
  if (value === undefined || value.trim() === '') throw argError(`${where}.${key} is required: ${what}`);
  return value;
}

function optionalBoolean(fields: Fields, key: string, where: string): boolean | undefined {
  const value = fields[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw argError(`${where}.${key} must be true or false (got ${got(value)})`);
  return value;
}

function optionalInteger(fields: Fields, key: string, where: string, min: number, max: number): number | undefined {
  const value = fields[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw argError(`${where}.${key} must be a whole number from ${min} to ${max} (got ${got(value)})`);
  }
  return value;
}

function content(fields: Fields, key: string, where: string): JsonValue {
  // JSON drops undefined members: a missing and an undefined content look alike here.
  if (!(key in fields)) throw argError(`${where}.${key} is required: the message, as text or as JSON`);
  return fields[key] as JsonValue;
}

const AMQP_FIELDS = ['url', 'exchange', 'routingKey', 'queue', 'assertQueue', 'mandatory', 'content', 'properties'] as const;
const AMQP_PROPERTIES = ['headers', 'messageId', 'correlationId', 'contentType', 'persistent', 'expiration', 'priority', 'type', 'appId', 'replyTo'] as const;

/** `ctx.amqp.publish(request)`'s argument, checked and copied. */
export function amqpPublishRequest(value: unknown): AmqpPublishRequest {
  const where = 'amqp.publish(request): request';
  const fields = object(value, where, '{ url, exchange, routingKey, content } or { url, queue, content }');
  onlyKnown(fields, AMQP_FIELDS, where);
  const exchange = optionalString(fields, 'exchange', where);
  const queue = optionalString(fields, 'queue', where);
  if (queue !== undefined && exchange !== undefined) {
    throw argError(`${where} has both exchange and queue: give exchange (and routingKey) to publish to an exchange, or queue to send to a queue`);
  }
  if (queue === undefined && exchange === undefined) {
    throw argError(`${where} needs exchange (and routingKey) to publish to an exchange, or queue to send to a queue`);
  }
  if (queue !== undefined && queue.trim() === '') throw argError(`${where}.queue must name a queue`);
  const routingKey = optionalString(fields, 'routingKey', where);
  if (queue !== undefined && routingKey !== undefined) throw argError(`${where}.routingKey is not used with queue (the queue name is the routing key); remove it`);
  const request: AmqpPublishRequest = {
    url: requiredString(fields, 'url', where, 'the amqp:// or amqps:// address of the broker'),
    content: content(fields, 'content', where),
  };
  if (exchange !== undefined) request.exchange = exchange;
  if (routingKey !== undefined) request.routingKey = routingKey;
  if (queue !== undefined) request.queue = queue;
  const assertQueue = optionalBoolean(fields, 'assertQueue', where);
  if (assertQueue !== undefined) {
    if (queue === undefined) throw argError(`${where}.assertQueue is only used with queue; remove it or send to a queue`);
    request.assertQueue = assertQueue;
  }
  const mandatory = optionalBoolean(fields, 'mandatory', where);
  if (mandatory !== undefined) request.mandatory = mandatory;
  if (fields.properties !== undefined && fields.properties !== null) request.properties = amqpProperties(fields.properties, `${where}.properties`);
  return request;
}

function amqpProperties(value: unknown, where: string): AmqpMessageProperties {
  const fields = object(value, where, '{ headers, messageId, correlationId, persistent }');
  onlyKnown(fields, AMQP_PROPERTIES, where);
  const properties: AmqpMessageProperties = {};
  if (fields.headers !== undefined && fields.headers !== null) {
    const headers = object(fields.headers, `${where}.headers`, '{ "source": "shop", "attempt": 1 }');
    for (const [name, v] of Object.entries(headers)) {
      if (typeof v !== 'string' && typeof v !== 'boolean' && !(typeof v === 'number' && Number.isFinite(v))) {
        throw argError(`${where}.headers.${name} must be text, a number or true/false (got ${got(v)}); send structured data as JSON text`);
      }
    }
    properties.headers = { ...(headers as Record<string, string | number | boolean>) };
  }
  for (const key of ['messageId', 'correlationId', 'contentType', 'type', 'appId', 'replyTo'] as const) {
    const v = optionalString(fields, key, where);
    if (v !== undefined) properties[key] = v;
  }
  const persistent = optionalBoolean(fields, 'persistent', where);
  if (persistent !== undefined) properties.persistent = persistent;
  const expiration = optionalInteger(fields, 'expiration', where, 0, 2 ** 31 - 1);
  if (expiration !== undefined) properties.expiration = expiration;
  const priority = optionalInteger(fields, 'priority', where, 0, 255);
  if (priority !== undefined) properties.priority = priority;
  return properties;
}

const KAFKA_FIELDS = ['brokers', 'clientId', 'ssl', 'sasl', 'topic', 'messages', 'compression'] as const;
const KAFKA_MESSAGE_FIELDS = ['key', 'value', 'headers', 'partition'] as const;
const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;

/** `ctx.kafka.produce(request)`'s argument, checked and copied. */
export function kafkaProduceRequest(value: unknown): KafkaProduceRequest {
  const where = 'kafka.produce(request): request';
  const fields = object(value, where, '{ brokers, topic, messages: [{ key, value }] }');
  onlyKnown(fields, KAFKA_FIELDS, where);
  const brokers = fields.brokers;
  if (!Array.isArray(brokers) || brokers.length === 0 || brokers.some((b) => typeof b !== 'string' || b.trim() === '')) {
    throw argError(`${where}.brokers must be a non-empty list of host:port texts, e.g. ["kafka-1:9092"] (got ${got(brokers)})`);
  }
  const messages = fields.messages;
  if (!Array.isArray(messages) || messages.length === 0) throw argError(`${where}.messages must be a non-empty list like [{ "key": "k", "value": { ... } }] (got ${got(messages)})`);
  if (messages.length > MAX_KAFKA_MESSAGES) throw argError(`${where}.messages holds ${messages.length} messages; at most ${MAX_KAFKA_MESSAGES} per call, send them in smaller batches`);
  const request: KafkaProduceRequest = {
    brokers: [...(brokers as string[])],
    topic: requiredString(fields, 'topic', where, 'the topic to write to'),
    messages: messages.map((m, i) => kafkaMessage(m, `${where}.messages[${i}]`)),
  };
  const clientId = optionalString(fields, 'clientId', where);
  if (clientId !== undefined) request.clientId = clientId;
  const ssl = optionalBoolean(fields, 'ssl', where);
  if (ssl !== undefined) request.ssl = ssl;
  if (fields.sasl !== undefined && fields.sasl !== null) {
    const sasl = object(fields.sasl, `${where}.sasl`, '{ mechanism: "plain", username, password }');
    onlyKnown(sasl, ['mechanism', 'username', 'password'], `${where}.sasl`);
    const mechanism = sasl.mechanism;
    if (!SASL_MECHANISMS.includes(mechanism as (typeof SASL_MECHANISMS)[number])) {
      throw argError(`${where}.sasl.mechanism must be ${SASL_MECHANISMS.join(', ')} (got ${got(mechanism)})`);
    }
    request.sasl = {
      mechanism: mechanism as (typeof SASL_MECHANISMS)[number],
      username: requiredString(sasl, 'username', `${where}.sasl`, 'the SASL user name'),
      password: requiredString(sasl, 'password', `${where}.sasl`, 'the SASL password'),
    };
  }
  const compression = fields.compression;
  if (compression !== undefined && compression !== null) {
    if (compression !== 'none' && compression !== 'gzip') throw argError(`${where}.compression must be "none" or "gzip" (got ${got(compression)})`);
    request.compression = compression;
  }
  return request;
}

function kafkaMessage(value: unknown, where: string): KafkaProduceMessage {
  const fields = object(value, where, '{ "key": "k", "value": { ... }, "headers": { ... } }');
  onlyKnown(fields, KAFKA_MESSAGE_FIELDS, where);
  const message: KafkaProduceMessage = { value: content(fields, 'value', where) };
  if (fields.key === null) message.key = null;
  else {
    const key = optionalString(fields, 'key', where);
    if (key !== undefined) message.key = key;
  }
  if (fields.headers !== undefined && fields.headers !== null) {
    const headers = object(fields.headers, `${where}.headers`, '{ "source": "shop" }');
    for (const [name, v] of Object.entries(headers)) {
      if (typeof v !== 'string') throw argError(`${where}.headers.${name} must be text (got ${got(v)}); Kafka header values are bytes, send numbers as text`);
    }
    message.headers = { ...(headers as Record<string, string>) };
  }
  const partition = optionalInteger(fields, 'partition', where, 0, 2 ** 31 - 1);
  if (partition !== undefined) message.partition = partition;
  return message;
}
