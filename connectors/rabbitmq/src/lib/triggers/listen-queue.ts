import { defineTrigger, Property, type JsonValue } from '@flowport/connector-sdk';
import { rabbitmqAccount } from '../account';
import { connectionUrl } from '../common/url';

/**
 * The queue is consumed on the host by the platform's `amqp` driver (manual acks after the run
 * is recorded, prefetch derived from Batch Size, dead-lettering); this trigger only configures it
 * and shapes each message into the run's payload.
 */
export const listenQueue = defineTrigger({
  kind: 'stream',
  name: 'listen-queue',
  displayName: 'Listen Queue',
  description: 'Starts a run for every batch of messages on a RabbitMQ queue. A message is acked only after its run is recorded.',
  account: rabbitmqAccount,
  driver: 'amqp',
  props: {
    queue: Property.ShortText({ displayName: 'Queue', required: true, placeholder: 'orders' }),
    declareQueue: Property.Boolean({
      displayName: 'Declare Queue',
      description: 'Create the queue (durable) and the binding below when missing; off = the queue must exist',
      defaultValue: true,
    }),
    exchange: Property.ShortText({ displayName: 'Exchange', description: 'Bind the queue to this exchange (declared durable); empty = no binding' }),
    exchangeType: Property.StaticSelect({
      displayName: 'Exchange Type',
      options: [
        { label: 'Topic', value: 'topic' },
        { label: 'Direct', value: 'direct' },
        { label: 'Fanout', value: 'fanout' },
        { label: 'Headers', value: 'headers' },
      ],
      defaultValue: 'topic',
    }),
    routingKey: Property.ShortText({ displayName: 'Routing Key', description: 'Binding key, e.g. orders.* on a topic exchange', defaultValue: '#' }),
    deadLetterQueue: Property.ShortText({ displayName: 'Dead-letter Queue', description: 'Where messages go after the retry limit; empty = "<queue>.dlq"' }),
  },
  sampleData: { orderId: 'A-1001', total: 42.5 },
  config(ctx) {
    const exchange = ctx.props.exchange?.trim();
    if (exchange && !ctx.props.declareQueue) {
      throw new Error('Exchange is set but Declare Queue is off: the binding is only made when declaring; turn Declare Queue on or clear Exchange');
    }
    return {
      url: connectionUrl(ctx.account),
      queue: ctx.props.queue,
      assertQueue: ctx.props.declareQueue,
      ...(exchange ? { exchange, exchangeType: ctx.props.exchangeType, routingKey: ctx.props.routingKey } : {}),
      ...(ctx.props.deadLetterQueue ? { deadLetterQueue: ctx.props.deadLetterQueue } : {}),
    };
  },
  map(message, ctx) {
    // A JSON object body becomes the payload itself (External ID `payload.orderId`); any other
    // body sits under `body`. AMQP headers and properties go under `amqp`.
    const amqp: Record<string, JsonValue> = { messageId: message.id, headers: message.headers, properties: message.attributes };
    const body = message.body;
    const payload: Record<string, JsonValue> =
      body !== null && typeof body === 'object' && !Array.isArray(body) ? { ...body, amqp } : { body, amqp };
    const labels: Record<string, string> = { queue: ctx.props.queue };
    const routingKey = message.attributes.routingKey;
    if (typeof routingKey === 'string' && routingKey) labels.routingKey = routingKey;
    return { payload, labels };
  },
});
