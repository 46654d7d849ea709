import { defineTrigger, Property, type JsonValue } from '@flowport/connector-sdk';
import { postgresAccount } from '../account';
import { column, ident, requireSql } from '../common/sql';

const CURSOR = 'cursor';
// Extra columns the poll selects: the cursor and tie-breaker as PostgreSQL's own text, so a
// timestamp keeps its microseconds (a JS Date would round them to milliseconds and re-read rows).
const CURSOR_COL = '__flowport_cursor';
const ID_COL = '__flowport_id';

type Cursor = { value: string | null; id: string | null };

export const newOrUpdatedRows = defineTrigger({
  kind: 'pooling',
  name: 'new-or-updated-rows',
  displayName: 'New or Updated Rows',
  description: 'Polls a table for rows whose cursor column (an increasing id or an updated-at timestamp) moved past the last one seen.',
  account: postgresAccount,
  props: {
    table: Property.ShortText({ displayName: 'Table', description: 'e.g. orders or sales.orders', required: true }),
    cursorColumn: Property.ShortText({
      displayName: 'Cursor Column',
      description: 'An increasing id (new rows) or a timestamp set on insert and update (new or updated rows), e.g. updated_at',
      required: true,
      defaultValue: 'id',
    }),
    idColumn: Property.ShortText({
      displayName: 'ID Column',
      description: 'A unique column that orders rows sharing one cursor value (the primary key)',
      defaultValue: 'id',
    }),
    where: Property.LongText({
      displayName: 'Where',
      description: "Optional SQL condition on the table's rows, e.g. status = 'paid' (one condition, no statements)",
    }),
    startFrom: Property.StaticSelect({
      displayName: 'Start From',
      options: [
        { label: 'Rows changed from now on', value: 'now' },
        { label: 'The beginning of the table', value: 'beginning' },
      ],
      defaultValue: 'now',
    }),
    rowsPerPoll: Property.Number({ displayName: 'Rows per Poll', integer: true, min: 1, max: 1000, defaultValue: 100 }),
  },
  itemIdPath: 'id',
  intervalSeconds: { default: 30, min: 5 },
  sampleData: { id: 42, status: 'paid', updated_at: '2026-01-02T03:04:05.678Z' },
  async poll(ctx) {
    const sql = requireSql(ctx);
    const table = ident(ctx.props.table, 'Table');
    const cursorCol = `t.${column(ctx.props.cursorColumn)}`;
    const idCol = `t.${column(ctx.props.idColumn)}`;
    const filter = ctx.props.where?.trim() ? ` AND (${ctx.props.where})` : '';
    let cursor = (await ctx.store.get(CURSOR)) as Cursor | null;

    if (!cursor) {
      cursor = { value: null, id: null };
      if (ctx.props.startFrom === 'now') {
        // First poll: remember where the table ends now; only later changes start runs.
        const { rows } = await sql.query(
          `SELECT (${cursorCol})::text AS "${CURSOR_COL}", (${idCol})::text AS "${ID_COL}" FROM ${table} AS t WHERE ${cursorCol} IS NOT NULL${filter} ORDER BY ${cursorCol} DESC, ${idCol} DESC LIMIT 1`,
          [],
        );
        const last = rows[0] as Record<string, string> | undefined;
        if (last) cursor = { value: last[CURSOR_COL], id: last[ID_COL] };
        await ctx.store.set(CURSOR, cursor);
        return [];
      }
    }

    const params: JsonValue[] = [];
    let after = '';
    if (cursor.value !== null) {
      params.push(cursor.value, cursor.id);
      after = ` AND (${cursorCol}, ${idCol}) > ($1, $2)`;
    }
    params.push(ctx.props.rowsPerPoll);
    const { rows } = await sql.query(
      `SELECT t.*, (${cursorCol})::text AS "${CURSOR_COL}", (${idCol})::text AS "${ID_COL}" FROM ${table} AS t` +
        ` WHERE ${cursorCol} IS NOT NULL${after}${filter} ORDER BY ${cursorCol}, ${idCol} LIMIT $${params.length}`,
      params,
    );
    if (rows.length === 0) return [];
    const last = rows[rows.length - 1] as Record<string, string>;
    await ctx.store.set(CURSOR, { value: last[CURSOR_COL], id: last[ID_COL] });
    return rows.map((row) => {
      const { [CURSOR_COL]: _c, [ID_COL]: _i, ...rest } = row as Record<string, JsonValue>;
      return rest;
    });
  },
  async test(ctx) {
    // The newest rows, without moving the cursor.
    const { rows } = await requireSql(ctx).query(
      `SELECT * FROM ${ident(ctx.props.table, 'Table')} AS t ORDER BY t.${column(ctx.props.cursorColumn)} DESC NULLS LAST LIMIT 3`,
      [],
    );
    return rows;
  },
});
