import { defineAction, Property } from '@flowport/connector-sdk';
import { postgresAccount } from '../account';
import { buildInsert, column, columnList, requireSql, rowsOf } from '../common/sql';

export const upsertRows = defineAction({
  name: 'upsert-rows',
  displayName: 'Upsert Rows',
  description: 'Inserts rows, or updates the existing ones that match on the conflict columns (INSERT ... ON CONFLICT DO UPDATE).',
  account: postgresAccount,
  props: {
    table: Property.ShortText({ displayName: 'Table', required: true }),
    rows: Property.Json({ displayName: 'Rows', description: 'An object or a list of objects: { column: value }', required: true }),
    conflictColumns: Property.Json({
      displayName: 'Conflict Columns',
      description: 'The unique key that decides insert or update, e.g. ["email"]; a unique index or primary key must cover exactly these',
      required: true,
    }),
    updateColumns: Property.Json({ displayName: 'Columns to Update', description: 'Empty = every given column except the conflict columns' }),
  },
  sampleOutput: { rows: [{ id: 1, email: 'a@example.com', name: 'Ann' }], inserted: 0, updated: 1 },
  async run(ctx) {
    const conflict = columnList(ctx.props.conflictColumns, 'Conflict Columns');
    if (conflict.length === 0) throw new Error('Conflict Columns must name the unique key, e.g. ["email"]');
    const rows = rowsOf(ctx.props.rows, 1000);
    const { text, params, columns } = buildInsert(ctx.props.table, rows);
    const missing = conflict.filter((c) => !columns.includes(c));
    if (missing.length > 0) throw new Error(`Every row needs the conflict column(s) ${missing.join(', ')}: without them a row cannot match an existing one`);
    const chosen = columnList(ctx.props.updateColumns, 'Columns to Update');
    const update = (chosen.length > 0 ? chosen : columns).filter((c) => !conflict.includes(c));
    // Nothing to update still needs a no-op update so RETURNING gives back the existing row.
    const set = (update.length > 0 ? update : [conflict[0]]).map((c) => `${column(c)} = EXCLUDED.${column(c)}`).join(', ');
    // xmax = 0 only for a freshly inserted row version: tells inserts from updates.
    const result = await requireSql(ctx).query(
      `${text} ON CONFLICT (${conflict.map(column).join(', ')}) DO UPDATE SET ${set} RETURNING *, (xmax = 0) AS "__inserted"`,
      params,
    );
    let inserted = 0;
    const out = result.rows.map((row) => {
      const { __inserted, ...rest } = row as Record<string, unknown>;
      if (__inserted === true) inserted++;
      return rest;
    });
    return { rows: out, inserted, updated: out.length - inserted };
  },
});
