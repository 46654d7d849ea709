import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pool } from 'pg';
import type { JsonValue } from '../stream-message';
import type { DeadLetterEntry, RecordItem, RecordOptions, RecordResult, RunRecorder } from './run-recorder';

export type PgRunRecorderOptions = {
  /**
   * Record batches that arrive while a commit is in progress together in one transaction
   * (group commit): one WAL flush for many small batches. Default true.
   */
  groupCommit?: boolean;
  /** Most batches in one group. Default 256. */
  maxGroupBatches?: number;
  /** Transactions in progress at once (each holds a pool connection). Default 2. */
  maxConcurrentCommits?: number;
};

type Job = {
  flowId: string;
  items: RecordItem[];
  trigger: JsonValue;
  /** Messages per run (the whole batch unless RecordOptions.runSize splits it). */
  runSize: number;
  resolve: (result: RecordResult) => void;
  reject: (error: unknown) => void;
};

/** The DDL of the runs / run_messages tables (src/delivery/schema.sql). */
export function runTablesSql(): string {
  // Beside this file in src/ and in dist/ (the build copies it).
  const candidates = [join(__dirname, 'schema.sql'), join(__dirname, '..', '..', 'src', 'delivery', 'schema.sql')];
  const found = candidates.find((file) => existsSync(file));
  if (!found) throw new Error(`schema.sql not found beside ${__dirname}; the runtime build must copy src/delivery/schema.sql`);
  return readFileSync(found, 'utf8');
}

// One statement, so one round trip and one implicit transaction: accepted rows (the unique index
// decides), duplicate rows for the rest, and a run for every batch with at least one accepted row.
const RECORD_GROUP = `
  WITH input AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb)
      AS t(id uuid, run_id uuid, flow_id text, external_id text, position int, payload jsonb, labels jsonb, message_id text, candidate boolean)
  ),
  accepted AS (
    INSERT INTO run_messages (id, run_id, flow_id, external_id, status, position, payload, labels, message_id)
    SELECT id, run_id, flow_id, external_id, 'accepted', position, payload, labels, message_id
    FROM input WHERE candidate
    ON CONFLICT (flow_id, external_id) WHERE status = 'accepted' DO NOTHING
    RETURNING id, run_id, flow_id
  ),
  duplicates AS (
    INSERT INTO run_messages (id, run_id, flow_id, external_id, status, position, payload, labels, message_id)
    SELECT i.id, NULL, i.flow_id, i.external_id, 'duplicate', i.position, i.payload, i.labels, i.message_id
    FROM input i WHERE NOT EXISTS (SELECT 1 FROM accepted a WHERE a.id = i.id)
    RETURNING id
  ),
  new_runs AS (
    INSERT INTO runs (id, flow_id, status, trigger, message_count)
    SELECT a.run_id, a.flow_id, 'queued', tr.trigger, count(*)
    FROM accepted a JOIN jsonb_to_recordset($2::jsonb) AS tr(run_id uuid, trigger jsonb) ON tr.run_id = a.run_id
    GROUP BY a.run_id, a.flow_id, tr.trigger
    RETURNING id
  )
  SELECT id FROM accepted`;

/** `index` = order in the job's batch; `position` = order in its run. */
type Row = { id: string; runId: string; flowId: string; item: RecordItem; index: number; position: number; job: number; candidate: boolean };

/**
 * RunRecorder on PostgreSQL through `pg`. Each batch becomes one run (status 'queued'; several
 * when `runSize` splits it) plus one run_messages row per message, in one transaction;
 * `ON CONFLICT ... DO NOTHING RETURNING` on the unique (flow_id, external_id) of accepted rows
 * tells duplicates apart.
 */
export class PgRunRecorder implements RunRecorder {
  private readonly groupCommit: boolean;
  private readonly maxGroupBatches: number;
  private readonly maxConcurrentCommits: number;
  private pending: Job[] = [];
  private commitsInProgress = 0;

  constructor(
    private readonly pool: Pool,
    options: PgRunRecorderOptions = {},
  ) {
    this.groupCommit = options.groupCommit ?? true;
    this.maxGroupBatches = options.maxGroupBatches ?? 256;
    this.maxConcurrentCommits = options.maxConcurrentCommits ?? 2;
  }

  /** Creates the tables when missing (tests, embedded mode); production uses the migration. */
  async ensureSchema(): Promise<void> {
    await this.pool.query(runTablesSql());
  }

  record(flowId: string, items: RecordItem[], trigger: JsonValue = { type: 'stream' }, options: RecordOptions = {}): Promise<RecordResult> {
    if (items.length === 0) return Promise.resolve({ runs: [], accepted: [], duplicates: [] });
    const runSize = options.runSize ?? items.length;
    if (!Number.isInteger(runSize) || runSize < 1) return Promise.reject(new RangeError(`runSize must be a whole number of at least 1 (got ${runSize})`));
    return new Promise<RecordResult>((resolve, reject) => {
      this.pending.push({ flowId, items, trigger, runSize, resolve, reject });
      this.kick();
    });
  }

  async recordDeadLetter(flowId: string, entry: DeadLetterEntry): Promise<void> {
    await this.pool.query(
      `INSERT INTO run_messages (id, run_id, flow_id, external_id, status, payload, labels, message_id, error, attempts)
       VALUES ($1, NULL, $2, $3, 'dead-lettered', $4::jsonb, $5::jsonb, $6, $7, $8)`,
      [
        randomUUID(),
        flowId,
        entry.externalId ?? null,
        entry.payload === undefined ? null : JSON.stringify(entry.payload),
        entry.labels === undefined ? null : JSON.stringify(entry.labels),
        entry.messageId,
        entry.error,
        entry.attempts,
      ],
    );
  }

  isUnavailable(error: unknown): boolean {
    return isDatabaseUnavailable(error);
  }

  private kick(): void {
    while (this.commitsInProgress < this.maxConcurrentCommits && this.pending.length > 0) {
      const group = this.pending.splice(0, this.groupCommit ? this.maxGroupBatches : 1);
      this.commitsInProgress++;
      void this.commitGroup(group).finally(() => {
        this.commitsInProgress--;
        this.kick();
      });
    }
  }

  private async commitGroup(group: Job[]): Promise<void> {
    try {
      const results = await this.transaction(group);
      group.forEach((job, i) => job.resolve(results[i]));
    } catch (error) {
      if (group.length === 1) {
        group[0].reject(error);
        return;
      }
      // One bad batch (e.g. a payload PostgreSQL refuses) must not fail the others: retry alone.
      await Promise.all(
        group.map(async (job) => {
          try {
            job.resolve((await this.transaction([job]))[0]);
          } catch (single) {
            job.reject(single);
          }
        }),
      );
    }
  }

  private async transaction(jobs: Job[]): Promise<RecordResult[]> {
    // One run id per runSize slice of each job's batch.
    const runIds = jobs.map((job) => Array.from({ length: Math.ceil(job.items.length / job.runSize) }, () => randomUUID()));
    const rows: Row[] = [];
    const seen = new Set<string>();
    jobs.forEach((job, j) => {
      job.items.forEach((item, index) => {
        const runId = runIds[j][Math.floor(index / job.runSize)];
        const row = { id: randomUUID(), runId, flowId: job.flowId, item, index, position: index % job.runSize, job: j };
        // Without an External ID a message is always accepted (NULLs never conflict in the unique index).
        if (item.externalId === null) {
          rows.push({ ...row, candidate: true });
          return;
        }
        const key = `${job.flowId}\u0000${item.externalId}`;
        // The first of repeated External IDs in a group competes for acceptance; the rest are duplicates.
        rows.push({ ...row, candidate: !seen.has(key) });
        seen.add(key);
      });
    });
    // Concurrent transactions take the unique-index locks in the same order, so they cannot deadlock.
    rows.sort((a, b) => compare(a.flowId, b.flowId) || compare(a.item.externalId ?? '', b.item.externalId ?? '') || a.job - b.job || a.index - b.index);

    // Rows travel as one JSON document: far cheaper to encode than pg's text arrays of JSON strings.
    // Named, so each pooled connection parses and plans the statement once.
    const { rows: inserted } = await this.pool.query<{ id: string }>({ name: 'flowport-record-group', text: RECORD_GROUP, values: [
      JSON.stringify(
        rows.map((r) => ({
          id: r.id,
          run_id: r.runId,
          flow_id: r.flowId,
          external_id: r.item.externalId,
          position: r.position,
          payload: r.item.payload,
          labels: r.item.labels,
          message_id: r.item.messageId,
          candidate: r.candidate,
        })),
      ),
      JSON.stringify(jobs.flatMap((job, j) => runIds[j].map((runId) => ({ run_id: runId, trigger: job.trigger })))),
    ] });
    const acceptedIds = new Set(inserted.map((r) => r.id));

    return jobs.map((job, j) => {
      const own = rows.filter((r) => r.job === j).sort((a, b) => a.index - b.index);
      const accepted = own.filter((r) => acceptedIds.has(r.id));
      return {
        runs: runIds[j]
          .map((id) => ({ id, flowId: job.flowId, messageCount: accepted.filter((r) => r.runId === id).length }))
          .filter((run) => run.messageCount > 0),
        accepted: accepted.map((r) => ({ id: r.id, messageId: r.item.messageId, externalId: r.item.externalId, runId: r.runId })),
        // A message without an External ID is always accepted, so every duplicate has one.
        duplicates: own.filter((r) => !acceptedIds.has(r.id)).map((r) => ({ id: r.id, messageId: r.item.messageId, externalId: r.item.externalId! })),
      };
    });
  }
}

// Socket errors, PostgreSQL's connection exceptions (class 08), shutdown and start-up (57P01-57P03)
// and too many connections (53300): the server is the problem, not the statement.
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', '57P01', '57P02', '57P03', '53300']);

/** True when a `pg` error says the database cannot be reached or is going away. */
export function isDatabaseUnavailable(error: unknown): boolean {
  // Duck-typed: socket errors come from Node's own realm, where `instanceof Error` can fail.
  if (error === null || typeof error !== 'object') return false;
  const { code, message, errors } = error as { code?: unknown; message?: unknown; errors?: unknown };
  // A connect to several addresses (localhost) fails with an AggregateError of each attempt.
  if (Array.isArray(errors) && errors.some(isDatabaseUnavailable)) return true;
  if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) return true;
  // pg reports a dropped connection and a pool connect timeout without a code.
  return typeof message === 'string' && /^Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/.test(message);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
