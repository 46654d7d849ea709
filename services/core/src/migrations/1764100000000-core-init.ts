import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CoreInit1764100000000 implements MigrationInterface {
  name = 'CoreInit1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE workspaces (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      name text NOT NULL,
      created_at timestamptz(3) NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE TABLE api_keys (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      name text NOT NULL,
      role text NOT NULL CHECK (role IN ('owner', 'developer', 'member')),
      lookup_prefix text NOT NULL,
      key_hash text NOT NULL UNIQUE,
      created_at timestamptz(3) NOT NULL DEFAULT now(),
      revoked_at timestamptz(3)
    )`);
    await q.query('CREATE INDEX api_keys_lookup_prefix ON api_keys (lookup_prefix)');
    await q.query('CREATE INDEX api_keys_workspace ON api_keys (workspace_id, created_at, id)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE api_keys');
    await q.query('DROP TABLE workspaces');
  }
}
