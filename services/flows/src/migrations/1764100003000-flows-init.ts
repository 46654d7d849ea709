import type { MigrationInterface, QueryRunner } from 'typeorm';

export class FlowsInit1764100003000 implements MigrationInterface {
  name = 'FlowsInit1764100003000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE flows (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      name text NOT NULL,
      description text NOT NULL DEFAULT '',
      status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'inactive')),
      draft jsonb NOT NULL,
      active_version int,
      webhook_token_hash text UNIQUE,
      created_at timestamptz(3) NOT NULL DEFAULT now(),
      updated_at timestamptz(3) NOT NULL DEFAULT now(),
      CHECK ((status = 'active') = (active_version IS NOT NULL))
    )`);
    // Flow names are what users (and the uninstall conflict message) identify flows by.
    await q.query('CREATE UNIQUE INDEX flows_workspace_name ON flows (workspace_id, lower(name))');
    await q.query('CREATE INDEX flows_list ON flows (workspace_id, name, id)');
    await q.query("CREATE INDEX flows_active ON flows (status) WHERE status = 'active'");
    await q.query(`CREATE TABLE flow_versions (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      flow_id uuid NOT NULL REFERENCES flows(id) ON DELETE CASCADE,
      version int NOT NULL CHECK (version >= 1),
      definition jsonb NOT NULL,
      created_at timestamptz(3) NOT NULL DEFAULT now(),
      UNIQUE (flow_id, version)
    )`);
    await q.query(`ALTER TABLE flows ADD CONSTRAINT flows_active_version_fk
      FOREIGN KEY (id, active_version) REFERENCES flow_versions (flow_id, version)`);
    // Versions are immutable: the database refuses an UPDATE, whatever code path tries it.
    await q.query(`CREATE FUNCTION flow_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'flow_versions rows are immutable: publish a new version instead'; END $$`);
    await q.query('CREATE TRIGGER flow_versions_no_update BEFORE UPDATE ON flow_versions FOR EACH ROW EXECUTE FUNCTION flow_versions_immutable()');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE flows DROP CONSTRAINT flows_active_version_fk');
    await q.query('DROP TABLE flow_versions');
    await q.query('DROP FUNCTION flow_versions_immutable()');
    await q.query('DROP TABLE flows');
  }
}
