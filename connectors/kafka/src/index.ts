import { defineConnector } from '@flowport/connector-sdk';
import { kafkaAccount } from './lib/account';
import { produceMessages } from './lib/actions/produce-messages';
import { consumeTopic } from './lib/triggers/consume-topic';

export default defineConnector({
  name: 'kafka',
  version: '0.2.0',
  displayName: 'Apache Kafka',
  description: 'Starts flows from messages on Kafka topics (consumer group, offsets committed after each run is recorded) and produces messages with key, headers and partition.',
  icon: '',
  categories: ['Messaging'],
  accounts: [kafkaAccount],
  // Produce Message(s) writes through ctx.kafka: the platform holds the producer (no sockets in the sandbox).
  capabilities: ['kafka', 'log'],
  actions: [produceMessages],
  triggers: [consumeTopic],
});
