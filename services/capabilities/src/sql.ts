/**
 * The host side of the sandbox's `sql` capability (`ctx.sql.query(text, params)`) on PostgreSQL:
 * one `pg` Pool per distinct account connection, parameterised queries only, a statement timeout,
 * a row cap and a network guard. Connector code never sees a socket or a driver object; it gets
 * plain JSON rows back through @flowport/sandbox.
 *
 * Wired by the runtime's HostCapabilities (services/runtime/src/capabilities/host-capabilities.ts)
 * and by `flowport connector test`: every call of a connector whose manifest lists `sql` (e.g.
 * connectors/postgres) and that has an account gets `sql.forAccount(values)`, with private
 * networks allowed per FLOWPORT_SANDBOX_ALLOW_PRIVATE_NETWORK (the CLI: --allow-private-network).
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { Pool, type PoolConfig, type QueryConfig } from 'pg';
import type { JsonValue, SqlCapability } from '@flowport/sandbox';
import { NetworkGuard, NetworkGuardError, type NetworkGuardOptions } from './network-guard';

/** The account fields of a PostgreSQL connection (connectors/postgres's account). */
export type PgAccountValues = {
  /** postgres://user:password@host:5432/database?sslmode=require; when set, the fields are ignored. */
  url?: string;
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  password?: string;
  /** disable (default), require (encrypted, certificate not checked), verify-full. */
  ssl?: 'disable' | 'require' | 'verify-full';
};

export type SqlCapabilityOptions = Pick<NetworkGuardOptions, 'allowPrivateNetworkHint'> & {
  /** PostgreSQL statement_timeout of every query. Default 30 000 ms. */
  statementTimeoutMs?: number;
  /** Most rows one query may return; more fails the query. Default 10 000. */
  maxRows?: number;
  /** Connections per account pool. Default 3. */
  poolSize?: number;
  /** Account pools kept open; the least recently used is closed beyond this. Default 50. */
  maxPools?: number;
  /** An idle connection is closed after this long. Default 30 000 ms. */
  idleTimeoutMs?: number;
  connectionTimeoutMs?: number;
  /**
   * Allow loopback, private, link-local and other internal addresses (and unix sockets). Default
   * false: a tenant's account must not reach the platform's own database or internal services.
   */
  allowPrivateNetwork?: boolean;
  /** Private addresses or CIDRs reachable even when private networks are not allowed. */
  allowedPrivateAddresses?: string[];
};

type Connection = { host: string; port: number; database: string; user: string; password: string; ssl: 'disable' | 'require' | 'verify-full' };

export class SqlCapabilityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SqlCapabilityError';
  }
}

/** Connection settings from account values; throws naming the field to fix. */
export function pgConnectionFromAccount(values: Record<string, unknown> | PgAccountValues | null | undefined): Connection {
  const v = (values ?? {}) as PgAccountValues;
  const sslOf = (raw: unknown): Connection['ssl'] => {
    if (raw === undefined || raw === null || raw === '' || raw === 'disable' || raw === 'prefer' || raw === 'allow') return 'disable';
    if (raw === 'require' || raw === 'verify-full') return raw;
    if (raw === 'verify-ca') return 'verify-full';
    throw new SqlCapabilityError(`TLS must be disable, require or verify-full (got ${JSON.stringify(raw)}); fix it in the account`);
  };
  if (typeof v.url === 'string' && v.url.trim()) {
    let url: URL;
    try {
      url = new URL(v.url.trim());
    } catch {
      throw new SqlCapabilityError('Connection URL must look like postgres://user:password@host:5432/database; fix it in the account');
    }
    if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
      throw new SqlCapabilityError(`Connection URL must start with postgres:// (got ${url.protocol}//); fix it in the account`);
    }
    return {
      host: decodeURIComponent(url.hostname).replace(/^\[|\]$/g, ''),
      port: url.port ? Number(url.port) : 5432,
      database: decodeURIComponent(url.pathname.slice(1)) || decodeURIComponent(url.username) || 'postgres',
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      ssl: sslOf(url.searchParams.get('sslmode') ?? v.ssl),
    };
  }
  if (!v.host) throw new SqlCapabilityError('The account needs a Connection URL or a Host; fill in one of them');
  if (!v.user) throw new SqlCapabilityError('The account needs a User');
  return { host: v.host, port: v.port ?? 5432, database: v.database || v.user, user: v.user, password: v.password ?? '', ssl: sslOf(v.ssl) };
}

/** Rows as JSON: timestamps as ISO strings, bytea as base64, bigint as text. */
function toJson(value: unknown): JsonValue {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map(toJson);
  if (typeof value === 'object') {
    const out: Record<string, JsonValue> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toJson(v);
    return out;
  }
  return String(value);
}

/** PostgreSQL's error text plus what to do, without host details. */
function describe(error: unknown, connection: Connection): Error {
  const e = error as { code?: string; message?: string; hint?: string; position?: string };
  if (e?.code === '57014') return new SqlCapabilityError(`The query was cancelled by the statement timeout; make it faster (an index, a LIMIT) or split it`);
  if (e?.code === '42601' && /multiple commands/.test(e.message ?? '')) {
    return new SqlCapabilityError('Only one SQL statement per query: pass values as parameters ($1, $2, ...) and run statements one at a time');
  }
  if (e?.code && /^[0-9A-Z]{5}$/.test(e.code)) {
    return new SqlCapabilityError(`PostgreSQL error ${e.code}: ${e.message}${e.hint ? ` (hint: ${e.hint})` : ''}`);
  }
  const where = `${connection.host}:${connection.port}/${connection.database}`;
  return new SqlCapabilityError(`Could not reach PostgreSQL at ${where}: ${e?.message ?? String(error)}. Check the account's host, port, user, password and TLS.`);
}

type Entry = { pool: Pool; connection: Connection };

/** One per runtime process: `forAccount(values)` gives the capability a call passes to the sandbox. */
export class PgSqlCapabilities {
  private readonly pools = new Map<string, Promise<Entry>>();
  private readonly statementTimeoutMs: number;
  private readonly maxRows: number;
  private readonly guard: NetworkGuard;
  private closed = false;

  constructor(private readonly options: SqlCapabilityOptions = {}) {
    this.statementTimeoutMs = options.statementTimeoutMs ?? 30_000;
    this.maxRows = options.maxRows ?? 10_000;
    this.guard = new NetworkGuard(options);
  }

  /** The capability for one account's values. Connection problems surface on the first query. */
  forAccount(values: Record<string, unknown> | PgAccountValues | null | undefined): SqlCapability {
    return {
      query: async (text: string, params: JsonValue[]) => {
        const connection = pgConnectionFromAccount(values);
        if (typeof text !== 'string' || text.trim() === '') throw new SqlCapabilityError('sql.query(text, params): text must be a non-empty SQL statement');
        if (!Array.isArray(params)) throw new SqlCapabilityError('sql.query(text, params): params must be an array');
        const { pool } = await this.poolFor(connection);
        // The extended protocol always: PostgreSQL then refuses several statements in one text,
        // and values travel apart from the SQL.
        const query: QueryConfig & { queryMode: 'extended' } = { text, values: params.map((p) => (p !== null && typeof p === 'object' && !Array.isArray(p) ? JSON.stringify(p) : p)), queryMode: 'extended' };
        let result;
        try {
          result = await pool.query(query);
        } catch (error) {
          throw describe(error, connection);
        }
        if (result.rows.length > this.maxRows) {
          throw new SqlCapabilityError(`The query returned ${result.rows.length} rows; at most ${this.maxRows} are allowed: add a LIMIT or narrow the WHERE clause`);
        }
        return { rows: result.rows.map(toJson), rowCount: result.rowCount ?? result.rows.length };
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    const entries = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(entries.map(async (p) => (await p.catch(() => undefined))?.pool.end().catch(() => undefined)));
  }

  private poolFor(connection: Connection): Promise<Entry> {
    if (this.closed) throw new SqlCapabilityError('The SQL capability is closed');
    const key = createHash('sha256').update(JSON.stringify(connection)).digest('hex');
    let entry = this.pools.get(key);
    if (entry) {
      // Most recently used last, so eviction takes the oldest.
      this.pools.delete(key);
      this.pools.set(key, entry);
      return entry;
    }
    entry = this.openPool(connection);
    entry.catch(() => this.pools.delete(key));
    this.pools.set(key, entry);
    const maxPools = this.options.maxPools ?? 50;
    while (this.pools.size > maxPools) {
      const [oldestKey, oldest] = this.pools.entries().next().value!;
      this.pools.delete(oldestKey);
      void oldest.then((e) => e.pool.end()).catch(() => undefined);
    }
    return entry;
  }

  private async openPool(connection: Connection): Promise<Entry> {
    const address = await this.resolve(connection);
    const config: PoolConfig = {
      host: address,
      port: connection.port,
      database: connection.database,
      user: connection.user,
      password: connection.password,
      // Certificates are checked against the account's host name, not the resolved address.
      ssl: connection.ssl === 'disable' ? false : { rejectUnauthorized: connection.ssl === 'verify-full', servername: isIP(connection.host) ? undefined : connection.host },
      max: this.options.poolSize ?? 3,
      idleTimeoutMillis: this.options.idleTimeoutMs ?? 30_000,
      connectionTimeoutMillis: this.options.connectionTimeoutMs ?? 10_000,
      statement_timeout: this.statementTimeoutMs,
      query_timeout: this.statementTimeoutMs + 5_000,
      application_name: 'flowport-connector',
    };
    const pool = new Pool(config);
    // An idle connection dropped by the server must not crash the process.
    pool.on('error', () => undefined);
    return { pool, connection };
  }

  /** The address to connect to, resolved once so the checked address is the connected one. */
  private async resolve(connection: Connection): Promise<string> {
    if (connection.host.startsWith('/')) {
      if (this.guard.allowPrivateNetwork) return connection.host;
      throw new SqlCapabilityError('Unix socket connections are not allowed; use the database host name');
    }
    try {
      return (await this.guard.resolve(connection.host, { service: 'PostgreSQL host', fix: 'use a public database address' }))[0].address;
    } catch (error) {
      throw error instanceof NetworkGuardError ? new SqlCapabilityError(error.message) : error;
    }
  }
}
