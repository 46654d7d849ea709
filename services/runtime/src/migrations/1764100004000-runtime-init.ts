import type { MigrationInterface, QueryRunner } from 'typeorm';
import { runTablesSql } from '../delivery/pg-run-recorder';

/**
 * The runtime's tables. `runs` and `run_messages` come from the delivery library's schema.sql
 * (one source of truth, shared with PgRunRecorder.ensureSchema); this migration adds what the
 * executor, the triggers and the runs API need on top.
 */
export class RuntimeInit1764100004000 implements MigrationInterface {
  name = 'RuntimeInit1764100004000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(runTablesSql());
    await q.query(`ALTER TABLE runs
      ADD COLUMN workspace_id uuid,
      ADD COLUMN flow_version integer,
      -- Manual/webhook/event input, or the replayed messages; stream runs read run_messages.
      ADD COLUMN input jsonb,
      -- Test runs execute the draft they were started with, not a published version.
      ADD COLUMN definition jsonb,
      ADD COLUMN replay_of uuid REFERENCES runs (id) ON DELETE SET NULL,
      ADD COLUMN error text,
      ADD COLUMN started_at timestamptz,
      ADD COLUMN finished_at timestamptz,
      ADD COLUMN duration_ms integer,
      -- The executor replica holding the run and until when; an expired claim is re-queued.
      ADD COLUMN claimed_by text,
      ADD COLUMN claim_expires_at timestamptz,
      -- Times the run was claimed: a run that keeps killing its replica is dead-lettered.
      ADD COLUMN claims integer NOT NULL DEFAULT 0`);
    await q.query(`ALTER TABLE runs ADD CONSTRAINT runs_status_check
      CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'filtered', 'duplicate', 'dead-lettered'))`);
    // The delivery library inserts runs knowing only the flow id; fill the owner and the active
    // version from the flows table so every run is workspace-scoped from its first moment.
    await q.query(`CREATE FUNCTION runtime_fill_run_owner() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF (NEW.workspace_id IS NULL OR NEW.flow_version IS NULL) AND to_regclass('flows') IS NOT NULL THEN
          EXECUTE 'SELECT workspace_id, active_version FROM flows WHERE id::text = $1'
            INTO NEW.workspace_id, NEW.flow_version USING NEW.flow_id;
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER runs_fill_owner BEFORE INSERT ON runs FOR EACH ROW
      WHEN (NEW.workspace_id IS NULL OR NEW.flow_version IS NULL) EXECUTE FUNCTION runtime_fill_run_owner()`);
    await q.query(`CREATE INDEX runs_queue_idx ON runs (created_at) WHERE status = 'queued'`);
    await q.query(`CREATE INDEX runs_claim_idx ON runs (claim_expires_at) WHERE status = 'running'`);
    await q.query('CREATE INDEX runs_workspace_created_idx ON runs (workspace_id, created_at DESC, id DESC)');
    await q.query('CREATE INDEX runs_replay_of_idx ON runs (replay_of) WHERE replay_of IS NOT NULL');
    await q.query('CREATE INDEX run_messages_external_id_idx ON run_messages (external_id, flow_id)');

    await q.query(`CREATE TABLE run_steps (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      run_id uuid NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
      position integer NOT NULL,
      name text NOT NULL,
      type text NOT NULL,
      status text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'filtered')),
      input jsonb,
      -- Capped by the executor (RUNTIME_STEP_OUTPUT_LIMIT); a larger output is stored as a marker.
      output jsonb,
      logs jsonb NOT NULL DEFAULT '[]'::jsonb,
      error text,
      attempts integer NOT NULL DEFAULT 0,
      started_at timestamptz NOT NULL DEFAULT now(),
      finished_at timestamptz,
      duration_ms integer,
      UNIQUE (run_id, position)
    )`);

    // Which replay runs re-processed which recorded message (for the resync view).
    await q.query(`CREATE TABLE run_message_replays (
      message_id uuid NOT NULL REFERENCES run_messages (id) ON DELETE CASCADE,
      run_id uuid NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
      PRIMARY KEY (message_id, run_id)
    )`);

    // The pooling triggers' ctx.store.
    await q.query(`CREATE TABLE trigger_state (
      flow_id text NOT NULL,
      key text NOT NULL,
      value jsonb NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (flow_id, key)
    )`);
    // One replica polls a pooling trigger at a time.
    await q.query(`CREATE TABLE trigger_leases (
      flow_id text PRIMARY KEY,
      holder text NOT NULL,
      expires_at timestamptz NOT NULL
    )`);
    // Signed webhook calls seen inside the replay window.
    await q.query(`CREATE TABLE webhook_signatures (
      flow_id text NOT NULL,
      signature text NOT NULL,
      seen_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (flow_id, signature)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE webhook_signatures');
    await q.query('DROP TABLE trigger_leases');
    await q.query('DROP TABLE trigger_state');
    await q.query('DROP TABLE run_message_replays');
    await q.query('DROP TABLE run_steps');
    await q.query('DROP TRIGGER runs_fill_owner ON runs');
    await q.query('DROP FUNCTION runtime_fill_run_owner()');
    await q.query('DROP TABLE run_messages');
    await q.query('DROP TABLE runs');
  }
}
