import type { OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import type { DataSource } from 'typeorm';

export const RUNTIME_DB = Symbol('RUNTIME_DB');

/**
 * The runtime's own `pg` pool on the platform database: the delivery library's PgRunRecorder
 * takes a Pool, and claims, step records and trigger state must not queue behind HTTP requests
 * on TypeORM's pool.
 */
export class RuntimeDb implements OnApplicationShutdown {
  constructor(readonly pool: Pool) {}

  static fromDataSource(dataSource: DataSource, max = 8): RuntimeDb {
    const options = dataSource.options as { url?: string; host?: string; port?: number; username?: string; password?: string; database?: string };
    const pool = options.url
      ? new Pool({ connectionString: options.url, max })
      : new Pool({ host: options.host, port: options.port, user: options.username, password: options.password, database: options.database, max });
    // An idle client losing its connection must not crash the process; the next query reconnects.
    pool.on('error', () => undefined);
    return new RuntimeDb(pool);
  }

  async query<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
    const result = await this.pool.query(text, params);
    return result.rows as T[];
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}
