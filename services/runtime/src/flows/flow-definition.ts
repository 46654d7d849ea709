// The flow definition types are services/flows' (docs/contracts.md section 4); the runtime
// only reads flows, so it adds just the row shapes it reads.
import type { FlowDefinition, FlowStatus } from '@flowport/flows';

export type { ConnectorTriggerDef, FlowDefinition, FlowStatus, StepDef, TriggerDef } from '@flowport/flows';

/** A flow row as the runtime reads it. */
export type FlowRecord = {
  id: string;
  workspaceId: string;
  name: string;
  status: FlowStatus;
  activeVersion: number | null;
  webhookTokenHash: string | null;
  draft: FlowDefinition | null;
};

/** An active flow with the definition of its active version. */
export type ActiveFlow = { id: string; workspaceId: string; version: number; definition: FlowDefinition };
