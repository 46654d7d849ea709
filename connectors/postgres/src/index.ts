import { defineConnector } from '@flowport/connector-sdk';
import { postgresAccount } from './lib/account';
import { insertRows } from './lib/actions/insert-rows';
import { runQuery } from './lib/actions/run-query';
import { upsertRows } from './lib/actions/upsert-rows';
import { POSTGRES_ICON } from './lib/common/icon';
import { newOrUpdatedRows } from './lib/triggers/new-or-updated-rows';

export default defineConnector({
  name: 'postgres',
  version: '0.2.0',
  displayName: 'PostgreSQL',
  description: 'Run parameterised queries, insert and upsert rows, and start flows from new or updated rows.',
  icon: POSTGRES_ICON,
  categories: ['Databases'],
  // No HTTP: queries go through the platform's sql capability, which holds the connections.
  capabilities: ['sql', 'store', 'log'],
  accounts: [postgresAccount],
  actions: [runQuery, insertRows, upsertRows],
  triggers: [newOrUpdatedRows],
});
