import { defineConnector } from '@flowport/connector-sdk';
import { httpAuth } from './lib/account';
import { sendRequestAction } from './lib/actions/send-request';
import { HTTP_ICON } from './lib/common/icon';
import { pollEndpoint } from './lib/triggers/poll-endpoint';

export default defineConnector({
  name: 'http',
  version: '0.2.0',
  displayName: 'HTTP',
  description: 'Call any HTTP API and poll JSON endpoints for new items.',
  icon: HTTP_ICON,
  categories: ['Developer Tools'],
  // A generic HTTP connector cannot list its hosts ahead of time: each call may reach the host of
  // its own URL prop (grantsHost), and nothing else (see README).
  allowedHosts: [],
  capabilities: ['http', 'store', 'log'],
  accounts: [httpAuth],
  actions: [sendRequestAction],
  triggers: [pollEndpoint],
});
