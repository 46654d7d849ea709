import { ApiError, paginateQuery } from '@flowport/core';
import type { Page, PageQueryDto } from '@flowport/core';
import { escapeLike } from '@flowport/registry';
import { AccountEntity } from '@flowport/store';
import type { InstallUsageChecker } from '@flowport/store';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import { FlowActivationEvents } from './activation-events';
import type { FlowDefinition, FlowStatus, TriggerDef } from './definition/flow-definition';
import { FlowDefinitionValidator } from './definition/flow-validator';
import { FlowEntity, FlowVersionEntity } from './entities';
import { exportFlow, resolveImport } from './flow-export';
import type { FlowExportDocument } from './flow-export';
import { generateWebhookToken, hashWebhookToken } from './webhook-token';

export interface TriggerSummary {
  type: TriggerDef['type'];
  /** One line for lists, e.g. `demo-queue@1.0.0 listen-queue` or `cron "0 9 * * 1-5" (Europe/Paris)`. */
  label: string;
  connector?: string;
  version?: string;
  trigger?: string;
}

export interface FlowSummary {
  id: string;
  name: string;
  description: string;
  status: FlowStatus;
  activeVersion: number | null;
  latestVersion: number | null;
  trigger: TriggerSummary;
  updatedAt: string;
}

export interface FlowVersionBrief {
  version: number;
  active: boolean;
  createdAt: string;
}

export interface FlowDetail extends FlowSummary {
  draft: FlowDefinition;
  versions: FlowVersionBrief[];
  /** True when a webhook token exists (the token itself is never shown again). */
  hasWebhookToken: boolean;
  createdAt: string;
}

export interface FlowVersionView {
  flowId: string;
  version: number;
  active: boolean;
  definition: FlowDefinition;
  createdAt: string;
}

/** The version of a flow that runs, as the runtime needs it. */
export interface ActiveFlowVersion {
  flowId: string;
  workspaceId: string;
  name: string;
  version: number;
  definition: FlowDefinition;
}

export interface FlowInput {
  name: string;
  description?: string;
  trigger?: unknown;
  steps?: unknown;
}

export interface ImportInput {
  flow: unknown;
  name?: string;
  accounts?: Record<string, unknown>;
  secrets?: Record<string, unknown>;
}

export interface FlowListQuery extends PageQueryDto {
  status?: FlowStatus;
  q?: string;
}

/** Returned by writes that issued a webhook token: the only time the token is shown. */
export type WithToken<T> = T & { webhookToken?: string };

@Injectable()
export class FlowsService implements InstallUsageChecker {
  private readonly logger = new Logger('Flows');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly validator: FlowDefinitionValidator,
    private readonly events: FlowActivationEvents,
  ) {}

  // ---- drafts ----------------------------------------------------------------------------------

  async create(workspaceId: string, input: FlowInput): Promise<WithToken<FlowDetail>> {
    const validated = await this.validator.validate(workspaceId, { trigger: input.trigger, steps: input.steps ?? [] });
    const token = this.needsWebhook(validated.definition.trigger, validated.connectorTriggerKind) ? generateWebhookToken() : null;
    const id = await this.unique(input.name, async () => {
      const row = Object.assign(new FlowEntity(), {
        workspaceId,
        name: input.name,
        description: input.description ?? '',
        status: 'draft',
        draft: validated.definition,
        activeVersion: null,
        webhookTokenHash: token?.hash ?? null,
        updatedAt: new Date(),
      });
      return (await this.dataSource.getRepository(FlowEntity).save(row)).id;
    });
    this.logger.log(`Created flow "${input.name}" (${id}) in workspace ${workspaceId}`);
    return withToken(await this.get(workspaceId, id), token?.token);
  }

  /** PUT: replaces name, description and the whole draft. */
  async replace(workspaceId: string, id: string, input: FlowInput): Promise<WithToken<FlowDetail>> {
    return this.update(workspaceId, id, { name: input.name, description: input.description ?? '', trigger: input.trigger, steps: input.steps ?? [] });
  }

  /** PATCH: only the fields given change; `trigger` and `steps` are replaced as a whole. */
  async update(workspaceId: string, id: string, input: Partial<FlowInput>): Promise<WithToken<FlowDetail>> {
    const flow = await this.find(workspaceId, id);
    let token: { token: string; hash: string } | null = null;
    // Renaming must work even when the draft no longer fits the installs; it is checked again on publish.
    if (input.trigger !== undefined || input.steps !== undefined) {
      const validated = await this.validator.validate(workspaceId, {
        trigger: input.trigger === undefined ? flow.draft.trigger : input.trigger,
        steps: input.steps === undefined ? flow.draft.steps : input.steps,
      });
      token = !flow.webhookTokenHash && this.needsWebhook(validated.definition.trigger, validated.connectorTriggerKind) ? generateWebhookToken() : null;
      flow.draft = validated.definition;
    }
    flow.name = input.name ?? flow.name;
    flow.description = input.description ?? flow.description;
    if (token) flow.webhookTokenHash = token.hash;
    flow.updatedAt = new Date();
    await this.unique(flow.name, () => this.dataSource.getRepository(FlowEntity).save(flow));
    return withToken(await this.get(workspaceId, id), token?.token);
  }

  async list(workspaceId: string, query: FlowListQuery): Promise<Page<FlowSummary>> {
    const qb = this.dataSource.getRepository(FlowEntity).createQueryBuilder('f').where('f.workspace_id = :workspaceId', { workspaceId });
    if (query.status) qb.andWhere('f.status = :status', { status: query.status });
    if (query.q) qb.andWhere("(f.name ILIKE :q ESCAPE '\\' OR f.description ILIKE :q ESCAPE '\\')", { q: `%${escapeLike(query.q)}%` });
    const page = await paginateQuery(qb, query, { sortColumn: 'f.name', idColumn: 'f.id', sortValue: (f) => f.name, idValue: (f) => f.id });
    const latest = await this.latestVersions(page.items.map((f) => f.id));
    return { items: page.items.map((f) => toSummary(f, latest.get(f.id) ?? null)), nextCursor: page.nextCursor };
  }

  async get(workspaceId: string, id: string): Promise<FlowDetail> {
    const flow = await this.find(workspaceId, id);
    const versions = await this.dataSource.getRepository(FlowVersionEntity).find({ where: { flowId: id }, order: { version: 'ASC' }, select: { version: true, createdAt: true } });
    const latest = versions.length > 0 ? versions[versions.length - 1].version : null;
    return {
      ...toSummary(flow, latest),
      draft: flow.draft,
      versions: versions.map((v) => ({ version: v.version, active: v.version === flow.activeVersion, createdAt: v.createdAt.toISOString() })),
      hasWebhookToken: flow.webhookTokenHash !== null,
      createdAt: flow.createdAt.toISOString(),
    };
  }

  async getVersion(workspaceId: string, id: string, version: number): Promise<FlowVersionView> {
    const flow = await this.find(workspaceId, id);
    const row = await this.findVersion(flow, version);
    return { flowId: flow.id, version: row.version, active: flow.activeVersion === row.version, definition: row.definition, createdAt: row.createdAt.toISOString() };
  }

  async remove(workspaceId: string, id: string): Promise<void> {
    await this.dataSource.transaction(async (em) => {
      const flow = await this.lock(em, workspaceId, id);
      if (flow.status === 'active') {
        throw ApiError.conflict(`Flow '${flow.name}' is active (version ${flow.activeVersion}): deactivate it first with POST /api/v1/flows/${flow.id}/deactivate`, undefined, 'FLOW_ACTIVE');
      }
      await em.getRepository(FlowEntity).delete({ id: flow.id });
    });
  }

  // ---- versions --------------------------------------------------------------------------------

  /** Freezes the draft as the next numbered version (1, 2, ...). */
  async publish(workspaceId: string, id: string): Promise<FlowVersionView> {
    const current = await this.find(workspaceId, id);
    const validated = await this.validator.validate(workspaceId, current.draft, `The draft of flow '${current.name}'`);
    const row = await this.dataSource.transaction(async (em) => {
      const flow = await this.lock(em, workspaceId, id);
      const [{ latest, same }] = (await em.query(
        `SELECT max(version) AS latest,
                bool_or(version = (SELECT max(version) FROM flow_versions WHERE flow_id = $1) AND definition = $2::jsonb) AS same
         FROM flow_versions WHERE flow_id = $1`,
        [flow.id, JSON.stringify(validated.definition)],
      )) as Array<{ latest: number | null; same: boolean | null }>;
      if (same) {
        throw ApiError.conflict(`Flow '${flow.name}': the draft is identical to version ${latest}; edit the draft before publishing again`, undefined, 'DRAFT_UNCHANGED');
      }
      const version = (latest ?? 0) + 1;
      const saved = await em.getRepository(FlowVersionEntity).save({ flowId: flow.id, version, definition: validated.definition });
      await em.getRepository(FlowEntity).update({ id: flow.id }, { updatedAt: new Date() });
      return saved;
    });
    this.logger.log(`Published flow ${id} version ${row.version}`);
    return this.getVersion(workspaceId, id, row.version);
  }

  /** Starts a published version (latest by default); the runtime hears it through FlowActivationEvents. */
  async activate(workspaceId: string, id: string, version?: number): Promise<FlowDetail> {
    const current = await this.find(workspaceId, id);
    const target = version === undefined ? await this.latestVersionOf(current) : (await this.findVersion(current, version)).version;
    const row = await this.findVersion(current, target);
    try {
      // An install or account may have changed since publishing: a version that no longer fits must not start.
      await this.validator.validate(workspaceId, row.definition, `Version ${target} of flow '${current.name}'`);
    } catch (err) {
      if (err instanceof ApiError) {
        const body = err.getResponse() as { error: { message: string; details?: Array<{ path: string; message: string }> } };
        throw ApiError.conflict(`${body.error.message}; publish a corrected draft and activate that`, body.error.details, 'VERSION_NOT_RUNNABLE');
      }
      throw err;
    }
    const previous = await this.dataSource.transaction(async (em) => {
      const flow = await this.lock(em, workspaceId, id);
      await em.getRepository(FlowEntity).update({ id: flow.id }, { status: 'active', activeVersion: target, updatedAt: new Date() });
      return flow.status === 'active' ? flow.activeVersion : null;
    });
    if (previous !== target) {
      this.logger.log(`Activated flow ${id} version ${target}${previous ? ` (was ${previous})` : ''}`);
      await this.events.emit('activated', { flowId: id, workspaceId, name: current.name, version: target, definition: row.definition, previousVersion: previous });
    }
    return this.get(workspaceId, id);
  }

  /** Stops the flow; deactivating a flow that is not active changes nothing. */
  async deactivate(workspaceId: string, id: string): Promise<FlowDetail> {
    const stopped = await this.dataSource.transaction(async (em) => {
      const flow = await this.lock(em, workspaceId, id);
      if (flow.status !== 'active' || flow.activeVersion === null) return null;
      await em.getRepository(FlowEntity).update({ id: flow.id }, { status: 'inactive', activeVersion: null, updatedAt: new Date() });
      return { name: flow.name, version: flow.activeVersion };
    });
    if (stopped) {
      this.logger.log(`Deactivated flow ${id} (version ${stopped.version})`);
      await this.events.emit('deactivated', { flowId: id, workspaceId, name: stopped.name, version: stopped.version });
    }
    return this.get(workspaceId, id);
  }

  // ---- webhook token ---------------------------------------------------------------------------

  /** Issues a new token (the old one stops working at once); returned only in this response. */
  async rotateWebhookToken(workspaceId: string, id: string): Promise<{ flowId: string; webhookToken: string }> {
    const flow = await this.find(workspaceId, id);
    const definitions = [flow.draft];
    if (flow.activeVersion !== null) definitions.push((await this.findVersion(flow, flow.activeVersion)).definition);
    let uses = false;
    for (const d of definitions) uses ||= await this.usesWebhook(d.trigger);
    if (!uses) {
      throw ApiError.conflict(`Flow '${flow.name}' has no webhook trigger; only webhook-triggered flows have a token`, undefined, 'NO_WEBHOOK_TRIGGER');
    }
    const token = generateWebhookToken();
    await this.dataSource.getRepository(FlowEntity).update({ id: flow.id }, { webhookTokenHash: token.hash, updatedAt: new Date() });
    await this.events.emit('webhookTokenRotated', { flowId: flow.id, workspaceId, name: flow.name, version: flow.activeVersion });
    return { flowId: flow.id, webhookToken: token.token };
  }

  // ---- export / import -------------------------------------------------------------------------

  async export(workspaceId: string, id: string, version?: number): Promise<FlowExportDocument> {
    const flow = await this.find(workspaceId, id);
    const definition = version === undefined ? flow.draft : (await this.findVersion(flow, version)).definition;
    const accountIds = [definition.trigger.type === 'connector' ? definition.trigger.account : undefined, ...definition.steps.map((s) => (s.type === 'action' ? s.account : undefined))].filter(
      (a): a is string => typeof a === 'string',
    );
    const accounts = accountIds.length
      ? await this.dataSource.getRepository(AccountEntity).findBy({ workspaceId, id: In(accountIds) })
      : [];
    return exportFlow(
      flow,
      definition,
      version ?? null,
      (c, v) => this.validator.manifest(c, v),
      new Map(accounts.map((a) => [a.id, { connector: a.connectorName, account: a.accountName }])),
    );
  }

  async import(workspaceId: string, input: ImportInput): Promise<WithToken<FlowDetail>> {
    const resolved = resolveImport(input.flow, input.accounts ?? {}, input.secrets ?? {});
    if (resolved.problems.length > 0 || !resolved.definition) {
      throw ApiError.badRequest(`Import is incomplete: ${resolved.problems.map((d) => `${d.path}: ${d.message}`).join('; ')}`, resolved.problems, 'VALIDATION_FAILED');
    }
    const name = input.name ?? resolved.name;
    if (typeof name !== 'string' || name.trim() === '') throw ApiError.badRequest('name: is required (the export has none)', [{ path: 'name', message: 'is required' }], 'VALIDATION_FAILED');
    return this.create(workspaceId, { name, description: typeof resolved.description === 'string' ? resolved.description : '', ...resolved.definition });
  }

  // ---- for the runtime and the store -----------------------------------------------------------

  /** The active published version of a flow, or null when the flow is not active (or does not exist). */
  async getActiveVersion(flowId: string): Promise<ActiveFlowVersion | null> {
    const rows = await this.activeQuery().andWhere('f.id = :flowId', { flowId }).getRawMany<ActiveRow>();
    return rows[0] ? toActive(rows[0]) : null;
  }

  /** Every active flow with its running version: what a runtime starts (or reconciles) on boot. */
  async listActive(): Promise<ActiveFlowVersion[]> {
    return (await this.activeQuery().orderBy('f.id').getRawMany<ActiveRow>()).map(toActive);
  }

  /** The active flow a webhook token belongs to, or null: for the public /hooks endpoint. */
  async findByWebhookToken(token: string): Promise<ActiveFlowVersion | null> {
    const rows = await this.activeQuery().andWhere('f.webhook_token_hash = :hash', { hash: hashWebhookToken(token) }).getRawMany<ActiveRow>();
    return rows[0] ? toActive(rows[0]) : null;
  }

  /** A published version by number, whatever the flow's status (e.g. to replay a run of an older version). */
  async getPublishedDefinition(flowId: string, version: number): Promise<FlowDefinition | null> {
    const row = await this.dataSource.getRepository(FlowVersionEntity).findOneBy({ flowId, version });
    return row?.definition ?? null;
  }

  /** InstallUsageChecker: flows whose draft or running version uses the connector block its uninstall. */
  async flowsUsing(workspaceId: string, connector: string): Promise<string[]> {
    const trigger = JSON.stringify({ trigger: { type: 'connector', connector } });
    const step = JSON.stringify({ steps: [{ type: 'action', connector }] });
    const rows = (await this.dataSource.query(
      `SELECT f.name FROM flows f
       LEFT JOIN flow_versions v ON v.flow_id = f.id AND v.version = f.active_version
       WHERE f.workspace_id = $1
         AND (f.draft @> $2::jsonb OR f.draft @> $3::jsonb OR v.definition @> $2::jsonb OR v.definition @> $3::jsonb)
       ORDER BY f.name`,
      [workspaceId, trigger, step],
    )) as Array<{ name: string }>;
    return rows.map((r) => r.name);
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private activeQuery() {
    return this.dataSource
      .createQueryBuilder()
      .select(['f.id AS flow_id', 'f.workspace_id AS workspace_id', 'f.name AS name', 'v.version AS version', 'v.definition AS definition'])
      .from(FlowEntity, 'f')
      .innerJoin(FlowVersionEntity, 'v', 'v.flow_id = f.id AND v.version = f.active_version')
      .where("f.status = 'active'");
  }

  private needsWebhook(trigger: TriggerDef, connectorKind: string | null): boolean {
    return trigger.type === 'webhook' || (trigger.type === 'connector' && connectorKind === 'webhook');
  }

  private async usesWebhook(trigger: TriggerDef): Promise<boolean> {
    if (trigger.type === 'webhook') return true;
    if (trigger.type !== 'connector') return false;
    const manifest = await this.validator.manifest(trigger.connector, trigger.version);
    return manifest?.triggers.find((t) => t.name === trigger.trigger)?.kind === 'webhook';
  }

  private async find(workspaceId: string, id: string): Promise<FlowEntity> {
    const flow = await this.dataSource.getRepository(FlowEntity).findOneBy({ id, workspaceId });
    if (!flow) throw ApiError.notFound(`Flow ${id} does not exist in this workspace`, 'FLOW_NOT_FOUND');
    return flow;
  }

  private async lock(em: EntityManager, workspaceId: string, id: string): Promise<FlowEntity> {
    const flow = await em.getRepository(FlowEntity).createQueryBuilder('f').setLock('pessimistic_write').where('f.id = :id AND f.workspace_id = :workspaceId', { id, workspaceId }).getOne();
    if (!flow) throw ApiError.notFound(`Flow ${id} does not exist in this workspace`, 'FLOW_NOT_FOUND');
    return flow;
  }

  private async findVersion(flow: FlowEntity, version: number): Promise<FlowVersionEntity> {
    const row = await this.dataSource.getRepository(FlowVersionEntity).findOneBy({ flowId: flow.id, version });
    if (row) return row;
    const all = await this.dataSource.getRepository(FlowVersionEntity).find({ where: { flowId: flow.id }, order: { version: 'ASC' }, select: { version: true } });
    throw ApiError.notFound(
      all.length === 0
        ? `Flow '${flow.name}' has no version ${version}: nothing is published yet (POST /api/v1/flows/${flow.id}/publish)`
        : `Flow '${flow.name}' has no version ${version}; published versions: ${all.map((v) => v.version).join(', ')}`,
      'VERSION_NOT_FOUND',
    );
  }

  private async latestVersionOf(flow: FlowEntity): Promise<number> {
    const latest = (await this.latestVersions([flow.id])).get(flow.id);
    if (latest === undefined) throw ApiError.conflict(`Flow '${flow.name}' has no published version: publish the draft first`, undefined, 'NOT_PUBLISHED');
    return latest;
  }

  private async latestVersions(flowIds: string[]): Promise<Map<string, number>> {
    if (flowIds.length === 0) return new Map();
    const rows = (await this.dataSource.query('SELECT flow_id, max(version) AS latest FROM flow_versions WHERE flow_id = ANY($1::uuid[]) GROUP BY flow_id', [flowIds])) as Array<{
      flow_id: string;
      latest: number;
    }>;
    return new Map(rows.map((r) => [r.flow_id, Number(r.latest)]));
  }

  /** Runs a write and turns the unique-name violation into a 409 that names the flow. */
  private async unique<T>(name: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      const e = err as { code?: string; constraint?: string; driverError?: { constraint?: string } };
      if (e.code === '23505' && (e.constraint ?? e.driverError?.constraint) === 'flows_workspace_name') {
        throw ApiError.conflict(`A flow named '${name}' already exists in this workspace; choose another name`, [{ path: 'name', message: 'already exists' }], 'FLOW_NAME_TAKEN');
      }
      throw err;
    }
  }
}

interface ActiveRow {
  flow_id: string;
  workspace_id: string;
  name: string;
  version: number;
  definition: FlowDefinition;
}

const toActive = (r: ActiveRow): ActiveFlowVersion => ({ flowId: r.flow_id, workspaceId: r.workspace_id, name: r.name, version: Number(r.version), definition: r.definition });

function withToken<T extends object>(value: T, token: string | undefined): WithToken<T> {
  return token ? { ...value, webhookToken: token } : value;
}

function toSummary(f: FlowEntity, latestVersion: number | null): FlowSummary {
  return {
    id: f.id,
    name: f.name,
    description: f.description,
    status: f.status,
    activeVersion: f.activeVersion,
    latestVersion,
    trigger: summarizeTrigger(f.draft.trigger),
    updatedAt: f.updatedAt.toISOString(),
  };
}

export function summarizeTrigger(t: TriggerDef): TriggerSummary {
  switch (t.type) {
    case 'connector':
      return { type: t.type, label: `${t.connector}@${t.version} ${t.trigger}`, connector: t.connector, version: t.version, trigger: t.trigger };
    case 'schedule':
      return { type: t.type, label: t.cron ? `cron "${t.cron}"${t.timezone ? ` (${t.timezone})` : ''}` : `once at ${t.at}` };
    case 'event':
      return { type: t.type, label: `event "${t.event}"` };
    case 'webhook':
      return { type: t.type, label: 'webhook' };
    case 'manual':
      return { type: t.type, label: 'manual' };
  }
}
