import { createHmac, timingSafeEqual } from 'node:crypto';
import { ApiError } from '@flowport/core';
import { webhookTokenMatches } from '@flowport/flows';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { ConnectorGateway } from '../connectors/connector-gateway';
import { FlowCatalog } from '../flows/flow-catalog';
import type { ConnectorTriggerDef, FlowRecord } from '../flows/flow-definition';
import { RUNTIME_DB, RuntimeDb } from '../runtime-db';
import { RUNTIME_OPTIONS, type RuntimeOptions } from '../runtime-options';
import { RunsService } from '../runs/runs.service';
import type { JsonValue } from '../stream-message';
import { missingFields, readWebhookBody, type WebhookRequestLike } from './webhook-body';
import { headersWithoutFlowToken, webhookExternalId } from './webhook-external-id';
import { WebhookFlowCache, type WebhookFlow } from './webhook-flows';
import { deduplicatesItems, webhookItems } from './webhook-items';

/** Signed calls older or newer than this are refused, and a signature is accepted once within it. */
export const SIGNATURE_WINDOW_MS = 5 * 60_000;

/**
 * A call answered: `runId` queued (202), or a `duplicate` run that started nothing (200). A
 * connector webhook call also lists its runs (`runIds`) and, when the flow de-duplicates its
 * items, how many of them were duplicates.
 */
export type WebhookAnswer =
  | { runId: string | null; runIds?: string[]; duplicates?: number }
  | { runId: string; status: 'duplicate'; duplicateOf: string | null; duplicates?: number };

/** Computes the X-Flowport-Signature value a sender must send: HMAC-SHA256(token, `${timestamp}.${body}`). */
export function signWebhook(token: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', token).update(`${timestamp}.${body}`, 'utf8').digest('hex')}`;
}

@Injectable()
export class WebhooksService {
  // Fixed window per flow, per replica: enough to stop one caller flooding a flow.
  private readonly windows = new Map<string, { start: number; count: number }>();
  private lastCleanup = 0;
  private readonly reading = new Map<string, Promise<FlowRecord | null>>();

  constructor(
    @Inject(RUNTIME_OPTIONS) private readonly options: RuntimeOptions,
    @Inject(RUNTIME_DB) private readonly db: RuntimeDb,
    private readonly catalog: FlowCatalog,
    private readonly runs: RunsService,
    private readonly gateway: ConnectorGateway,
    private readonly flows: WebhookFlowCache,
  ) {}

  async receive(flowId: string, req: WebhookRequestLike & { query?: Record<string, unknown>; method: string; path?: string }, token: string): Promise<WebhookAnswer> {
    const { flow, version, definition } = await this.activeFlow(flowId, token);
    const trigger = definition.trigger;
    if (trigger.type === 'connector') return this.receiveConnectorWebhook(flow, version, trigger, req);
    if (trigger.type !== 'webhook') {
      throw ApiError.conflict(`Flow "${flow.name}" starts from its ${trigger.type} trigger, not a webhook; change its trigger to Webhook to call it here`, undefined, 'FLOW_TRIGGER_NOT_WEBHOOK');
    }
    this.rateLimit(flow);
    const { body, raw, contentType } = await readWebhookBody(req, this.options.webhookMaxBytes);
    if (trigger.signing?.enabled) await this.verifySignature(flow, token, req.headers, raw);
    const missing = missingFields(body, trigger.requiredFields ?? []);
    if (missing.length > 0) {
      throw ApiError.unprocessable(
        `Webhook body is missing required field${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`,
        missing.map((path) => ({ path, message: 'is required' })),
        'MISSING_FIELDS',
      );
    }
    const query: Record<string, JsonValue> = {};
    for (const [k, v] of Object.entries(req.query ?? {})) query[k] = typeof v === 'string' ? v : JSON.stringify(v);
    const externalId = trigger.externalId ? await webhookExternalId(trigger.externalId, { body, headers: headersWithoutFlowToken(req.headers), query }) : null;
    if (externalId === null) return { runId: await this.runs.queue(flow, version, { type: 'webhook' }, body, { contentType, query }) };
    const queued = await this.runs.queueOnce(flow, version, { type: 'webhook' }, body, { contentType, query }, externalId);
    return queued.duplicateOf === undefined ? { runId: queued.runId } : { runId: queued.runId, status: 'duplicate', duplicateOf: queued.duplicateOf };
  }

  /**
   * A connector's own webhook trigger (e.g. a SaaS callback): the platform checks the signature
   * the manifest declares, then the connector's `trigger.webhook` turns the call into payloads.
   * Without de-duplication (no External ID on the flow, no `itemIdPath` on the trigger) each
   * payload is one run. Otherwise the payloads are labelled and recorded like stream messages
   * (webhook-items.ts, RunsService.queueItems): repeats start nothing, the new ones go into runs
   * of up to Batch Size, and a call of only repeats is answered as a duplicate.
   */
  private async receiveConnectorWebhook(
    flow: FlowRecord,
    version: number,
    trigger: ConnectorTriggerDef,
    req: WebhookRequestLike & { query?: Record<string, unknown>; method: string; path?: string },
  ): Promise<WebhookAnswer> {
    const connector = await this.gateway.load(trigger.connector, trigger.version);
    const manifest = this.gateway.trigger(connector, trigger.trigger);
    if (manifest.kind !== 'webhook') {
      throw ApiError.conflict(`Flow "${flow.name}" starts from ${trigger.connector} "${trigger.trigger}", a ${manifest.kind} trigger, not a webhook`, undefined, 'FLOW_TRIGGER_NOT_WEBHOOK');
    }
    this.rateLimit(flow);
    const { body, raw } = await readWebhookBody(req, this.options.webhookMaxBytes);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    const signature = manifest.webhook?.signature;
    if (signature) {
      const key = trigger.props?.[signature.secretProp];
      if (typeof key !== 'string' || key === '') {
        throw ApiError.conflict(`Flow "${flow.name}": set the trigger's "${signature.secretProp}" (the signing secret) to receive signed calls`, undefined, 'WEBHOOK_SECRET_MISSING');
      }
      const digest = createHmac(signature.algorithm === 'hmac-sha1' ? 'sha1' : 'sha256', key).update(raw, 'utf8').digest(signature.encoding);
      const expected = Buffer.from(`${signature.prefix}${digest}`, 'utf8');
      const given = Buffer.from(headers[signature.header.toLowerCase()] ?? '', 'utf8');
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
        throw ApiError.unauthorized(`The ${signature.header} header does not match the body signed with the trigger's ${signature.secretProp}`);
      }
    }
    const query: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.query ?? {})) query[k] = typeof v === 'string' ? v : JSON.stringify(v);
    const path = req.path ?? `/hooks/${flow.id}`;
    // The flow's token is the platform's credential, not the connector's: untrusted code never sees it.
    const callerHeaders = headersWithoutFlowToken(req.headers);
    const account = await this.gateway.accountValues(flow.workspaceId, trigger.account);
    let payloads: JsonValue[];
    try {
      const { output } = await this.gateway.call({
        workspaceId: flow.workspaceId,
        connector,
        op: 'trigger.webhook',
        target: trigger.trigger,
        account,
        props: trigger.props ?? {},
        input: { request: { method: req.method, path, query, headers: callerHeaders, body, rawBody: raw } },
      });
      payloads = ((output as { payloads?: JsonValue[] })?.payloads ?? []) as JsonValue[];
    } catch (error) {
      throw ApiError.unprocessable(`${trigger.connector} "${trigger.trigger}" refused the call: ${(error as Error).message}`, undefined, 'WEBHOOK_REFUSED');
    }
    const runTrigger = { type: 'webhook', connector: trigger.connector, trigger: trigger.trigger };
    const labelling = { externalId: trigger.externalId, itemIdPath: manifest.webhook?.itemIdPath };
    if (!deduplicatesItems(labelling)) {
      const runIds: string[] = [];
      for (const payload of payloads) runIds.push(await this.runs.queue(flow, version, runTrigger, payload));
      return { runId: runIds[0] ?? null, runIds };
    }
    const items = await webhookItems(payloads, labelling, { method: req.method, path, query, headers: callerHeaders });
    const queued = await this.runs.queueItems(flow, version, runTrigger, items, Math.max(1, trigger.batchSize ?? 1));
    if (queued.duplicateRun) return { runId: queued.duplicateRun.runId, status: 'duplicate', duplicateOf: queued.duplicateRun.duplicateOf, duplicates: queued.duplicates };
    return { runId: queued.runIds[0] ?? null, runIds: queued.runIds, duplicates: queued.duplicates };
  }

  async status(flowId: string, runId: string, token: string) {
    const flow = await this.authenticate(flowId, token);
    const row = await this.runs.runRow(flow.workspaceId, runId).catch(() => null);
    if (!row || row.flow_id !== flow.id) throw ApiError.notFound(`Run ${runId} is not a run of flow ${flowId}`, 'RUN_NOT_FOUND');
    const detail = await this.runs.detail(row);
    return {
      runId: detail.id,
      status: detail.status,
      startedAt: detail.startedAt,
      finishedAt: detail.finishedAt,
      durationMs: detail.durationMs,
      error: detail.error,
      duplicateOf: detail.duplicateOf,
      trigger: detail.trigger,
      steps: detail.steps.map((s) => ({ order: s.order, name: s.name, type: s.type, status: s.status, startedAt: s.startedAt, durationMs: s.durationMs, output: s.output, error: s.error })),
    };
  }

  /** The flow and its active version for an accepted call: from the cache when the token matches it. */
  private async activeFlow(flowId: string, token: string): Promise<WebhookFlow> {
    const cached = this.flows.get(flowId);
    if (cached?.flow.webhookTokenHash && webhookTokenMatches(token, cached.flow.webhookTokenHash)) return cached;
    const generation = this.flows.generation;
    const flow = await this.authenticate(flowId, token, generation);
    const { version, definition } = await this.runs.activeDefinition(flow);
    this.flows.set({ flow, version, definition }, generation);
    return { flow, version, definition };
  }

  private async authenticate(flowId: string, token: string, generation = this.flows.generation): Promise<FlowRecord> {
    const flow = await this.findFlow(flowId, generation);
    if (!flow) throw ApiError.notFound(`Flow ${flowId} does not exist; check the webhook URL`, 'FLOW_NOT_FOUND');
    if (!flow.webhookTokenHash) {
      if (flow.status !== 'active') throw ApiError.conflict(`Flow "${flow.name}" is ${flow.status === 'draft' ? 'a draft' : flow.status}: publish and activate it before calling its webhook`, undefined, 'FLOW_NOT_ACTIVE');
      throw ApiError.unauthorized(`Flow "${flow.name}" has no webhook token; create one (rotate the webhook token) and send it`);
    }
    if (!webhookTokenMatches(token, flow.webhookTokenHash)) throw ApiError.unauthorized('Webhook token is not valid for this flow');
    return flow;
  }

  /**
   * One read per flow at a time: calls arriving together when a cache entry expires share it. A
   * call that comes after a flow event does not join a read started before it.
   */
  private findFlow(flowId: string, generation: number): Promise<FlowRecord | null> {
    const key = `${generation}:${flowId}`;
    let reading = this.reading.get(key);
    if (!reading) {
      reading = this.catalog.find(flowId).finally(() => this.reading.delete(key));
      this.reading.set(key, reading);
    }
    return reading;
  }

  private rateLimit(flow: FlowRecord): void {
    const { limit, windowMs } = this.options.webhookRateLimit;
    const now = Date.now();
    let window = this.windows.get(flow.id);
    if (!window || now - window.start >= windowMs) {
      window = { start: now, count: 0 };
      this.windows.set(flow.id, window);
      if (this.windows.size > 10_000) {
        for (const [id, w] of this.windows) if (now - w.start >= windowMs) this.windows.delete(id);
      }
    }
    window.count++;
    if (window.count > limit) {
      const retry = Math.ceil((window.start + windowMs - now) / 1000);
      throw new ApiError(HttpStatus.TOO_MANY_REQUESTS, 'RATE_LIMITED', `Flow "${flow.name}" accepts ${limit} webhook calls per ${windowMs / 1000} s; retry in ${retry} s`);
    }
  }

  private async verifySignature(flow: FlowRecord, token: string, headers: Record<string, string | string[] | undefined>, raw: string): Promise<void> {
    const timestampHeader = headers['x-flowport-timestamp'];
    const signatureHeader = headers['x-flowport-signature'];
    if (typeof timestampHeader !== 'string' || typeof signatureHeader !== 'string') {
      throw ApiError.unauthorized(`Flow "${flow.name}" requires signed calls: send X-Flowport-Timestamp (unix seconds) and X-Flowport-Signature (sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" keyed with the flow token>)`);
    }
    const timestamp = Number(timestampHeader);
    if (!Number.isInteger(timestamp) || Math.abs(Date.now() - timestamp * 1000) > SIGNATURE_WINDOW_MS) {
      throw ApiError.unauthorized('X-Flowport-Timestamp is outside the 5-minute window; sign each call with the current time');
    }
    const expected = Buffer.from(signWebhook(token, timestamp, raw), 'utf8');
    const given = Buffer.from(signatureHeader.trim(), 'utf8');
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      throw ApiError.unauthorized('X-Flowport-Signature does not match the body: sign "<timestamp>.<exact body>" with HMAC-SHA256 keyed with the flow token');
    }
    await this.forgetOldSignatures();
    const rows = await this.db.query(
      'INSERT INTO webhook_signatures (flow_id, signature) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING flow_id',
      [flow.id, signatureHeader.trim()],
    );
    if (rows.length === 0) throw ApiError.unauthorized('This signed call was already received (replay); send a new call with a fresh timestamp');
  }

  private async forgetOldSignatures(): Promise<void> {
    if (Date.now() - this.lastCleanup < 60_000) return;
    this.lastCleanup = Date.now();
    await this.db.query(`DELETE FROM webhook_signatures WHERE seen_at < now() - interval '10 minutes'`);
  }
}
