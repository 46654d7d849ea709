import type { MigrationInterface, QueryRunner } from 'typeorm';

export class RegistryInit1764100001000 implements MigrationInterface {
  name = 'RegistryInit1764100001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE registry_connectors (
      name text PRIMARY KEY,
      publisher_workspace_id uuid NOT NULL REFERENCES workspaces(id),
      display_name text NOT NULL,
      description text NOT NULL,
      icon text NOT NULL,
      categories text[] NOT NULL,
      trigger_kinds text[] NOT NULL,
      action_count int NOT NULL,
      trigger_count int NOT NULL,
      latest_version text,
      highest_version text NOT NULL,
      created_at timestamptz(3) NOT NULL DEFAULT now(),
      updated_at timestamptz(3) NOT NULL DEFAULT now()
    )`);
    await q.query('CREATE INDEX registry_connectors_categories ON registry_connectors USING gin (categories)');
    await q.query(`CREATE TABLE registry_versions (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      connector_name text NOT NULL REFERENCES registry_connectors(name),
      version text NOT NULL,
      manifest jsonb NOT NULL,
      bundle text NOT NULL,
      integrity text NOT NULL,
      size_bytes int NOT NULL,
      signature text,
      key_id text,
      deprecated boolean NOT NULL DEFAULT false,
      yanked boolean NOT NULL DEFAULT false,
      published_by_key_id uuid NOT NULL,
      published_at timestamptz(3) NOT NULL DEFAULT now(),
      UNIQUE (connector_name, version)
    )`);
    await q.query(`CREATE TABLE registry_publisher_keys (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      key_id text NOT NULL,
      public_key text NOT NULL,
      created_at timestamptz(3) NOT NULL DEFAULT now(),
      UNIQUE (workspace_id, key_id)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE registry_publisher_keys');
    await q.query('DROP TABLE registry_versions');
    await q.query('DROP TABLE registry_connectors');
  }
}
