import type { MigrationInterface, QueryRunner } from 'typeorm';

export class StoreInit1764100002000 implements MigrationInterface {
  name = 'StoreInit1764100002000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE store_installs (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      connector_name text NOT NULL REFERENCES registry_connectors(name),
      version text NOT NULL,
      installed_at timestamptz(3) NOT NULL DEFAULT now(),
      updated_at timestamptz(3) NOT NULL DEFAULT now(),
      UNIQUE (workspace_id, connector_name)
    )`);
    await q.query(`CREATE TABLE store_accounts (
      id uuid PRIMARY KEY,
      workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      connector_name text NOT NULL,
      account_name text NOT NULL,
      name text NOT NULL,
      values jsonb NOT NULL,
      secrets jsonb,
      secret_fields text[] NOT NULL,
      created_at timestamptz(3) NOT NULL DEFAULT now(),
      updated_at timestamptz(3) NOT NULL DEFAULT now(),
      UNIQUE (workspace_id, connector_name, name)
    )`);
    await q.query('CREATE INDEX store_accounts_list ON store_accounts (workspace_id, created_at, id)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE store_accounts');
    await q.query('DROP TABLE store_installs');
  }
}
