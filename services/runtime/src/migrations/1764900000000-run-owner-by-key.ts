import type { MigrationInterface, QueryRunner } from 'typeorm';

// The runs trigger's first version compared `flows.id::text`, which no index serves: every run
// inserted without its owner (stream, pooling and connector webhook runs) read the whole flows
// table. This version looks the flow up by its primary key; a flow id that is not a UUID (the
// delivery library's own tests use free-form ids) cannot name a flow, so it is not looked up.
const BY_KEY = `CREATE OR REPLACE FUNCTION runtime_fill_run_owner() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF (NEW.workspace_id IS NULL OR NEW.flow_version IS NULL) AND to_regclass('flows') IS NOT NULL
       AND NEW.flow_id ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
      EXECUTE 'SELECT workspace_id, active_version FROM flows WHERE id = $1::uuid'
        INTO NEW.workspace_id, NEW.flow_version USING NEW.flow_id;
    END IF;
    RETURN NEW;
  END $$`;

const BY_TEXT = `CREATE OR REPLACE FUNCTION runtime_fill_run_owner() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF (NEW.workspace_id IS NULL OR NEW.flow_version IS NULL) AND to_regclass('flows') IS NOT NULL THEN
      EXECUTE 'SELECT workspace_id, active_version FROM flows WHERE id::text = $1'
        INTO NEW.workspace_id, NEW.flow_version USING NEW.flow_id;
    END IF;
    RETURN NEW;
  END $$`;

/** Runs find their flow's workspace and active version by the flows primary key. */
export class RunOwnerByKey1764900000000 implements MigrationInterface {
  name = 'RunOwnerByKey1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(BY_KEY);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(BY_TEXT);
  }
}
