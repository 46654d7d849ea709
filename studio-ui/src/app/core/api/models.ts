// Wire types of the Flowport HTTP API (/api/v1), as the Studio reads and writes them.
import type { FlowDefinition, FlowStep } from './flow-definition';

/** A JSON Schema subset the Studio renders: the shapes connector manifests use for accounts and trigger props. */
export interface JsonSchema {
  type?: 'object' | 'string' | 'number' | 'integer' | 'boolean' | 'array' | 'null' | Array<string>;
  title?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: Array<string | number | boolean | null>;
  const?: unknown;
  default?: unknown;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  items?: JsonSchema;
  writeOnly?: boolean;
  readOnly?: boolean;
  examples?: unknown[];
  [extension: `x-${string}`]: unknown;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface PageQuery {
  limit?: number;
  cursor?: string | null;
}

export interface Me {
  workspace: { id: string; name: string };
  role: string;
  keyName: string;
}

export type TriggerKind = 'stream' | 'pooling' | 'webhook';
export const TRIGGER_KINDS: readonly TriggerKind[] = ['stream', 'pooling', 'webhook'];

export interface StoreConnector {
  name: string;
  displayName: string;
  icon: string;
  description: string;
  categories: string[];
  latestVersion: string;
  actionCount: number;
  triggerCount: number;
  installedVersion: string | null;
}

export interface StoreTrigger {
  connector: string;
  connectorDisplayName: string;
  connectorVersion: string;
  icon: string;
  name: string;
  displayName: string;
  description: string;
  kind: TriggerKind;
  driver?: string;
  props: JsonSchema;
}

export interface RegistryVersion {
  version: string;
  publishedAt: string;
  deprecated: boolean | string;
  yanked: boolean;
  integrity: string;
}

export interface RegistryConnector {
  name: string;
  displayName: string;
  description: string;
  icon: string;
  categories: string[];
  publisher: string;
  versions: RegistryVersion[];
}

export interface ManifestAccount {
  name: string;
  displayName: string;
  kind: string;
  /** JSON Schema of the account values (the manifest field is `props`, as for actions and triggers). */
  props: JsonSchema;
  secretFields: string[];
}

export interface ManifestAction {
  name: string;
  displayName: string;
  description: string;
  /** Name of the account (in the manifest's accounts) this action needs, or null. */
  account?: string | null;
  props: JsonSchema;
  sampleOutput?: unknown;
}

export interface ManifestTrigger {
  name: string;
  displayName: string;
  description: string;
  kind: TriggerKind;
  driver?: string;
  props: JsonSchema;
  sampleData?: unknown;
}

export interface ConnectorManifest {
  accounts: ManifestAccount[];
  actions: ManifestAction[];
  triggers: ManifestTrigger[];
}

export interface RegistryConnectorVersion {
  name: string;
  version: string;
  manifest: ConnectorManifest;
  [more: string]: unknown;
}

export interface Install {
  connector: string;
  version: string;
  yanked: boolean;
  installedAt: string;
}

export interface Account {
  id: string;
  connector: string;
  account: string;
  name: string;
  values: Record<string, unknown>;
  createdAt: string;
}

export interface NewAccount {
  connector: string;
  account: string;
  name: string;
  values: Record<string, unknown>;
}

export type AccountTestResult = { ok: true } | { ok: false; error: { message: string } };

export interface ConnectorFlowTrigger {
  type: 'connector';
  connector: string;
  version: string;
  trigger: string;
  account: string | null;
  props: Record<string, unknown>;
  batchSize: number;
  externalId: string;
  batchWaitMs: number;
}

export type PlatformTriggerType = 'manual' | 'schedule' | 'webhook' | 'event';

export interface PlatformFlowTrigger {
  type: PlatformTriggerType;
  [setting: string]: unknown;
}

export type FlowTrigger = ConnectorFlowTrigger | PlatformFlowTrigger;

export type FlowStatus = 'draft' | 'active' | 'inactive';

/** How the flows list describes a trigger (the API's one-line summary). */
export interface TriggerSummary {
  type: 'connector' | PlatformTriggerType;
  label: string;
  connector?: string;
  version?: string;
  trigger?: string;
}

export interface FlowSummary {
  id: string;
  name: string;
  description?: string;
  status: FlowStatus;
  activeVersion?: number | null;
  latestVersion?: number | null;
  trigger: TriggerSummary | FlowTrigger;
  updatedAt: string;
}

export interface FlowVersionBrief {
  version: number;
  active: boolean;
  createdAt: string;
}

/** GET /api/v1/flows/{id}: the summary plus the editable draft (docs/contracts.md section 4). */
export interface Flow extends FlowSummary {
  draft: FlowDefinition;
  versions: FlowVersionBrief[];
  hasWebhookToken: boolean;
  createdAt?: string;
  /** Only in the response that issued it (create, or a save that added a webhook trigger). */
  webhookToken?: string;
}

export interface NewFlow {
  name: string;
  description?: string;
  trigger: FlowTrigger;
  steps: FlowStep[];
}
