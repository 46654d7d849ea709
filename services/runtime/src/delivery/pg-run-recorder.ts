import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pool, PoolClient } from 'pg';
import type { JsonValue } from '../stream-message';
import type { DeadLetterEntry, RecordItem, RecordResult, RunRecorder } from './run-recorder';

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

const INSERT_MESSAGES = `
  INSERT INTO run_messages (id, run_id, flow_id, external_id, status, position, payload, labels, message_id)
  SELECT t.id, t.run_id, t.flow_id, t.external_id, $5, t.position, t.payload::jsonb, t.labels::jsonb, t.message_id
  FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $6::int[], $7::text[], $8::text[], $9::text[])
    AS t(id, run_id, flow_id, external_id, position, payload, labels, message_id)
  ON CONFLICT (flow_id, external_id) WHERE status = 'accepted' DO NOTHING
  RETURNING id`;

const INSERT_RUNS = `
  INSERT INTO runs (id, flow_id, status, trigger, message_count)
  SELECT t.id, t.flow_id, 'queued', t.trigger::jsonb, t.message_count
  FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[]) AS t(id, flow_id, trigger, message_count)`;

type Row = { id: string; runId: string | null; flowId: string; item: RecordItem; position: number; job: number };

/**
 * RunRecorder on PostgreSQL through `pg`. Each batch becomes one run (status 'queued') plus one
 * run_messages row per message, in one transaction; `ON CONFLICT ... DO NOTHING RETURNING` on
 * the unique (flow_id, external_id) of accepted rows tells duplicates apart.
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

  record(flowId: string, items: RecordItem[], trigger: JsonValue = { type: 'stream' }): Promise<RecordResult> {
    if (items.length === 0) return Promise.resolve({ runs: [], accepted: [], duplicates: [] });
    return new Promise<RecordResult>((resolve, reject) => {
      this.pending.push({ flowId, items, trigger, resolve, reject });
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
    const runIds = jobs.map(() => randomUUID());
    const candidates: Row[] = [];
    const inGroupDuplicates: Row[] = [];
    const seen = new Set<string>();
    jobs.forEach((job, j) => {
      job.items.forEach((item, position) => {
        const row: Row = { id: randomUUID(), runId: runIds[j], flowId: job.flowId, item, position, job: j };
        const key = `${job.flowId}\u0000${item.externalId}`;
        if (seen.has(key)) inGroupDuplicates.push({ ...row, runId: null });
        else {
          seen.add(key);
          candidates.push(row);
        }
      });
    });

    // Concurrent transactions take the unique-index locks in the same order, so they cannot deadlock.
    candidates.sort((a, b) => (a.flowId === b.flowId ? compare(a.item.externalId, b.item.externalId) : compare(a.flowId, b.flowId)));

    const client: PoolClient = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const inserted = await client.query<{ id: string }>(INSERT_MESSAGES, messageParams(candidates, 'accepted'));
      const acceptedIds = new Set(inserted.rows.map((r) => r.id));
      const duplicates = [...candidates.filter((r) => !acceptedIds.has(r.id)).map((r) => ({ ...r, runId: null })), ...inGroupDuplicates];
      if (duplicates.length > 0) await client.query(INSERT_MESSAGES, messageParams(duplicates, 'duplicate'));
      const acceptedPerJob = jobs.map(() => 0);
      for (const row of candidates) if (acceptedIds.has(row.id)) acceptedPerJob[row.job]++;
      const runJobs = jobs.map((_, j) => j).filter((j) => acceptedPerJob[j] > 0);
      if (runJobs.length > 0) {
        await client.query(INSERT_RUNS, [
          runJobs.map((j) => runIds[j]),
          runJobs.map((j) => jobs[j].flowId),
          runJobs.map((j) => JSON.stringify(jobs[j].trigger)),
          runJobs.map((j) => acceptedPerJob[j]),
        ]);
      }
      await client.query('COMMIT');

      return jobs.map((job, j) => ({
        runs: acceptedPerJob[j] > 0 ? [{ id: runIds[j], flowId: job.flowId, messageCount: acceptedPerJob[j] }] : [],
        accepted: candidates
          .filter((r) => r.job === j && acceptedIds.has(r.id))
          .map((r) => ({ messageId: r.item.messageId, externalId: r.item.externalId, runId: runIds[j] })),
        duplicates: duplicates
          .filter((r) => r.job === j)
          .sort((a, b) => a.position - b.position)
          .map((r) => ({ messageId: r.item.messageId, externalId: r.item.externalId })),
      }));
    } catch (error) {
      broken = error instanceof Error ? error : new Error(String(error));
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      // A connection that failed mid-transaction may be dead; do not hand it to the next batch.
      client.release(broken);
    }
  }
}

function messageParams(rows: Row[], status: 'accepted' | 'duplicate'): unknown[] {
  return [
    rows.map((r) => r.id),
    rows.map((r) => r.runId),
    rows.map((r) => r.flowId),
    rows.map((r) => r.item.externalId),
    status,
    rows.map((r) => r.position),
    rows.map((r) => JSON.stringify(r.item.payload)),
    rows.map((r) => (r.item.labels === undefined ? null : JSON.stringify(r.item.labels))),
    rows.map((r) => r.item.messageId),
  ];
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
