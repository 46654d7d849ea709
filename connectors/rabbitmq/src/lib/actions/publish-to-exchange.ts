import { defineAction, Property } from '@flowport/connector-sdk';
import { rabbitmqAccount } from '../account';
import { messageProperties, messageProps, requireAmqp } from '../common/message';
import { connectionUrl } from '../common/url';

/**
 * Publishes through the platform's host-held connection (`ctx.amqp`): the sandbox has no
 * sockets. The step ends when the broker has confirmed the message (publisher confirms).
 */
export const publishToExchange = defineAction({
  name: 'publish-to-exchange',
  displayName: 'Publish to Exchange',
  description: 'Publishes one message to an exchange with a routing key and waits for RabbitMQ to confirm it.',
  account: rabbitmqAccount,
  props: {
    exchange: Property.ShortText({
      displayName: 'Exchange',
      description: 'An existing exchange, e.g. orders (to reach a queue directly, use Send to Queue)',
      required: true,
      minLength: 1,
    }),
    routingKey: Property.ShortText({ displayName: 'Routing Key', description: 'e.g. orders.created; fanout exchanges ignore it', defaultValue: '' }),
    mandatory: Property.Boolean({
      displayName: 'Mandatory',
      description: 'Fail the step when no queue is bound for the routing key (off: RabbitMQ drops such a message silently)',
      defaultValue: true,
    }),
    ...messageProps,
  },
  sampleOutput: { confirmed: true, exchange: 'orders', routingKey: 'orders.created', messageId: 'A-1001' },
  async run(ctx) {
    const amqp = requireAmqp(ctx);
    return amqp.publish({
      url: connectionUrl(ctx.account),
      exchange: ctx.props.exchange,
      routingKey: ctx.props.routingKey,
      mandatory: ctx.props.mandatory,
      content: ctx.props.message,
      properties: messageProperties(ctx.props),
    });
  },
});
