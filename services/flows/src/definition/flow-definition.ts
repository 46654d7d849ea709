/**
 * The flow definition stored in `flows.draft` and `flow_versions.definition`
 * (docs/contracts.md section 4). The runtime reads these exact shapes; change them only
 * together with the contract and the runtime.
 */
import type { JsonSchema, JsonValue } from '@flowport/connector-sdk';

export type FlowStatus = 'draft' | 'active' | 'inactive';
export const FLOW_STATUSES: readonly FlowStatus[] = ['draft', 'active', 'inactive'];

export interface ConnectorTriggerDef {
  type: 'connector';
  connector: string;
  version: string;
  trigger: string;
  /** Account id (store_accounts.id) in the flow's workspace. */
  account?: string;
  props: Record<string, JsonValue>;
  /** 1..1000; the service fills 1 when omitted. */
  batchSize: number;
  /** JSONata over one message or item; empty = the broker's own message id (stream) or the item's id (pooling, webhook when the trigger gives one). */
  externalId?: string;
  /** 0..60000; the service fills 1000 when omitted. */
  batchWaitMs: number;
  /** Pooling triggers only; >= the connector's minimum (and >= 1). */
  intervalSeconds?: number;
  /** Pooling triggers only. */
  includeExisting?: boolean;
}
export interface ManualTriggerDef {
  type: 'manual';
  inputSchema?: JsonSchema;
}
export interface ScheduleTriggerDef {
  type: 'schedule';
  cron?: string;
  timezone?: string;
  /** ISO date-time: one run at that instant. */
  at?: string;
}
export interface WebhookTriggerDef {
  type: 'webhook';
  requiredFields?: string[];
  signing?: { enabled: boolean };
  /**
   * JSONata over the call `{ body, headers, query }` (e.g. `body.id`, `headers."x-delivery-id"`):
   * a call whose External ID the flow already recorded starts no run (it is recorded as
   * `duplicate`). Absent, or empty for a call = that call is not de-duplicated.
   */
  externalId?: string;
}
export interface EventTriggerDef {
  type: 'event';
  event: string;
}
export type TriggerDef = ConnectorTriggerDef | ManualTriggerDef | ScheduleTriggerDef | WebhookTriggerDef | EventTriggerDef;
export type TriggerType = TriggerDef['type'];
export const TRIGGER_TYPES: readonly TriggerType[] = ['connector', 'manual', 'schedule', 'webhook', 'event'];

export interface StepCommon {
  name: string;
  timeoutMs?: number;
  retry?: { attempts: number; backoffMs: number };
}
export interface ActionStepDef extends StepCommon {
  type: 'action';
  connector: string;
  version: string;
  action: string;
  account?: string;
  inputs: Record<string, JsonValue>;
}
export interface MapStepDef extends StepCommon {
  type: 'map';
  expression: string;
}
export interface CodeStepDef extends StepCommon {
  type: 'code';
  code: string;
}
export interface FilterStepDef extends StepCommon {
  type: 'filter';
  condition: string;
}
export interface HttpStepDef extends StepCommon {
  type: 'http';
  request: { method: string; url: JsonValue; headers?: Record<string, JsonValue>; body?: JsonValue };
}
export type StepDef = ActionStepDef | MapStepDef | CodeStepDef | FilterStepDef | HttpStepDef;
export type StepType = StepDef['type'];
export const STEP_TYPES: readonly StepType[] = ['action', 'map', 'code', 'filter', 'http'];

export interface FlowDefinition {
  trigger: TriggerDef;
  steps: StepDef[];
}

export const DEFAULT_BATCH_SIZE = 1;
export const DEFAULT_BATCH_WAIT_MS = 1000;
export const MAX_BATCH_WAIT_MS = 60_000;
export const MAX_BATCH_SIZE = 1000;
export const STEP_NAME_PATTERN = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;
