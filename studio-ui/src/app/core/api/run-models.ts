// Runs (executions) as the runtime's /api/v1/runs endpoints return them (services/runtime/src/runs).

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'filtered' | 'duplicate' | 'dead-lettered';
export const RUN_STATUSES: readonly RunStatus[] = ['queued', 'running', 'succeeded', 'failed', 'filtered', 'duplicate', 'dead-lettered'];

export interface Run {
  id: string;
  flowId: string;
  flowVersion: number | null;
  status: RunStatus;
  /** How the run started, e.g. `{ type: 'manual' }`, `{ type: 'test', source: 'connector' }`, `{ ..., replayOf }`. */
  trigger: Record<string, unknown>;
  messageCount: number;
  replayOf: string | null;
  /** For a `duplicate` run (a webhook call whose External ID the flow already recorded): the original run. */
  duplicateOf?: string | null;
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
}

export interface RunStep {
  order: number;
  name: string;
  type: string;
  status: 'running' | 'succeeded' | 'failed' | 'filtered' | string;
  attempts: number;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  input: unknown;
  output: unknown;
  error: string | null;
}

export interface RunMessage {
  id: string | null;
  externalId: string | null;
  messageId: string | null;
  status: string;
  payload: unknown;
  labels: unknown;
}

export interface RunDetail extends Run {
  messages: RunMessage[];
  steps: RunStep[];
}

export interface RunLogEntry {
  step: string;
  order: number;
  level: string;
  message: string;
  at: string;
}

export interface RunLogs {
  runId: string;
  items: RunLogEntry[];
}

export interface RunQuery {
  flowId?: string;
  /** One status or a comma list. */
  status?: string;
  /** ISO date-times; `from` inclusive, `to` exclusive. */
  from?: string;
  to?: string;
  externalId?: string;
  limit?: number;
  cursor?: string | null;
}

export type ResyncGroup = 'succeeded' | 'failed' | 'unprocessed' | 'skipped';
export const RESYNC_GROUPS: readonly ResyncGroup[] = ['succeeded', 'failed', 'unprocessed', 'skipped'];

export interface ResyncMessage {
  id: string;
  externalId: string | null;
  messageId: string;
  /** The latest run that processed the message (a replay when there was one). */
  runId: string | null;
  runStatus: string | null;
  reason: string | null;
  error: string | null;
  receivedAt: string;
}

export interface ResyncBucket {
  flowId: string;
  counts: Record<ResyncGroup, number>;
  messages: Record<ResyncGroup, ResyncMessage[]>;
}

export interface StartedRun {
  runId: string;
}
