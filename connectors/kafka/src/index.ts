import { defineConnector } from '@flowport/connector-sdk';
import { kafkaAccount } from './lib/account';
import { consumeTopic } from './lib/triggers/consume-topic';

export default defineConnector({
  name: 'kafka',
  version: '0.1.0',
  displayName: 'Apache Kafka',
  description: 'Starts flows from messages on Kafka topics, read in a consumer group with offsets committed after each run is recorded.',
  icon: '',
  categories: ['Messaging'],
  accounts: [kafkaAccount],
  actions: [],
  triggers: [consumeTopic],
});
