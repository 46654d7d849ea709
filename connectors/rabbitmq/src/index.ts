import { defineConnector } from '@flowport/connector-sdk';
import { rabbitmqAccount } from './lib/account';
import { RABBITMQ_ICON } from './lib/common/icon';
import { listenQueue } from './lib/triggers/listen-queue';

export default defineConnector({
  name: 'rabbitmq',
  version: '0.1.0',
  displayName: 'RabbitMQ',
  description: 'Start flows from RabbitMQ queues, with exchange bindings, acks after recording and dead-lettering.',
  icon: RABBITMQ_ICON,
  categories: ['Messaging'],
  accounts: [rabbitmqAccount],
  // Publish to Exchange and Send to Queue need AMQP sockets, which the sandbox cannot open, and
  // this RabbitMQ has no management HTTP API to publish through: they await a host-side
  // amqp.publish capability (see README).
  actions: [],
  triggers: [listenQueue],
});
