import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { ActiveFlow, FlowDefinition, FlowRecord } from './flow-definition';

type FlowRow = {
  id: string;
  workspace_id: string;
  name: string;
  status: FlowRecord['status'];
  active_version: number | null;
  webhook_token_hash: string | null;
  draft: FlowDefinition | null;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Read-only view of services/flows' tables (docs/contracts.md section 4: "the runtime reads them,
 * never writes them"). Plain SQL so the runtime needs no entity classes of another package.
 */
@Injectable()
export class FlowCatalog {
  // Published versions are immutable, so their definitions can be kept (bounded) per process.
  private readonly definitions = new Map<string, FlowDefinition>();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async find(flowId: string, workspaceId?: string): Promise<FlowRecord | null> {
    if (!UUID.test(flowId)) return null;
    const rows: FlowRow[] = await this.dataSource.query(
      `SELECT id, workspace_id, name, status, active_version, webhook_token_hash, draft FROM flows
       WHERE id = $1 AND ($2::uuid IS NULL OR workspace_id = $2::uuid)`,
      [flowId, workspaceId ?? null],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      id: row.id,
      workspaceId: row.workspace_id,
      name: row.name,
      status: row.status,
      activeVersion: row.active_version,
      webhookTokenHash: row.webhook_token_hash,
      draft: row.draft,
    };
  }

  async definition(flowId: string, version: number): Promise<FlowDefinition | null> {
    const key = `${flowId}:${version}`;
    const known = this.definitions.get(key);
    if (known) return known;
    const rows: { definition: FlowDefinition }[] = await this.dataSource.query(
      'SELECT definition FROM flow_versions WHERE flow_id = $1::uuid AND version = $2',
      [flowId, version],
    );
    const definition = rows[0]?.definition ?? null;
    if (definition) {
      if (this.definitions.size >= 1000) this.definitions.delete(this.definitions.keys().next().value!);
      this.definitions.set(key, definition);
    }
    return definition;
  }

  /** Every active flow with its active version's definition (what the trigger manager runs). */
  async active(filter: { workspaceId?: string; triggerType?: string; event?: string } = {}): Promise<ActiveFlow[]> {
    const rows: { id: string; workspace_id: string; version: number; definition: FlowDefinition }[] = await this.dataSource.query(
      `SELECT f.id, f.workspace_id, v.version, v.definition FROM flows f
       JOIN flow_versions v ON v.flow_id = f.id AND v.version = f.active_version
       WHERE f.status = 'active'
         AND ($1::uuid IS NULL OR f.workspace_id = $1::uuid)
         AND ($2::text IS NULL OR v.definition->'trigger'->>'type' = $2)
         AND ($3::text IS NULL OR v.definition->'trigger'->>'event' = $3)
       ORDER BY f.created_at, f.id`,
      [filter.workspaceId ?? null, filter.triggerType ?? null, filter.event ?? null],
    );
    return rows.map((r) => ({ id: r.id, workspaceId: r.workspace_id, version: r.version, definition: r.definition }));
  }
}
