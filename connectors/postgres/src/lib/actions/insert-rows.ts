import { defineAction, Property } from '@flowport/connector-sdk';
import { postgresAccount } from '../account';
import { buildInsert, requireSql, rowsOf } from '../common/sql';

export const insertRows = defineAction({
  name: 'insert-rows',
  displayName: 'Insert Rows',
  description: 'Inserts one or more rows in one statement and returns them as stored (defaults and generated ids included).',
  account: postgresAccount,
  props: {
    table: Property.ShortText({ displayName: 'Table', description: 'e.g. orders or sales.orders', required: true }),
    rows: Property.Json({ displayName: 'Rows', description: 'An object or a list of objects: { column: value }', required: true }),
  },
  sampleOutput: { rows: [{ id: 1, email: 'a@example.com' }], rowCount: 1 },
  async run(ctx) {
    const { text, params } = buildInsert(ctx.props.table, rowsOf(ctx.props.rows, 1000));
    return requireSql(ctx).query(`${text} RETURNING *`, params);
  },
});
