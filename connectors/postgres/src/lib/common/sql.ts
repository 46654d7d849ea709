import type { GuestContext, JsonValue } from '@flowport/connector-sdk';

type Sql = NonNullable<GuestContext['sql']>;

/** ctx.sql, or an error saying the platform did not grant it. */
export function requireSql(ctx: Pick<GuestContext, 'sql'>): Sql {
  if (!ctx.sql) throw new Error('This call has no SQL capability (ctx.sql): the platform runs PostgreSQL queries for this connector; check that the runtime grants "sql"');
  return ctx.sql;
}

/**
 * A quoted identifier: `orders` -> "orders", `sales.orders` -> "sales"."orders". Identifiers
 * cannot be query parameters, so they are quoted (a `"` doubled) instead of pasted.
 */
export function ident(name: string, what: string): string {
  const trimmed = name.trim();
  if (!trimmed) throw new Error(`${what} must not be empty`);
  const parts = trimmed.split('.');
  if (parts.length > 2 || parts.some((p) => p === '')) throw new Error(`${what} must be a name like orders or sales.orders (got ${JSON.stringify(name)})`);
  return parts.map((p) => `"${p.replace(/"/g, '""')}"`).join('.');
}

/** A quoted column name (one identifier; dots are part of the name). */
export function column(name: string): string {
  if (!name) throw new Error('Column names must not be empty');
  return `"${name.replace(/"/g, '""')}"`;
}

export function columnList(value: JsonValue | string | undefined, what: string): string[] {
  if (value === undefined || value === null || value === '') return [];
  const list = typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter(Boolean) : value;
  if (!Array.isArray(list) || list.some((c) => typeof c !== 'string' || !c.trim())) {
    throw new Error(`${what} must be column names: a list like ["id", "email"] or text like id, email`);
  }
  return list as string[];
}

/** Rows to write: a non-empty list of objects, at most `max`. */
export function rowsOf(value: JsonValue, max: number): Record<string, JsonValue>[] {
  const rows = Array.isArray(value) ? value : value !== null && typeof value === 'object' ? [value] : undefined;
  if (!rows || rows.length === 0) throw new Error('Rows must be an object or a non-empty list of objects like [{ "email": "a@example.com" }]');
  if (rows.length > max) throw new Error(`Rows: at most ${max} per step (got ${rows.length}); split them with a loop`);
  rows.forEach((row, i) => {
    if (row === null || typeof row !== 'object' || Array.isArray(row)) throw new Error(`Rows[${i}] must be an object of column values`);
  });
  return rows as Record<string, JsonValue>[];
}

/** A value as a parameter: objects and arrays as JSON text (json/jsonb columns), the rest as is. */
export function param(value: JsonValue): JsonValue {
  return value !== null && typeof value === 'object' ? JSON.stringify(value) : value;
}

/**
 * INSERT of many rows in one statement. Every value is a parameter; a column a row leaves out gets
 * its DEFAULT (so the columns are the union of all rows' keys).
 */
export function buildInsert(table: string, rows: Record<string, JsonValue>[]): { text: string; params: JsonValue[]; columns: string[] } {
  const columns: string[] = [];
  for (const row of rows) for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key);
  if (columns.length === 0) throw new Error('Rows have no columns: give each row at least one column value');
  const params: JsonValue[] = [];
  const tuples = rows.map(
    (row) =>
      `(${columns
        .map((c) => {
          if (!(c in row)) return 'DEFAULT';
          params.push(param(row[c]));
          return `$${params.length}`;
        })
        .join(', ')})`,
  );
  if (params.length > 65535) throw new Error(`Too many values for one statement (${params.length}; PostgreSQL allows 65535): send fewer rows per step`);
  return {
    text: `INSERT INTO ${ident(table, 'Table')} (${columns.map(column).join(', ')}) VALUES ${tuples.join(', ')}`,
    params,
    columns,
  };
}
