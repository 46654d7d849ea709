import { defineAction, Property } from '@flowport/connector-sdk';
import { postgresAccount } from '../account';
import { param, requireSql } from '../common/sql';

export const runQuery = defineAction({
  name: 'run-query',
  displayName: 'Run Query',
  description: 'Runs one SQL statement with parameters ($1, $2, ...) and returns its rows.',
  account: postgresAccount,
  props: {
    query: Property.LongText({
      displayName: 'Query',
      description: 'One statement; put values in Parameters, never in the text: SELECT * FROM orders WHERE status = $1 AND total > $2',
      required: true,
    }),
    parameters: Property.Json({ displayName: 'Parameters', description: 'Values for $1, $2, ... e.g. ["open", 100]', schema: { type: 'array' } }),
  },
  sampleOutput: { rows: [{ id: 1, status: 'open' }], rowCount: 1 },
  async run(ctx) {
    const params = ctx.props.parameters ?? [];
    if (!Array.isArray(params)) throw new Error('Parameters must be a list like ["open", 100] (one value per $n)');
    // Only objects go as JSON text; arrays stay arrays so `= ANY($1)` works.
    return requireSql(ctx).query(ctx.props.query, params.map((p) => (Array.isArray(p) ? p : param(p))));
  },
});
