import type { JsonValue } from '../stream-message';
import type { RunRow, StepRow } from './run-store';

export type RunView = {
  id: string;
  flowId: string;
  flowVersion: number | null;
  status: string;
  trigger: Record<string, JsonValue>;
  messageCount: number;
  replayOf: string | null;
  /** For a `duplicate` run: the run that first recorded its External ID. */
  duplicateOf: string | null;
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
};

export type StepView = {
  order: number;
  name: string;
  type: string;
  status: string;
  attempts: number;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  input: JsonValue;
  output: JsonValue;
  error: string | null;
};

export type MessageView = { id: string | null; externalId: string | null; messageId: string | null; status: string; payload: JsonValue; labels: JsonValue; duplicateOf?: string | null };

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export function runView(row: RunRow): RunView {
  return {
    id: row.id,
    flowId: row.flow_id,
    flowVersion: row.flow_version,
    status: row.status,
    trigger: row.trigger,
    messageCount: row.message_count,
    replayOf: row.replay_of,
    duplicateOf: row.status === 'duplicate' && typeof row.trigger?.duplicateOf === 'string' ? row.trigger.duplicateOf : null,
    error: row.error,
    createdAt: new Date(row.created_at).toISOString(),
    startedAt: iso(row.started_at),
    finishedAt: iso(row.finished_at),
    durationMs: row.duration_ms,
  };
}

export function stepView(row: StepRow): StepView {
  return {
    order: row.position + 1,
    name: row.name,
    type: row.type,
    status: row.status,
    attempts: row.attempts,
    startedAt: new Date(row.started_at).toISOString(),
    finishedAt: iso(row.finished_at),
    durationMs: row.duration_ms,
    input: row.input,
    output: row.output,
    error: row.error,
  };
}
