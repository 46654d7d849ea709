import { ApiError, decodeCursor, encodeCursor, type Page } from '@flowport/core';
import { Inject, Injectable } from '@nestjs/common';
import { ConnectorGateway } from '../connectors/connector-gateway';
import { ExternalIdExpression } from '../delivery/external-id';
import type { PgRunRecorder } from '../delivery/pg-run-recorder';
import type { RecordItem } from '../delivery/run-recorder';
import { RunDispatcher } from '../executor/run-events';
import { FlowCatalog } from '../flows/flow-catalog';
import type { FlowDefinition, FlowRecord } from '../flows/flow-definition';
import { RUNTIME_DB, RuntimeDb } from '../runtime-db';
import type { JsonValue } from '../stream-message';
import { RUN_RECORDER } from '../triggers/trigger-manager.service';
import { DeduplicatedRunStore } from './deduplicated-runs';
import { assertManualInput } from './manual-input';
import { RunStore, type RunRow, type StepRow, type TriggerMessage } from './run-store';
import { runView, stepView, type MessageView, type RunView, type StepView } from './run-views';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'filtered', 'duplicate', 'dead-lettered'];
const EVENT_SOURCES = new Set(['connector', 'event']);

export type RunQuery = { flowId?: string; status?: string; from?: string; to?: string; externalId?: string; limit?: number; cursor?: string };
export type RunDetail = RunView & { messages: MessageView[]; steps: StepView[] };
export type ResyncGroup = 'succeeded' | 'failed' | 'unprocessed' | 'skipped';
/** A connector webhook call's items recorded: the runs queued for the new ones, or (all duplicates) the `duplicate` run. */
export type QueuedItems = { runIds: string[]; duplicates: number; duplicateRun?: { runId: string; duplicateOf: string | null } };

/** Starting runs (manual, test, event, webhook, replay) and reading them (the Executions screen). */
@Injectable()
export class RunsService {
  constructor(
    @Inject(RUNTIME_DB) private readonly db: RuntimeDb,
    private readonly store: RunStore,
    private readonly catalog: FlowCatalog,
    private readonly dispatcher: RunDispatcher,
    private readonly gateway: ConnectorGateway,
    private readonly deduplicated: DeduplicatedRunStore,
    @Inject(RUN_RECORDER) private readonly recorder: PgRunRecorder,
  ) {}

  async flowOrThrow(workspaceId: string, flowId: string): Promise<FlowRecord> {
    const flow = await this.catalog.find(flowId, workspaceId);
    if (!flow) throw ApiError.notFound(`Flow ${flowId} does not exist in this workspace`, 'FLOW_NOT_FOUND');
    return flow;
  }

  /** The active version's definition, or 409 saying the flow is not active. */
  async activeDefinition(flow: FlowRecord): Promise<{ version: number; definition: FlowDefinition }> {
    if (flow.status !== 'active' || flow.activeVersion === null) {
      throw ApiError.conflict(
        `Flow "${flow.name}" is ${flow.status === 'draft' ? 'a draft' : flow.status}: publish and activate it before it can run`,
        undefined,
        'FLOW_NOT_ACTIVE',
      );
    }
    const definition = await this.catalog.definition(flow.id, flow.activeVersion);
    if (!definition) throw ApiError.conflict(`Flow "${flow.name}" has no version ${flow.activeVersion}; publish it again`, undefined, 'FLOW_VERSION_MISSING');
    return { version: flow.activeVersion, definition };
  }

  async startManual(workspaceId: string, flowId: string, input: JsonValue): Promise<{ runId: string }> {
    const flow = await this.flowOrThrow(workspaceId, flowId);
    const { version, definition } = await this.activeDefinition(flow);
    if (EVENT_SOURCES.has(definition.trigger.type)) {
      throw ApiError.conflict(
        `Flow "${flow.name}" starts from its ${triggerLabel(definition)} trigger, so it cannot be run by hand; try it with POST /api/v1/flows/${flow.id}/test (uses the trigger's sample data)`,
        undefined,
        'FLOW_TRIGGER_NOT_MANUAL',
      );
    }
    if (definition.trigger.type === 'manual') assertManualInput(flow.name, definition.trigger.inputSchema, input);
    return { runId: await this.queue(flow, version, { type: 'manual' }, input) };
  }

  /** A run of the draft (or the active version when there is no draft) on the trigger's sample data. */
  async startTest(workspaceId: string, flowId: string, input: JsonValue | undefined): Promise<{ runId: string }> {
    const flow = await this.flowOrThrow(workspaceId, flowId);
    const definition = flow.draft ?? (flow.activeVersion !== null ? await this.catalog.definition(flow.id, flow.activeVersion) : null);
    if (!definition) throw ApiError.conflict(`Flow "${flow.name}" has no definition to test; save a draft first`, undefined, 'FLOW_EMPTY');
    let payloads: JsonValue[];
    const trigger = definition.trigger;
    if (trigger.type === 'connector') {
      const connector = await this.gateway.load(trigger.connector, trigger.version);
      const sample = this.gateway.trigger(connector, trigger.trigger).sampleData;
      if (input !== undefined) payloads = [input];
      else if (sample === undefined) {
        throw ApiError.unprocessable(`Trigger "${trigger.trigger}" of ${trigger.connector}@${trigger.version} has no sample data; send { "input": ... } to test with your own`, undefined, 'NO_SAMPLE_DATA');
      } else payloads = Array.isArray(sample) ? (sample as JsonValue[]) : [sample as JsonValue];
    } else payloads = [input ?? null];
    const externalId = trigger.type === 'connector' && trigger.externalId ? new ExternalIdExpression(trigger.externalId) : null;
    const messages: TriggerMessage[] = await Promise.all(
      payloads.map(async (payload, i) => {
        const id = `test-${i + 1}`;
        // The External ID the real trigger would give, so a test shows it too; null when it does not evaluate.
        const label = externalId ? await externalId.evaluate({ id, body: payload, headers: {}, attributes: {}, receivedAt: new Date().toISOString() }, payload).catch(() => null) : null;
        return { payload, externalId: label, meta: { test: true, messageId: id } };
      }),
    );
    const runId = await this.store.create({
      flowId: flow.id,
      workspaceId: flow.workspaceId,
      flowVersion: null,
      trigger: { type: 'test', source: trigger.type },
      input: { input: input ?? null, messages },
      definition,
    });
    this.dispatcher.queued([runId]);
    return { runId };
  }

  async emitEvent(workspaceId: string, name: string, payload: JsonValue): Promise<{ runIds: string[] }> {
    const flows = await this.catalog.active({ workspaceId, triggerType: 'event', event: name });
    const runIds: string[] = [];
    for (const flow of flows) {
      runIds.push(
        await this.store.create({
          flowId: flow.id,
          workspaceId: flow.workspaceId,
          flowVersion: flow.version,
          trigger: { type: 'event', event: name },
          input: { input: payload, messages: [{ payload, externalId: null, meta: { event: name } }] },
        }),
      );
    }
    this.dispatcher.queued(runIds);
    return { runIds };
  }

  async queue(flow: FlowRecord, version: number, trigger: Record<string, JsonValue>, input: JsonValue, meta: Record<string, JsonValue> = {}): Promise<string> {
    const runId = await this.store.create({
      flowId: flow.id,
      workspaceId: flow.workspaceId,
      flowVersion: version,
      trigger,
      input: { input, messages: [{ payload: input, externalId: null, meta }] },
    });
    this.dispatcher.queued([runId]);
    return runId;
  }

  /**
   * Like `queue`, once per External ID of the flow: when the flow already recorded `externalId`
   * nothing starts and a finished `duplicate` run records the call, pointing at the original run.
   */
  async queueOnce(
    flow: FlowRecord,
    version: number,
    trigger: Record<string, JsonValue>,
    input: JsonValue,
    meta: Record<string, JsonValue>,
    externalId: string,
  ): Promise<{ runId: string; duplicateOf?: string | null }> {
    const result = await this.deduplicated.create({
      flowId: flow.id,
      workspaceId: flow.workspaceId,
      flowVersion: version,
      trigger,
      input: { input, messages: [{ payload: input, externalId, meta }] },
      externalId,
    });
    if (!result.accepted) return { runId: result.runId, duplicateOf: result.duplicateOf };
    this.dispatcher.queued([result.runId]);
    return { runId: result.runId };
  }

  /**
   * A connector webhook call's items, recorded as a stream batch is (the run recorder, one
   * transaction): an item whose External ID the flow already recorded, earlier or earlier in the
   * call, gets a `duplicate` row and starts nothing; the new ones (and those without an External
   * ID) go into queued runs of up to `runSize` items, in the call's order. When every item was a
   * duplicate, a finished `duplicate` run records the call, as for a repeated platform webhook call.
   */
  async queueItems(flow: FlowRecord, version: number, trigger: Record<string, JsonValue>, items: RecordItem[], runSize: number): Promise<QueuedItems> {
    if (items.length === 0) return { runIds: [], duplicates: 0 };
    const result = await this.recorder.record(flow.id, items, trigger, { runSize });
    const runIds = result.runs.map((r) => r.id);
    if (runIds.length > 0) {
      this.dispatcher.queued(runIds);
      return { runIds, duplicates: result.duplicates.length };
    }
    const duplicateRun = await this.deduplicated.recordDuplicateBatch({
      flowId: flow.id,
      workspaceId: flow.workspaceId,
      flowVersion: version,
      trigger,
      messageIds: result.duplicates.map((d) => d.id),
    });
    return { runIds, duplicates: result.duplicates.length, duplicateRun };
  }

  async list(workspaceId: string, query: RunQuery): Promise<Page<RunView>> {
    const limit = query.limit ?? 20;
    const where = ['r.workspace_id = $1'];
    const params: unknown[] = [workspaceId];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replaceAll('$?', `$${params.length}`));
    };
    if (query.flowId) {
      if (!UUID.test(query.flowId)) throw ApiError.badRequest('flowId must be a flow id (uuid)', [{ path: 'flowId', message: 'must be a UUID' }], 'VALIDATION_FAILED');
      add('r.flow_id = $?', query.flowId);
    }
    if (query.status) {
      const statuses = query.status.split(',').map((s) => s.trim());
      const bad = statuses.filter((s) => !RUN_STATUSES.includes(s));
      if (bad.length) throw ApiError.badRequest(`status must be one of ${RUN_STATUSES.join(', ')} (got ${bad.join(', ')})`, [{ path: 'status', message: 'unknown status' }], 'VALIDATION_FAILED');
      add('r.status = ANY($?::text[])', statuses);
    }
    if (query.from) add('r.created_at >= $?::timestamptz', parseTime(query.from, 'from'));
    if (query.to) add('r.created_at < $?::timestamptz', parseTime(query.to, 'to'));
    if (query.externalId) {
      add(
        `(EXISTS (SELECT 1 FROM run_messages m WHERE m.run_id = r.id AND m.external_id = $?)
          OR r.input->'messages' @> jsonb_build_array(jsonb_build_object('externalId', $?::text)))`,
        query.externalId,
      );
    }
    if (query.cursor) {
      const [at, id] = decodeCursor(query.cursor, (v): v is [string, string] => Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string');
      params.push(at, id);
      where.push(`(r.created_at, r.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    params.push(limit + 1);
    const rows = await this.db.query<RunRow>(
      `SELECT r.* FROM runs r WHERE ${where.join(' AND ')} ORDER BY r.created_at DESC, r.id DESC LIMIT $${params.length}`,
      params,
    );
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return { items: items.map(runView), nextCursor: rows.length > limit && last ? encodeCursor([new Date(last.created_at).toISOString(), last.id]) : null };
  }

  async runRow(workspaceId: string, runId: string): Promise<RunRow> {
    const rows = UUID.test(runId) ? await this.db.query<RunRow>('SELECT * FROM runs WHERE id = $1 AND workspace_id = $2', [runId, workspaceId]) : [];
    if (!rows[0]) throw ApiError.notFound(`Run ${runId} does not exist in this workspace`, 'RUN_NOT_FOUND');
    return rows[0];
  }

  async get(workspaceId: string, runId: string): Promise<RunDetail> {
    const row = await this.runRow(workspaceId, runId);
    return this.detail(row);
  }

  async detail(row: RunRow): Promise<RunDetail> {
    const [messages, steps] = await Promise.all([this.messages(row), this.store.steps(row.id)]);
    return { ...runView(row), messages, steps: steps.map(stepView) };
  }

  async logs(workspaceId: string, runId: string): Promise<{ runId: string; items: Array<{ step: string; order: number; level: string; message: string; at: string }> }> {
    const row = await this.runRow(workspaceId, runId);
    const steps: StepRow[] = await this.store.steps(row.id);
    const items = steps.flatMap((s) => (s.logs ?? []).map((l) => ({ step: s.name, order: s.position + 1, level: l.level, message: l.message, at: l.at })));
    return { runId: row.id, items };
  }

  async replay(workspaceId: string, runId: string, messageIds?: string[]): Promise<{ runId: string }> {
    const original = await this.runRow(workspaceId, runId);
    if (original.status !== 'failed' && original.status !== 'dead-lettered') {
      throw ApiError.conflict(`Run ${runId} is ${original.status}; only failed or dead-lettered runs can be replayed`, undefined, 'RUN_NOT_FAILED');
    }
    let messages: TriggerMessage[] = original.input?.messages ?? (await this.store.messagesOf(original.id));
    if (messageIds?.length) {
      const wanted = new Set(messageIds);
      const chosen = messages.filter((m) => wanted.has(String(m.meta.id ?? '')));
      const missing = messageIds.filter((id) => !chosen.some((m) => m.meta.id === id));
      if (missing.length) {
        throw ApiError.unprocessable(`Run ${runId} has no message ${missing.join(', ')}; pick ids from GET /api/v1/runs/${runId} messages[].id`, missing.map((id) => ({ path: 'messageIds', message: `unknown message ${id}` })), 'UNKNOWN_MESSAGE');
      }
      messages = chosen;
    }
    // A replay runs the flow's current active version (the fix is usually a new version); a
    // test run replays the draft it ran.
    const flow = await this.catalog.find(original.flow_id, workspaceId);
    const version = original.definition ? null : flow?.status === 'active' && flow.activeVersion !== null ? flow.activeVersion : original.flow_version;
    const newRunId = await this.store.create({
      flowId: original.flow_id,
      workspaceId,
      flowVersion: version,
      trigger: { ...original.trigger, replayOf: original.id },
      input: { ...(original.input?.input !== undefined ? { input: original.input.input } : {}), messages },
      definition: original.definition ?? undefined,
      replayOf: original.id,
      replayedMessageIds: messages.map((m) => m.meta.id).filter((id): id is string => typeof id === 'string' && UUID.test(id)),
    });
    this.dispatcher.queued([newRunId]);
    return { runId: newRunId };
  }

  async resync(workspaceId: string, flowId: string): Promise<{ flowId: string; counts: Record<ResyncGroup, number>; messages: Record<ResyncGroup, Array<Record<string, JsonValue>>> }> {
    await this.flowOrThrow(workspaceId, flowId);
    const rows = await this.db.query<{ id: string; external_id: string | null; message_id: string; status: string; run_id: string | null; error: string | null; created_at: Date; run_status: string | null; latest_run: string | null }>(
      `SELECT m.id, m.external_id, m.message_id, m.status, m.run_id, m.error, m.created_at,
              coalesce(rp.status, r.status) AS run_status, coalesce(rp.id, r.id) AS latest_run
       FROM run_messages m
       LEFT JOIN runs r ON r.id = m.run_id
       LEFT JOIN LATERAL (SELECT r2.id, r2.status FROM run_message_replays x JOIN runs r2 ON r2.id = x.run_id
                          WHERE x.message_id = m.id ORDER BY r2.created_at DESC LIMIT 1) rp ON true
       WHERE m.flow_id = $1 ORDER BY m.created_at, m.position`,
      [flowId],
    );
    const groups: Record<ResyncGroup, Array<Record<string, JsonValue>>> = { succeeded: [], failed: [], unprocessed: [], skipped: [] };
    for (const row of rows) {
      let group: ResyncGroup;
      let reason: string | null = null;
      if (row.status === 'duplicate') [group, reason] = ['skipped', 'duplicate'];
      else if (row.status === 'dead-lettered') [group, reason] = ['failed', 'dead-lettered'];
      else if (row.run_id === null) [group, reason] = ['skipped', 'existing at activation'];
      else if (row.run_status === 'succeeded') group = 'succeeded';
      else if (row.run_status === 'filtered') [group, reason] = ['skipped', 'filtered'];
      else if (row.run_status === 'failed' || row.run_status === 'dead-lettered') group = 'failed';
      else group = 'unprocessed';
      groups[group].push({ id: row.id, externalId: row.external_id, messageId: row.message_id, runId: row.latest_run, runStatus: row.run_status, reason, error: row.error, receivedAt: new Date(row.created_at).toISOString() });
    }
    return {
      flowId,
      counts: { succeeded: groups.succeeded.length, failed: groups.failed.length, unprocessed: groups.unprocessed.length, skipped: groups.skipped.length },
      messages: groups,
    };
  }

  private async messages(row: RunRow): Promise<MessageView[]> {
    if (row.input?.messages) {
      // A duplicate run (a webhook call whose External ID was already recorded) holds the call it refused.
      const duplicate = row.status === 'duplicate';
      return row.input.messages.map((m) => ({
        id: typeof m.meta.id === 'string' ? m.meta.id : null,
        externalId: m.externalId,
        messageId: typeof m.meta.messageId === 'string' ? m.meta.messageId : null,
        status: duplicate ? 'duplicate' : 'accepted',
        payload: m.payload,
        labels: (m.meta.labels as JsonValue) ?? null,
        ...(duplicate ? { duplicateOf: typeof m.meta.duplicateOf === 'string' ? m.meta.duplicateOf : null } : {}),
      }));
    }
    // A duplicate run of a connector webhook call holds its items' duplicate rows; each names the run that recorded its External ID.
    const rows = await this.db.query<{ id: string; external_id: string | null; message_id: string; status: string; payload: JsonValue; labels: JsonValue; duplicate_of: string | null }>(
      `SELECT m.id, m.external_id, m.message_id, m.status, m.payload, m.labels,
              CASE WHEN m.status = 'duplicate' THEN (SELECT o.run_id FROM run_messages o WHERE o.flow_id = m.flow_id AND o.external_id = m.external_id AND o.status = 'accepted') END AS duplicate_of
       FROM run_messages m WHERE m.run_id = $1 ORDER BY m.position`,
      [row.id],
    );
    return rows.map((m) => ({
      id: m.id,
      externalId: m.external_id,
      messageId: m.message_id,
      status: m.status,
      payload: m.payload,
      labels: m.labels,
      ...(m.status === 'duplicate' ? { duplicateOf: m.duplicate_of } : {}),
    }));
  }
}

function triggerLabel(definition: FlowDefinition): string {
  const t = definition.trigger;
  return t.type === 'connector' ? `${t.connector} "${t.trigger}"` : `${t.type} "${t.type === 'event' ? t.event : ''}"`;
}

function parseTime(value: string, name: string): string {
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) throw ApiError.badRequest(`${name} must be an ISO date-time like 2026-01-31T12:00:00Z (got "${value}")`, [{ path: name, message: 'invalid date-time' }], 'VALIDATION_FAILED');
  return at.toISOString();
}
