import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { FlowDefinition, FlowStatus } from './definition/flow-definition';

/**
 * A flow and its editable draft. The runtime reads this table (never writes it): columns are
 * part of docs/contracts.md section 4.
 */
@Entity({ name: 'flows' })
export class FlowEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text', default: '' })
  description!: string;

  @Column({ type: 'text' })
  status!: FlowStatus;

  @Column({ type: 'jsonb' })
  draft!: FlowDefinition;

  /** The published version that runs; null unless status is active. */
  @Column({ name: 'active_version', type: 'int', nullable: true })
  activeVersion!: number | null;

  /** sha256 of the flow's webhook token; the token itself is shown once and never stored. */
  @Column({ name: 'webhook_token_hash', type: 'text', nullable: true })
  webhookTokenHash!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt!: Date;
}

/** A published, immutable version of a flow: numbered 1, 2, ... per flow. */
@Entity({ name: 'flow_versions' })
export class FlowVersionEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'flow_id', type: 'uuid' })
  flowId!: string;

  @Column({ type: 'int' })
  version!: number;

  @Column({ type: 'jsonb' })
  definition!: FlowDefinition;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;
}
