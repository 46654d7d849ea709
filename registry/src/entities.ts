import type { ConnectorManifest } from '@flowport/connector-sdk';
import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/** One connector name, owned by the workspace that published it first. */
@Entity({ name: 'registry_connectors' })
export class ConnectorEntity {
  @PrimaryColumn({ type: 'text' })
  name!: string;

  @Column({ name: 'publisher_workspace_id', type: 'uuid' })
  publisherWorkspaceId!: string;

  // Display fields are copied from the latest installable version (or the highest version
  // when none is installable) so lists and search need no manifest parsing.
  @Column({ name: 'display_name', type: 'text' })
  displayName!: string;

  @Column({ type: 'text' })
  description!: string;

  @Column({ type: 'text' })
  icon!: string;

  @Column({ type: 'text', array: true })
  categories!: string[];

  @Column({ name: 'trigger_kinds', type: 'text', array: true })
  triggerKinds!: string[];

  @Column({ name: 'action_count', type: 'int' })
  actionCount!: number;

  @Column({ name: 'trigger_count', type: 'int' })
  triggerCount!: number;

  /** Highest version that is neither deprecated nor yanked; null when there is none. */
  @Column({ name: 'latest_version', type: 'text', nullable: true })
  latestVersion!: string | null;

  /** Highest version ever published: a new version must be above it. */
  @Column({ name: 'highest_version', type: 'text' })
  highestVersion!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt!: Date;
}

/** A published version; immutable except for the deprecated and yanked flags. */
@Entity({ name: 'registry_versions' })
export class ConnectorVersionEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'connector_name', type: 'text' })
  connectorName!: string;

  @Column({ type: 'text' })
  version!: string;

  @Column({ type: 'jsonb' })
  manifest!: ConnectorManifest;

  @Column({ type: 'text', select: false })
  bundle!: string;

  @Column({ type: 'text' })
  integrity!: string;

  @Column({ name: 'size_bytes', type: 'int' })
  sizeBytes!: number;

  @Column({ type: 'text', nullable: true })
  signature!: string | null;

  @Column({ name: 'key_id', type: 'text', nullable: true })
  keyId!: string | null;

  @Column({ type: 'boolean', default: false })
  deprecated!: boolean;

  @Column({ type: 'boolean', default: false })
  yanked!: boolean;

  @Column({ name: 'published_by_key_id', type: 'uuid' })
  publishedByKeyId!: string;

  @CreateDateColumn({ name: 'published_at', type: 'timestamptz', precision: 3 })
  publishedAt!: Date;
}

/** An ed25519 public key a publisher workspace signs versions with. */
@Entity({ name: 'registry_publisher_keys' })
export class PublisherKeyEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId!: string;

  @Column({ name: 'key_id', type: 'text' })
  keyId!: string;

  /** SPKI PEM. */
  @Column({ name: 'public_key', type: 'text' })
  publicKey!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;
}
