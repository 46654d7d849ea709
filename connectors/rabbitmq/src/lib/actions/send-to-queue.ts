import { defineAction, Property } from '@flowport/connector-sdk';
import { rabbitmqAccount } from '../account';
import { messageProperties, messageProps, requireAmqp } from '../common/message';
import { connectionUrl } from '../common/url';

/**
 * Sends to a queue through the default exchange (routing key = queue name), always mandatory:
 * a queue that does not exist fails the step instead of losing the message.
 */
export const sendToQueue = defineAction({
  name: 'send-to-queue',
  displayName: 'Send to Queue',
  description: 'Sends one message straight to a queue and waits for RabbitMQ to confirm it.',
  account: rabbitmqAccount,
  props: {
    queue: Property.ShortText({ displayName: 'Queue', required: true, minLength: 1, placeholder: 'orders' }),
    declareQueue: Property.Boolean({
      displayName: 'Declare Queue',
      description: 'Create the queue (durable) when missing; off = it must exist, and a missing queue fails the step',
      defaultValue: false,
    }),
    ...messageProps,
  },
  sampleOutput: { confirmed: true, exchange: '', routingKey: 'orders', messageId: 'A-1001' },
  async run(ctx) {
    const amqp = requireAmqp(ctx);
    return amqp.publish({
      url: connectionUrl(ctx.account),
      queue: ctx.props.queue,
      assertQueue: ctx.props.declareQueue,
      mandatory: true,
      content: ctx.props.message,
      properties: messageProperties(ctx.props),
    });
  },
});
