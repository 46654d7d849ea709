import { defineConnector } from '@flowport/connector-sdk';
import { awsAccount } from './lib/account';
import { deleteMessage } from './lib/actions/delete-message';
import { getQueueAttributes } from './lib/actions/get-queue-attributes';
import { sendMessage } from './lib/actions/send-message';
import { sendMessageBatch } from './lib/actions/send-message-batch';
import { SQS_ICON } from './lib/common/icon';
import { listenQueue } from './lib/triggers/listen-queue';

export default defineConnector({
  name: 'amazon-sqs',
  version: '0.2.0',
  displayName: 'Amazon SQS',
  description: 'Listen to Amazon SQS queues (standard and FIFO) and send, batch-send and delete messages.',
  icon: SQS_ICON,
  categories: ['Messaging', 'Cloud'],
  // Wildcards are prefix-only (*.example.com): sqs.<region>.amazonaws.com is covered by *.amazonaws.com.
  allowedHosts: ['*.amazonaws.com'],
  accounts: [awsAccount],
  actions: [sendMessage, sendMessageBatch, deleteMessage, getQueueAttributes],
  triggers: [listenQueue],
});
