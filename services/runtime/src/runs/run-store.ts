import { randomUUID } from 'node:crypto';
import { MetricsService } from '@flowport/core';
import { Inject, Injectable, Optional } from '@nestjs/common';
import type { LogEntry } from '@flowport/sandbox';
import { RUNTIME_DB, RuntimeDb } from '../runtime-db';
import { eachAloneOnFailure, GroupCommit } from './group-commit';
import type { JsonValue } from '../stream-message';
import type { FlowDefinition } from '../flows/flow-definition';

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'filtered' | 'duplicate' | 'dead-lettered';
export type StepStatus = 'running' | 'succeeded' | 'failed' | 'filtered';

export type TriggerMessage = { payload: JsonValue; externalId: string | null; meta: Record<string, JsonValue> };

/** What a run received when it did not come through run_messages (manual, webhook, event, replay). */
export type RunInput = { input?: JsonValue; messages?: TriggerMessage[] };

export type RunRow = {
  id: string;
  flow_id: string;
  workspace_id: string | null;
  flow_version: number | null;
  status: RunStatus;
  trigger: Record<string, JsonValue>;
  input: RunInput | null;
  definition: FlowDefinition | null;
  message_count: number;
  replay_of: string | null;
  error: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  duration_ms: number | null;
  claims: number;
};

export type StepRow = {
  id: string;
  run_id: string;
  position: number;
  name: string;
  type: string;
  status: StepStatus;
  input: JsonValue;
  output: JsonValue;
  logs: LogEntry[];
  error: string | null;
  attempts: number;
  started_at: Date;
  finished_at: Date | null;
  duration_ms: number | null;
};

export type NewRun = {
  flowId: string;
  workspaceId: string;
  flowVersion: number | null;
  trigger: Record<string, JsonValue>;
  input: RunInput;
  definition?: FlowDefinition;
  replayOf?: string;
  /** Recorded messages a replay re-processes (for the resync view). */
  replayedMessageIds?: string[];
};

type PendingRun = { id: string; run: NewRun; resolve: (id: string) => void; reject: (error: unknown) => void };

/** SQL of the runs and run_steps tables for the executor and the APIs. */
@Injectable()
export class RunStore {
  private readonly inserts = new GroupCommit<PendingRun>((group) => this.insertGroup(group));

  constructor(
    @Inject(RUNTIME_DB) private readonly db: RuntimeDb,
    @Optional() private readonly metrics?: MetricsService,
  ) {}

  /**
   * Records a queued run. Runs created while an insert is in progress wait and go together in
   * the next one (group commit): under load, many webhook or event runs share one statement and
   * one WAL flush instead of a BEGIN, INSERT and COMMIT each. A replay also links the messages it
   * re-processes, so it keeps its own transaction.
   */
  create(run: NewRun): Promise<string> {
    if (run.replayedMessageIds?.length) return this.createWithReplays(run);
    return new Promise((resolve, reject) => this.inserts.add({ id: randomUUID(), run, resolve, reject }));
  }

  private async insertGroup(group: PendingRun[]): Promise<void> {
    // One run PostgreSQL refuses (e.g. a \u0000 in its input) must not fail the others.
    await eachAloneOnFailure(
      group,
      async (part) => {
        await this.insertRuns(part);
        for (const p of part) p.resolve(p.id);
        return [];
      },
      (p, error) => p.reject(error),
    );
  }

  private async insertRuns(group: PendingRun[]): Promise<void> {
    // Rows travel as one JSON document (as in PgRunRecorder); named, so each connection plans it once.
    await this.db.pool.query({
      name: 'flowport-create-runs',
      text: `INSERT INTO runs (id, flow_id, workspace_id, flow_version, status, trigger, input, definition, message_count, replay_of)
             SELECT t.id, t.flow_id, t.workspace_id, t.flow_version, 'queued', t.trigger, t.input, t.definition, t.message_count, t.replay_of
             FROM jsonb_to_recordset($1::jsonb) AS t(id uuid, flow_id text, workspace_id uuid, flow_version int, trigger jsonb, input jsonb, definition jsonb, message_count int, replay_of uuid)`,
      values: [
        JSON.stringify(
          group.map(({ id, run }) => ({
            id,
            flow_id: run.flowId,
            workspace_id: run.workspaceId,
            flow_version: run.flowVersion,
            trigger: run.trigger,
            input: run.input,
            definition: run.definition ?? null,
            message_count: run.input.messages?.length ?? 0,
            replay_of: run.replayOf ?? null,
          })),
        ),
      ],
    });
  }

  private async createWithReplays(run: NewRun): Promise<string> {
    const id = randomUUID();
    const client = await this.db.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO runs (id, flow_id, workspace_id, flow_version, status, trigger, input, definition, message_count, replay_of)
         VALUES ($1, $2, $3, $4, 'queued', $5::jsonb, $6::jsonb, $7::jsonb, $8, $9)`,
        [
          id,
          run.flowId,
          run.workspaceId,
          run.flowVersion,
          JSON.stringify(run.trigger),
          JSON.stringify(run.input),
          run.definition ? JSON.stringify(run.definition) : null,
          run.input.messages?.length ?? 0,
          run.replayOf ?? null,
        ],
      );
      await client.query('INSERT INTO run_message_replays (message_id, run_id) SELECT unnest($1::uuid[]), $2', [run.replayedMessageIds, id]);
      await client.query('COMMIT');
      return id;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /**
   * Takes up to `limit` queued runs for this replica. SKIP LOCKED lets several replicas claim
   * concurrently without waiting on each other or taking the same run.
   *
   * The claim's commit does not wait for its WAL flush (synchronous_commit off for this one
   * transaction), so a run starts one disk flush sooner after it was recorded. Losing a claim is
   * harmless: only a PostgreSQL crash can, and then the run is simply queued again. WAL is
   * flushed in order, so any later durable commit (the run's step records, its result) makes the
   * claim durable too.
   */
  async claim(replicaId: string, limit: number, claimTtlMs: number): Promise<RunRow[]> {
    const rows = await this.db.query<RunRow>(
      `WITH relaxed AS (SELECT set_config('synchronous_commit', 'off', true))
       UPDATE runs SET status = 'running', claimed_by = $1, claim_expires_at = now() + $3 * interval '1 millisecond',
              started_at = coalesce(started_at, now()), claims = claims + 1, updated_at = now()
       WHERE id IN (SELECT id FROM runs WHERE status = 'queued' ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)
         AND EXISTS (SELECT 1 FROM relaxed)
       RETURNING *`,
      [replicaId, limit, claimTtlMs],
    );
    for (const row of rows) if (row.claims === 1) this.metrics?.runStarted(String(row.trigger?.type ?? 'unknown'));
    return rows;
  }

  /** Extends this replica's claims; returns the ids it still holds. */
  async renewClaims(replicaId: string, runIds: string[], claimTtlMs: number): Promise<Set<string>> {
    if (runIds.length === 0) return new Set();
    const rows = await this.db.query<{ id: string }>(
      `UPDATE runs SET claim_expires_at = now() + $3 * interval '1 millisecond'
       WHERE id = ANY($1::uuid[]) AND claimed_by = $2 AND status = 'running' RETURNING id`,
      [runIds, replicaId, claimTtlMs],
    );
    return new Set(rows.map((r) => r.id));
  }

  /**
   * Runs whose replica died (claim expired) go back to the queue; completed steps are kept and
   * not re-run. A run abandoned `maxClaims` times is dead-lettered instead of looping forever.
   */
  async requeueExpired(maxClaims: number): Promise<number> {
    const rows = await this.db.query(
      `UPDATE runs SET
         status = CASE WHEN claims >= $1 THEN 'dead-lettered' ELSE 'queued' END,
         error = CASE WHEN claims >= $1 THEN 'The run was abandoned by its runtime replica ' || claims || ' times (crash or overload); replay it once the cause is fixed' ELSE error END,
         finished_at = CASE WHEN claims >= $1 THEN now() ELSE NULL END,
         claimed_by = NULL, claim_expires_at = NULL, updated_at = now()
       WHERE status = 'running' AND claim_expires_at < now()
       RETURNING id`,
      [maxClaims],
    );
    return rows.length;
  }

  /**
   * Ends a run this replica holds; false when its claim had moved to another replica. `lastStep`
   * (the step that ended it) is recorded by the same statement: one commit instead of two.
   */
  async finish(runId: string, replicaId: string, status: RunStatus, error: string | null, lastStep?: StepRecord): Promise<boolean> {
    const rows = lastStep
      ? await this.db.query(`WITH step AS (${RECORD_STEP}) ${endRun('$1', '$12', '$13', '$14')}`, [...stepParams(runId, lastStep), replicaId, status, error])
      : await this.db.query(endRun('$1', '$2', '$3', '$4'), [runId, replicaId, status, error]);
    if (rows.length > 0) this.metrics?.runFinished(status);
    return rows.length > 0;
  }

  async messagesOf(runId: string): Promise<TriggerMessage[]> {
    const rows = await this.db.query<{ id: string; payload: JsonValue; external_id: string | null; labels: JsonValue; message_id: string }>(
      `SELECT id, payload, external_id, labels, message_id FROM run_messages WHERE run_id = $1 AND status = 'accepted' ORDER BY position`,
      [runId],
    );
    return rows.map((r) => ({ payload: r.payload, externalId: r.external_id, meta: { id: r.id, messageId: r.message_id, labels: r.labels ?? null } }));
  }

  async steps(runId: string): Promise<StepRow[]> {
    return this.db.query<StepRow>('SELECT * FROM run_steps WHERE run_id = $1 ORDER BY position', [runId]);
  }

  /**
   * Marks a step running. Like a claim, the mark does not wait for its WAL flush: it only shows
   * progress, a run taken up again re-runs a step that has no finished record, and the step's
   * finish (a durable commit) flushes it anyway.
   */
  async startStep(runId: string, position: number, name: string, type: string, input: JsonValue): Promise<void> {
    await this.db.query(
      `INSERT INTO run_steps (run_id, position, name, type, status, input, attempts, started_at)
       SELECT $1::uuid, $2::int, $3::text, $4::text, 'running', $5::jsonb, 0, now() FROM (SELECT set_config('synchronous_commit', 'off', true)) AS relaxed
       ON CONFLICT (run_id, position) DO UPDATE SET name = $3, type = $4, status = 'running', input = $5::jsonb,
         output = NULL, error = NULL, logs = '[]'::jsonb, attempts = 0, started_at = now(), finished_at = NULL, duration_ms = NULL`,
      [runId, position, name, type, JSON.stringify(input)],
    );
  }

  /** Records a finished step, whether or not its running mark was written (one upsert). */
  async recordStep(runId: string, step: StepRecord): Promise<void> {
    await this.db.query(RECORD_STEP, stepParams(runId, step));
  }
}

/** A finished step as the executor records it; the timings are the executor's own measure. */
export type StepRecord = {
  position: number;
  name: string;
  type: string;
  status: StepStatus;
  /** undefined keeps what the running mark recorded. */
  input?: JsonValue;
  output: JsonValue;
  logs: LogEntry[];
  error: string | null;
  attempts: number;
  durationMs: number;
};

/** The statement ending a run, with the placeholders of its run id, replica, status and error. */
function endRun(runId: string, replicaId: string, status: string, error: string): string {
  return `UPDATE runs SET status = ${status}, error = ${error}, finished_at = now(),
            duration_ms = round(extract(epoch FROM now() - started_at) * 1000)::int,
            claimed_by = NULL, claim_expires_at = NULL, updated_at = now()
     WHERE id = ${runId} AND claimed_by = ${replicaId} RETURNING id`;
}

// $1 run id, $2..$11 the step (see stepParams); times in PostgreSQL's clock, the duration measured by the executor.
const RECORD_STEP = `INSERT INTO run_steps (run_id, position, name, type, status, input, output, logs, error, attempts, started_at, finished_at, duration_ms)
  VALUES ($1::uuid, $2::int, $3::text, $4::text, $5::text, $6::jsonb, $7::jsonb, $8::jsonb, $9::text, $10::int, now() - $11::int * interval '1 millisecond', now(), $11::int)
  ON CONFLICT (run_id, position) DO UPDATE SET name = EXCLUDED.name, type = EXCLUDED.type, status = EXCLUDED.status,
    input = coalesce(EXCLUDED.input, run_steps.input), output = EXCLUDED.output, logs = EXCLUDED.logs, error = EXCLUDED.error,
    attempts = EXCLUDED.attempts, started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at, duration_ms = EXCLUDED.duration_ms`;

function stepParams(runId: string, step: StepRecord): unknown[] {
  return [
    runId,
    step.position,
    step.name,
    step.type,
    step.status,
    step.input === undefined ? null : JSON.stringify(step.input),
    JSON.stringify(step.output),
    JSON.stringify(step.logs),
    step.error,
    step.attempts,
    Math.max(0, Math.round(step.durationMs)),
  ];
}
