import { Property, type AmqpMessageProperties, type GuestContext, type JsonValue } from '@flowport/connector-sdk';

type Amqp = NonNullable<GuestContext['amqp']>;

/** ctx.amqp, or an error saying the platform did not grant it. */
export function requireAmqp(ctx: Pick<GuestContext, 'amqp'>): Amqp {
  if (!ctx.amqp) {
    throw new Error('This call has no AMQP capability (ctx.amqp): the platform holds the RabbitMQ connection for this connector; check that the runtime grants "amqp"');
  }
  return ctx.amqp;
}

/** The message and its AMQP properties, shared by Publish to Exchange and Send to Queue. */
export const messageProps = {
  message: Property.Json({
    displayName: 'Message',
    description: 'Text is sent as is (text/plain); objects, lists and numbers as JSON (application/json)',
    required: true,
  }),
  headers: Property.Json({
    displayName: 'Headers',
    description: 'AMQP headers, e.g. { "source": "shop", "attempt": 1 }; values are text, numbers or true/false',
    schema: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } },
  }),
  messageId: Property.ShortText({ displayName: 'Message ID', description: 'Lets consumers de-duplicate (Listen Queue uses it as the message id)' }),
  correlationId: Property.ShortText({ displayName: 'Correlation ID', description: 'Ties a reply or a related message to this one' }),
  contentType: Property.ShortText({ displayName: 'Content Type', description: 'Empty = application/json for JSON, text/plain for text' }),
  persistent: Property.Boolean({
    displayName: 'Persistent',
    description: 'Delivery mode 2: kept on disk by durable queues, so it survives a broker restart',
    defaultValue: true,
  }),
  expiration: Property.Number({
    displayName: 'Expiration (ms)',
    description: 'Per-message TTL: a message not consumed in time is dropped (or dead-lettered by the queue)',
    integer: true,
    min: 0,
  }),
  priority: Property.Number({ displayName: 'Priority', description: '0-255, honoured by priority queues', integer: true, min: 0, max: 255 }),
  type: Property.ShortText({ displayName: 'Type', description: 'The message type property, e.g. order.created' }),
  appId: Property.ShortText({ displayName: 'App ID', description: 'The publishing application, e.g. flowport' }),
};

type MessagePropValues = {
  headers?: JsonValue;
  messageId?: string;
  correlationId?: string;
  contentType?: string;
  persistent: boolean;
  expiration?: number;
  priority?: number;
  type?: string;
  appId?: string;
};

/** AMQP properties from the props; empty texts count as unset. */
export function messageProperties(props: MessagePropValues): AmqpMessageProperties {
  const properties: AmqpMessageProperties = { persistent: props.persistent };
  const headers = props.headers;
  if (headers !== undefined && headers !== null && headers !== '') {
    if (typeof headers !== 'object' || Array.isArray(headers)) throw new Error('Headers must be an object like { "source": "shop" }');
    properties.headers = headers as Record<string, string | number | boolean>;
  }
  for (const key of ['messageId', 'correlationId', 'contentType', 'type', 'appId'] as const) {
    const value = props[key]?.trim();
    if (value) properties[key] = value;
  }
  if (props.expiration !== undefined) properties.expiration = props.expiration;
  if (props.priority !== undefined) properties.priority = props.priority;
  return properties;
}
