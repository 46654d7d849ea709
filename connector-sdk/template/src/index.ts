import { defineConnector } from '@flowport/connector-sdk';
import { exampleAccount } from './lib/account';
import { getItem } from './lib/actions/get-item';
import { newItems } from './lib/triggers/new-items';

export default defineConnector({
  name: '{{name}}',
  version: '0.1.0',
  displayName: '{{displayName}}',
  description: 'Reads items from the {{displayName}} API.',
  icon: '',
  categories: ['Developer Tools'],
  allowedHosts: ['api.example.com'],
  accounts: [exampleAccount],
  actions: [getItem],
  triggers: [newItems],
});
