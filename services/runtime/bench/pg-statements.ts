import { Client } from 'pg';

/**
 * Counts the statements every `pg` client of this process sends (the platform's TypeORM pool and
 * the runtime's own pool alike) while `measure` runs: how much PostgreSQL work a figure cost,
 * which unlike a rate does not move with the host's load.
 */
export async function countStatements<T>(measure: () => Promise<T>): Promise<{ result: T; statements: number }> {
  const proto = Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const query = proto.query;
  let statements = 0;
  proto.query = function (this: Client, ...args: unknown[]) {
    statements++;
    return query.apply(this, args);
  };
  try {
    const result = await measure();
    return { result, statements };
  } finally {
    proto.query = query;
  }
}
