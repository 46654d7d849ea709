import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { RUNTIME_DB, RuntimeDb } from '../runtime-db';
import { eachAloneOnFailure, GroupCommit } from './group-commit';
import type { NewRun } from './run-store';

/** A run that may start only once per External ID of its flow (a webhook call with an External ID). */
export type DeduplicatedRun = Omit<NewRun, 'definition' | 'replayOf' | 'replayedMessageIds'> & { externalId: string };

/** Accepted: the run is queued. Otherwise a `duplicate` run was recorded, pointing at the run that holds the External ID. */
export type DeduplicatedResult = { runId: string; accepted: true } | { runId: string; accepted: false; duplicateOf: string | null };

type Pending = { messageId: string; runId: string; run: DeduplicatedRun; resolve: (result: DeduplicatedResult) => void; reject: (error: unknown) => void; failed?: boolean };

const INPUT = `jsonb_to_recordset($1::jsonb) AS t(id uuid, run_id uuid, flow_id text, workspace_id uuid, flow_version int,
  external_id text, message_id text, trigger jsonb, input jsonb)`;

// The unique (flow_id, external_id) index of accepted run_messages decides, as for stream
// messages: a call whose row goes in gets its queued run in the same statement (one implicit
// transaction); ON CONFLICT waits for a concurrent insert of the same External ID to commit or roll back.
const ACCEPT = `
  WITH input AS (SELECT * FROM ${INPUT}),
  accepted AS (
    INSERT INTO run_messages (id, run_id, flow_id, external_id, status, position, message_id)
    SELECT id, run_id, flow_id, external_id, 'accepted', 0, message_id FROM input
    ON CONFLICT (flow_id, external_id) WHERE status = 'accepted' DO NOTHING
    RETURNING id
  ),
  queued AS (
    INSERT INTO runs (id, flow_id, workspace_id, flow_version, status, trigger, input, message_count)
    SELECT i.run_id, i.flow_id, i.workspace_id, i.flow_version, 'queued', i.trigger, i.input, 1
    FROM input i JOIN accepted a ON a.id = i.id
    RETURNING id
  )
  SELECT id FROM queued`;

// A separate statement, so its snapshot sees the accepted row that made the call a duplicate
// (committed by then, possibly by another replica). The duplicate run is finished at once.
const DUPLICATES = `
  WITH input AS (SELECT * FROM ${INPUT}),
  matched AS (
    SELECT i.*, o.run_id AS original FROM input i
    LEFT JOIN run_messages o ON o.flow_id = i.flow_id AND o.external_id = i.external_id AND o.status = 'accepted'
  ),
  messages AS (
    INSERT INTO run_messages (id, run_id, flow_id, external_id, status, position, message_id)
    SELECT id, run_id, flow_id, external_id, 'duplicate', 0, message_id FROM matched
  ),
  finished AS (
    INSERT INTO runs (id, flow_id, workspace_id, flow_version, status, trigger, input, message_count, started_at, finished_at, duration_ms)
    SELECT run_id, flow_id, workspace_id, flow_version, 'duplicate',
           trigger || jsonb_build_object('duplicateOf', original),
           jsonb_set(input, '{messages,0,meta,duplicateOf}', coalesce(to_jsonb(original), 'null'::jsonb)),
           1, now(), now(), 0
    FROM matched
  )
  SELECT run_id, original FROM matched`;

// A connector webhook call whose items were all recorded as duplicates (PgRunRecorder): one
// finished `duplicate` run holds their rows, in the call's order, and points at the run that
// recorded the first item's External ID. A statement after the recorder's, so it sees that row
// even when another replica committed it meanwhile.
const DUPLICATE_BATCH = `
  WITH items AS (SELECT id, ord FROM unnest($1::uuid[]) WITH ORDINALITY AS t(id, ord)),
  original AS (
    SELECT o.run_id FROM items i
    JOIN run_messages d ON d.id = i.id
    JOIN run_messages o ON o.flow_id = d.flow_id AND o.external_id = d.external_id AND o.status = 'accepted'
    ORDER BY i.ord LIMIT 1
  ),
  finished AS (
    INSERT INTO runs (id, flow_id, workspace_id, flow_version, status, trigger, message_count, started_at, finished_at, duration_ms)
    SELECT $2, $3, $4, $5, 'duplicate', $6::jsonb || jsonb_build_object('duplicateOf', (SELECT run_id FROM original)), cardinality($1::uuid[]), now(), now(), 0
    RETURNING id
  ),
  linked AS (
    UPDATE run_messages m SET run_id = (SELECT id FROM finished), position = i.ord - 1
    FROM items i WHERE m.id = i.id AND m.status = 'duplicate'
    RETURNING m.id
  )
  SELECT (SELECT run_id FROM original) AS original, (SELECT count(*) FROM linked)::int AS linked`;

/** The run a call of duplicate messages is recorded as (what `DeduplicatedRunStore.recordDuplicateBatch` needs). */
export type DuplicateBatch = Pick<NewRun, 'flowId' | 'workspaceId' | 'flowVersion' | 'trigger'> & {
  /** The call's duplicate run_messages rows (RecordResult.duplicates[].id), in the call's order. */
  messageIds: string[];
};

/**
 * Records runs that start once per External ID of their flow: a webhook call whose External ID
 * the flow already recorded (from a webhook call or a stream/pooling message) gets a `duplicate`
 * run instead of a queued one. The message row of each call (run_messages, no payload: the run's
 * input holds the body) carries the External ID under the same unique index the stream path
 * uses, so the database decides between concurrent calls, on any number of replicas.
 *
 * Calls arriving while a statement is in progress go together in the next one (group commit, as
 * RunStore): within a group only the first call of an External ID competes, the others are its
 * duplicates.
 */
@Injectable()
export class DeduplicatedRunStore {
  private readonly inserts = new GroupCommit<Pending>((group) => this.record(group));

  constructor(@Inject(RUNTIME_DB) private readonly db: RuntimeDb) {}

  /**
   * A connector webhook call whose items the run recorder marked all duplicate: records the
   * finished `duplicate` run holding them (their rows get its id) and returns it with the run
   * that first recorded the first item's External ID (null when that was recorded without a run).
   */
  async recordDuplicateBatch(batch: DuplicateBatch): Promise<{ runId: string; duplicateOf: string | null }> {
    const runId = randomUUID();
    const rows = await this.db.pool.query<{ original: string | null }>({
      name: 'flowport-record-duplicate-batch',
      text: DUPLICATE_BATCH,
      values: [batch.messageIds, runId, batch.flowId, batch.workspaceId, batch.flowVersion, JSON.stringify(batch.trigger)],
    });
    return { runId, duplicateOf: rows.rows[0]?.original ?? null };
  }

  create(run: DeduplicatedRun): Promise<DeduplicatedResult> {
    return new Promise((resolve, reject) => this.inserts.add({ messageId: randomUUID(), runId: randomUUID(), run, resolve, reject }));
  }

  private async record(group: Pending[]): Promise<void> {
    const key = (p: Pending) => `${p.run.flowId}\u0000${p.run.externalId}`;
    const seen = new Set<string>();
    const candidates: Pending[] = [];
    let later: Pending[] = [];
    for (const p of group) {
      (seen.has(key(p)) ? later : candidates).push(p);
      seen.add(key(p));
    }
    // The same order in every statement, so concurrent ones take the unique-index locks without deadlocking.
    candidates.sort((a, b) => compare(a.run.flowId, b.run.flowId) || compare(a.run.externalId, b.run.externalId));
    const lost = await eachAloneOnFailure(
      candidates,
      async (part) => {
        const rows = await this.db.pool.query<{ id: string }>({ name: 'flowport-accept-deduplicated-runs', text: ACCEPT, values: [rowsOf(part)] });
        const queued = new Set(rows.rows.map((r) => r.id));
        const rest: Pending[] = [];
        for (const p of part) {
          if (queued.has(p.runId)) p.resolve({ runId: p.runId, accepted: true });
          else rest.push(p);
        }
        return rest;
      },
      failCall,
    );
    // A call whose competitor failed (nothing recorded) competes in the next group instead.
    const failed = new Set(candidates.filter((p) => p.failed).map(key));
    if (failed.size > 0) {
      this.inserts.requeue(later.filter((p) => failed.has(key(p))));
      later = later.filter((p) => !failed.has(key(p)));
    }
    await eachAloneOnFailure(
      [...lost, ...later],
      async (part) => {
        const rows = await this.db.pool.query<{ run_id: string; original: string | null }>({ name: 'flowport-record-duplicate-runs', text: DUPLICATES, values: [rowsOf(part)] });
        const originals = new Map(rows.rows.map((r) => [r.run_id, r.original]));
        for (const p of part) p.resolve({ runId: p.runId, accepted: false, duplicateOf: originals.get(p.runId) ?? null });
        return [];
      },
      failCall,
    );
  }
}

/** A call PostgreSQL refused (e.g. a \u0000 in its body) fails alone; marked so its duplicates compete again. */
function failCall(p: Pending, error: unknown): void {
  p.failed = true;
  p.reject(error);
}

function rowsOf(part: Pending[]): string {
  return JSON.stringify(
    part.map(({ messageId, runId, run }) => ({
      id: messageId,
      run_id: runId,
      flow_id: run.flowId,
      workspace_id: run.workspaceId,
      flow_version: run.flowVersion,
      external_id: run.externalId,
      message_id: `webhook:${runId}`,
      trigger: run.trigger,
      input: withMessageId(run.input, messageId),
    })),
  );
}

/** The run's message points at its run_messages row (the run view's message id, replay, resync). */
function withMessageId(input: NewRun['input'], messageId: string): NewRun['input'] {
  if (!input.messages) return input;
  return { ...input, messages: input.messages.map((m, i) => (i === 0 ? { ...m, meta: { ...m.meta, id: messageId } } : m)) };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
