// A flow's definition as the flows API stores it (docs/contracts.md section 4).
import type { FlowTrigger } from './models';

export type StepType = 'action' | 'map' | 'code' | 'filter' | 'http';

interface StepBase {
  /** Unique in the flow, `[a-zA-Z_][a-zA-Z0-9_]*`; later steps read the output as `steps.<name>`. */
  name: string;
  timeoutMs?: number;
  retry?: { attempts: number; backoffMs: number };
}

export interface ActionStep extends StepBase {
  type: 'action';
  connector: string;
  version: string;
  action: string;
  account?: string;
  /** Literal JSON, or strings holding `{{ expr }}` evaluated at run time. */
  inputs: Record<string, unknown>;
}
export interface MapStep extends StepBase {
  type: 'map';
  expression: string;
}
export interface CodeStep extends StepBase {
  type: 'code';
  code: string;
}
export interface FilterStep extends StepBase {
  type: 'filter';
  condition: string;
}
export interface HttpStep extends StepBase {
  type: 'http';
  request: { method: string; url: unknown; headers?: Record<string, unknown>; body?: unknown };
}

export type FlowStep = ActionStep | MapStep | CodeStep | FilterStep | HttpStep;

export interface FlowDefinition {
  trigger: FlowTrigger;
  steps: FlowStep[];
}
