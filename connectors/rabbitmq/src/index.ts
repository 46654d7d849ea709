import { defineConnector } from '@flowport/connector-sdk';
import { rabbitmqAccount } from './lib/account';
import { publishToExchange } from './lib/actions/publish-to-exchange';
import { sendToQueue } from './lib/actions/send-to-queue';
import { RABBITMQ_ICON } from './lib/common/icon';
import { listenQueue } from './lib/triggers/listen-queue';

export default defineConnector({
  name: 'rabbitmq',
  version: '0.2.0',
  displayName: 'RabbitMQ',
  description: 'Start flows from RabbitMQ queues (exchange bindings, acks after recording, dead-lettering) and publish messages with publisher confirms.',
  icon: RABBITMQ_ICON,
  categories: ['Messaging'],
  accounts: [rabbitmqAccount],
  // The actions publish through ctx.amqp: the platform holds the connection (no sockets in the sandbox).
  capabilities: ['amqp', 'log'],
  actions: [publishToExchange, sendToQueue],
  triggers: [listenQueue],
});
