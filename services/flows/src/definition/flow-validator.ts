import type { ConnectorManifest, JsonSchema, JsonValue, PropsSchema, TriggerKind } from '@flowport/connector-sdk';
import { ApiError } from '@flowport/core';
import type { ErrorDetail } from '@flowport/core';
import { ConnectorVersionEntity } from '@flowport/registry';
import { AccountEntity, InstallEntity } from '@flowport/store';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { ErrorObject, ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { Cron } from 'croner';
import { DataSource } from 'typeorm';
import { codeProblem, jsonataProblem, templateExpressions, templateProblems } from './expressions';
import {
  ActionStepDef,
  ConnectorTriggerDef,
  DEFAULT_BATCH_SIZE,
  DEFAULT_BATCH_WAIT_MS,
  FlowDefinition,
  HTTP_METHODS,
  HttpStepDef,
  MAX_BATCH_SIZE,
  MAX_BATCH_WAIT_MS,
  STEP_NAME_PATTERN,
  STEP_TYPES,
  StepCommon,
  StepDef,
  TRIGGER_TYPES,
  TriggerDef,
} from './flow-definition';

const ajv = new Ajv2020({ allErrors: true, strict: false });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
// The SDK marks secret props with format "password": a UI hint, not something to check.
ajv.addFormat('password', true);
// Manifests are immutable per connector version, so validators are kept per schema text.
const validators = new Map<string, ValidateFunction>();

const EVENT_NAME = /^[A-Za-z0-9_.:/-]{1,200}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_TIMEOUT_MS = 3_600_000;
const MAX_STEPS = 200;

export interface ValidatedFlow {
  /** The definition as stored: known fields only, defaults filled in. */
  definition: FlowDefinition;
  /** Kind of the connector trigger in its manifest; null for platform triggers. */
  connectorTriggerKind: TriggerKind | null;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown): string => (v === undefined ? 'nothing' : JSON.stringify(v));
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/** Errors collected over one whole definition, so a user sees every problem at once. */
class Problems {
  readonly list: ErrorDetail[] = [];
  add(path: string, message: string): void {
    this.list.push({ path, message });
  }
  unknownKeys(obj: Obj, allowed: readonly string[], path: string, what: string): void {
    for (const key of Object.keys(obj)) if (!allowed.includes(key)) this.add(`${path}.${key}`, `is not a field of ${what}`);
  }
  requiredText(obj: Obj, key: string, path: string, hint = ''): string | undefined {
    const v = obj[key];
    if (typeof v === 'string' && v.trim() !== '') return v;
    this.add(`${path}.${key}`, v === undefined || v === '' ? `is required${hint}` : `must be text (got ${show(v)})`);
    return undefined;
  }
  intInRange(obj: Obj, key: string, path: string, label: string, min: number, max: number, unit = ''): number | undefined {
    const v = obj[key];
    if (v === undefined) return undefined;
    if (isInt(v) && v >= min && v <= max) return v;
    const whole = typeof v === 'number' && !Number.isInteger(v) ? 'a whole number ' : '';
    this.add(`${path}.${key}`, `${label} must be ${whole}between ${min} and ${max}${unit} (got ${show(v)})`);
    return undefined;
  }
}

/**
 * Checks a flow definition against everything it refers to: installs, manifests, accounts,
 * JSON Schemas, cron, JSONata and JavaScript syntax. Used on every draft save, on publish and
 * again on activation (an install or account may have changed since).
 */
@Injectable()
export class FlowDefinitionValidator {
  private readonly manifests = new Map<string, ConnectorManifest>();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The normalised definition, or a 400 VALIDATION_FAILED listing every problem with its path. */
  async validate(workspaceId: string, input: { trigger: unknown; steps: unknown }, what = 'Flow definition'): Promise<ValidatedFlow> {
    const problems = new Problems();
    const result = await this.check(workspaceId, input, problems);
    if (problems.list.length > 0) {
      throw ApiError.badRequest(`${what} is invalid: ${problems.list.map((d) => `${d.path}: ${d.message}`).join('; ')}`, problems.list, 'VALIDATION_FAILED');
    }
    return result;
  }

  /** The manifest of an exact connector version, or null when the registry has no such version. */
  async manifest(connector: string, version: string): Promise<ConnectorManifest | null> {
    const key = `${connector}@${version}`;
    const cached = this.manifests.get(key);
    if (cached) return cached;
    const row = await this.dataSource.getRepository(ConnectorVersionEntity).findOneBy({ connectorName: connector, version });
    if (!row) return null;
    this.manifests.set(key, row.manifest);
    return row.manifest;
  }

  private async check(workspaceId: string, input: { trigger: unknown; steps: unknown }, p: Problems): Promise<ValidatedFlow> {
    const ctx = { workspaceId, installs: new Map<string, Promise<string | null>>() };
    const { trigger, kind } = await this.trigger(ctx, input.trigger, p);
    const steps: StepDef[] = [];
    if (input.steps !== undefined && !Array.isArray(input.steps)) {
      p.add('steps', `must be a list of steps (got ${show(input.steps)})`);
    } else if (Array.isArray(input.steps)) {
      if (input.steps.length > MAX_STEPS) p.add('steps', `a flow has at most ${MAX_STEPS} steps (got ${input.steps.length})`);
      const seen = new Map<string, number>();
      for (const [i, raw] of input.steps.entries()) {
        const step = await this.step(ctx, raw, `steps[${i}]`, p);
        if (!step) continue;
        const first = seen.get(step.name);
        if (first !== undefined) p.add(`steps[${i}].name`, `"${step.name}" is already the name of steps[${first}]; step names must be unique`);
        else seen.set(step.name, i);
        steps.push(step);
      }
    }
    return { definition: { trigger: trigger as TriggerDef, steps }, connectorTriggerKind: kind };
  }

  // ---- triggers ------------------------------------------------------------------------------

  private async trigger(ctx: Ctx, raw: unknown, p: Problems): Promise<{ trigger: TriggerDef | null; kind: TriggerKind | null }> {
    const path = 'trigger';
    if (!isObj(raw)) {
      p.add(path, `is required: an object whose type is one of ${TRIGGER_TYPES.join(', ')}`);
      return { trigger: null, kind: null };
    }
    switch (raw.type) {
      case 'connector':
        return this.connectorTrigger(ctx, raw, p);
      case 'manual': {
        p.unknownKeys(raw, ['type', 'inputSchema'], path, 'a manual trigger');
        if (raw.inputSchema === undefined) return { trigger: { type: 'manual' }, kind: null };
        const problem = schemaProblem(raw.inputSchema);
        if (problem) p.add(`${path}.inputSchema`, problem);
        return { trigger: { type: 'manual', inputSchema: raw.inputSchema as JsonSchema }, kind: null };
      }
      case 'schedule':
        return { trigger: scheduleTrigger(raw, p), kind: null };
      case 'webhook': {
        p.unknownKeys(raw, ['type', 'requiredFields', 'signing', 'externalId'], path, 'a webhook trigger');
        const trigger: TriggerDef = { type: 'webhook' };
        if (raw.requiredFields !== undefined) {
          if (!Array.isArray(raw.requiredFields)) p.add(`${path}.requiredFields`, `must be a list of field names (got ${show(raw.requiredFields)})`);
          else {
            raw.requiredFields.forEach((f, i) => {
              if (typeof f !== 'string' || f.trim() === '') p.add(`${path}.requiredFields[${i}]`, `must be a field name (got ${show(f)})`);
            });
            trigger.requiredFields = raw.requiredFields as string[];
          }
        }
        if (raw.signing !== undefined) {
          if (!isObj(raw.signing) || typeof raw.signing.enabled !== 'boolean') p.add(`${path}.signing`, `must be { "enabled": true | false } (got ${show(raw.signing)})`);
          else {
            p.unknownKeys(raw.signing, ['enabled'], `${path}.signing`, 'webhook signing');
            trigger.signing = { enabled: raw.signing.enabled };
          }
        }
        const externalId = externalIdOf(raw, path, p, 'body.id');
        if (externalId !== undefined) trigger.externalId = externalId;
        return { trigger, kind: null };
      }
      case 'event': {
        p.unknownKeys(raw, ['type', 'event'], path, 'an event trigger');
        const event = p.requiredText(raw, 'event', path, ': the custom event name that starts this flow');
        if (event !== undefined && !EVENT_NAME.test(event)) {
          p.add(`${path}.event`, `must be 1-200 letters, digits or . _ : - / (got ${show(event)})`);
        }
        return { trigger: { type: 'event', event: event ?? '' }, kind: null };
      }
      default:
        p.add(`${path}.type`, raw.type === undefined ? `is required: one of ${TRIGGER_TYPES.join(', ')}` : `must be one of ${TRIGGER_TYPES.join(', ')} (got ${show(raw.type)})`);
        return { trigger: null, kind: null };
    }
  }

  private async connectorTrigger(ctx: Ctx, raw: Obj, p: Problems): Promise<{ trigger: ConnectorTriggerDef; kind: TriggerKind | null }> {
    const path = 'trigger';
    p.unknownKeys(
      raw,
      ['type', 'connector', 'version', 'trigger', 'account', 'props', 'batchSize', 'externalId', 'batchWaitMs', 'intervalSeconds', 'includeExisting'],
      path,
      'a connector trigger',
    );
    const props = raw.props === undefined ? {} : raw.props;
    if (!isObj(props)) p.add(`${path}.props`, `must be an object of the trigger's props (got ${show(props)})`);
    const batchSize = raw.batchSize === undefined ? DEFAULT_BATCH_SIZE : p.intInRange(raw, 'batchSize', path, 'Batch Size', 1, MAX_BATCH_SIZE);
    const batchWaitMs = raw.batchWaitMs === undefined ? DEFAULT_BATCH_WAIT_MS : p.intInRange(raw, 'batchWaitMs', path, 'Batch wait', 0, MAX_BATCH_WAIT_MS, ' ms');
    const externalId = externalIdOf(raw, path, p, 'payload.orderId');
    const trigger: ConnectorTriggerDef = {
      type: 'connector',
      connector: typeof raw.connector === 'string' ? raw.connector : '',
      version: typeof raw.version === 'string' ? raw.version : '',
      trigger: typeof raw.trigger === 'string' ? raw.trigger : '',
      props: (isObj(props) ? props : {}) as Record<string, JsonValue>,
      batchSize: batchSize ?? DEFAULT_BATCH_SIZE,
      batchWaitMs: batchWaitMs ?? DEFAULT_BATCH_WAIT_MS,
    };
    if (raw.account !== undefined && raw.account !== null) trigger.account = raw.account as string;
    if (externalId !== undefined) trigger.externalId = externalId;

    const triggerName = p.requiredText(raw, 'trigger', path, ': the name of one of the connector\'s triggers ("Choose event")');
    const manifest = await this.connectorManifest(ctx, raw, path, p);
    const def = manifest && triggerName ? manifest.triggers.find((t) => t.name === triggerName) : undefined;
    if (manifest && triggerName && !def) {
      p.add(`${path}.trigger`, `${manifest.name}@${manifest.version} has no trigger "${triggerName}"; choose one of ${manifest.triggers.map((t) => t.name).join(', ') || '(none)'}`);
    }

    if (def?.kind === 'pooling') {
      const min = Math.max(1, def.pooling?.intervalSeconds.min ?? 1);
      if (raw.intervalSeconds === undefined) trigger.intervalSeconds = Math.max(min, def.pooling?.intervalSeconds.default ?? min);
      else if (isInt(raw.intervalSeconds) && raw.intervalSeconds >= min) trigger.intervalSeconds = raw.intervalSeconds;
      else p.add(`${path}.intervalSeconds`, `Pooling interval must be a whole number of seconds, at least ${min} for ${def.displayName} (got ${show(raw.intervalSeconds)})`);
      if (raw.includeExisting !== undefined) {
        if (typeof raw.includeExisting === 'boolean') trigger.includeExisting = raw.includeExisting;
        else p.add(`${path}.includeExisting`, `must be true or false (got ${show(raw.includeExisting)})`);
      }
    } else if (def) {
      for (const key of ['intervalSeconds', 'includeExisting'] as const) {
        if (raw[key] !== undefined) p.add(`${path}.${key}`, `only pooling triggers poll; ${def.displayName} is a ${def.kind} trigger, remove ${key}`);
      }
    }

    if (def && manifest) {
      await this.checkAccount(ctx, raw.account, `${path}.account`, manifest, def.account, def.displayName, p);
      if (isObj(props)) {
        for (const e of propsErrors(withoutStandardProps(def.props), props, new Set())) {
          const message = e.message.replace('%s', def.displayName);
          const standard = e.key === 'batchSize' || e.key === 'externalId';
          p.add(`${path}.props${e.path}`, standard && message.startsWith('is not a prop') ? `${message}; set ${path}.${e.key} instead` : message);
        }
      }
    }
    return { trigger, kind: def?.kind ?? null };
  }

  // ---- steps ---------------------------------------------------------------------------------

  private async step(ctx: Ctx, raw: unknown, path: string, p: Problems): Promise<StepDef | null> {
    if (!isObj(raw)) {
      p.add(path, `must be a step object with a name and a type (got ${show(raw)})`);
      return null;
    }
    const name = p.requiredText(raw, 'name', path, ': a unique name like fetch_order');
    if (name !== undefined && !STEP_NAME_PATTERN.test(name)) {
      p.add(`${path}.name`, `must start with a letter or _ and hold only letters, digits and _ (got ${show(name)})`);
    }
    const common: StepCommon = { name: name ?? '' };
    const timeoutMs = p.intInRange(raw, 'timeoutMs', path, 'Step timeout', 1, MAX_TIMEOUT_MS, ' ms');
    if (timeoutMs !== undefined) common.timeoutMs = timeoutMs;
    if (raw.retry !== undefined) {
      if (!isObj(raw.retry)) p.add(`${path}.retry`, `must be { "attempts": 1..10, "backoffMs": 0..${MAX_TIMEOUT_MS} } (got ${show(raw.retry)})`);
      else {
        p.unknownKeys(raw.retry, ['attempts', 'backoffMs'], `${path}.retry`, 'a retry policy');
        if (raw.retry.attempts === undefined) p.add(`${path}.retry.attempts`, 'is required');
        if (raw.retry.backoffMs === undefined) p.add(`${path}.retry.backoffMs`, 'is required');
        const attempts = p.intInRange(raw.retry, 'attempts', `${path}.retry`, 'Retry attempts', 1, 10);
        const backoffMs = p.intInRange(raw.retry, 'backoffMs', `${path}.retry`, 'Retry backoff', 0, MAX_TIMEOUT_MS, ' ms');
        if (attempts !== undefined && backoffMs !== undefined) common.retry = { attempts, backoffMs };
      }
    }
    const commonKeys = ['name', 'type', 'timeoutMs', 'retry'];
    switch (raw.type) {
      case 'action':
        return this.actionStep(ctx, raw, path, common, p);
      case 'map':
      case 'filter': {
        const field = raw.type === 'map' ? 'expression' : 'condition';
        p.unknownKeys(raw, [...commonKeys, field], path, `a ${raw.type} step`);
        const expression = p.requiredText(raw, field, path, raw.type === 'map' ? ': a JSONata expression whose result is the step output' : ': a JSONata expression; false ends the run as filtered');
        if (expression !== undefined) {
          const problem = jsonataProblem(expression);
          if (problem) p.add(`${path}.${field}`, problem);
        }
        return raw.type === 'map' ? { ...common, type: 'map', expression: expression ?? '' } : { ...common, type: 'filter', condition: expression ?? '' };
      }
      case 'code': {
        p.unknownKeys(raw, [...commonKeys, 'code'], path, 'a code step');
        const code = p.requiredText(raw, 'code', path, ': a JavaScript function body, e.g. return input.total * 2');
        if (code !== undefined) {
          const problem = codeProblem(code);
          if (problem) p.add(`${path}.code`, problem);
        }
        return { ...common, type: 'code', code: code ?? '' };
      }
      case 'http':
        return httpStep(raw, path, common, p);
      default:
        p.add(`${path}.type`, raw.type === undefined ? `is required: one of ${STEP_TYPES.join(', ')}` : `must be one of ${STEP_TYPES.join(', ')} (got ${show(raw.type)})`);
        return null;
    }
  }

  private async actionStep(ctx: Ctx, raw: Obj, path: string, common: StepCommon, p: Problems): Promise<ActionStepDef> {
    p.unknownKeys(raw, ['name', 'type', 'timeoutMs', 'retry', 'connector', 'version', 'action', 'account', 'inputs'], path, 'an action step');
    const inputs = raw.inputs === undefined ? {} : raw.inputs;
    if (!isObj(inputs)) p.add(`${path}.inputs`, `must be an object of the action's inputs (got ${show(inputs)})`);
    const step: ActionStepDef = {
      ...common,
      type: 'action',
      connector: typeof raw.connector === 'string' ? raw.connector : '',
      version: typeof raw.version === 'string' ? raw.version : '',
      action: typeof raw.action === 'string' ? raw.action : '',
      inputs: (isObj(inputs) ? inputs : {}) as Record<string, JsonValue>,
    };
    if (raw.account !== undefined && raw.account !== null) step.account = raw.account as string;
    const actionName = p.requiredText(raw, 'action', path, ": the name of one of the connector's actions");
    if (isObj(inputs)) for (const t of templateProblems(inputs as JsonValue)) p.add(`${path}.inputs${t.path}`, t.message);
    const manifest = await this.connectorManifest(ctx, raw, path, p);
    const def = manifest && actionName ? manifest.actions.find((a) => a.name === actionName) : undefined;
    if (manifest && actionName && !def) {
      p.add(`${path}.action`, `${manifest.name}@${manifest.version} has no action "${actionName}"; choose one of ${manifest.actions.map((a) => a.name).join(', ') || '(none)'}`);
    }
    if (manifest && def) {
      await this.checkAccount(ctx, raw.account, `${path}.account`, manifest, def.account, def.displayName, p);
      if (isObj(inputs)) {
        // Inputs computed from expressions are only known at run time; the literal ones are checked now.
        const computed = new Set(Object.keys(inputs).filter((k) => containsTemplate(inputs[k])));
        for (const e of propsErrors(def.props, inputs, computed)) p.add(`${path}.inputs${e.path}`, e.message.replace('%s', def.displayName));
      }
    }
    return step;
  }

  // ---- shared --------------------------------------------------------------------------------

  /** The manifest of the installed connector version the trigger/step names, with its problems reported. */
  private async connectorManifest(ctx: Ctx, raw: Obj, path: string, p: Problems): Promise<ConnectorManifest | null> {
    const connector = p.requiredText(raw, 'connector', path, ': the name of an installed connector');
    const version = p.requiredText(raw, 'version', path, ': the installed version of the connector');
    if (connector === undefined || version === undefined) return null;
    let installed = ctx.installs.get(connector);
    if (!installed) {
      installed = this.dataSource
        .getRepository(InstallEntity)
        .findOneBy({ workspaceId: ctx.workspaceId, connectorName: connector })
        .then((row) => row?.version ?? null);
      ctx.installs.set(connector, installed);
    }
    const installedVersion = await installed;
    if (installedVersion === null) {
      p.add(`${path}.connector`, `"${connector}" is not installed in this workspace; install it with POST /api/v1/installs`);
      return null;
    }
    if (installedVersion !== version) {
      p.add(`${path}.version`, `${connector} is installed at version ${installedVersion}, not ${version}; use "${installedVersion}" or change the install with PATCH /api/v1/installs/${connector}`);
      return null;
    }
    const manifest = await this.manifest(connector, version);
    if (!manifest) p.add(`${path}.version`, `${connector}@${version} is not in the registry`);
    return manifest;
  }

  private async checkAccount(ctx: Ctx, raw: unknown, path: string, manifest: ConnectorManifest, needed: string | null, owner: string, p: Problems): Promise<void> {
    if (needed === null) {
      if (raw !== undefined && raw !== null) p.add(path, `${owner} takes no account; remove it`);
      return;
    }
    if (raw === undefined || raw === null || raw === '') {
      p.add(path, `is required: ${owner} needs a ${manifest.name} "${needed}" account (create one with POST /api/v1/accounts)`);
      return;
    }
    if (typeof raw !== 'string' || !UUID.test(raw)) {
      p.add(path, `must be an account id from GET /api/v1/accounts (got ${show(raw)})`);
      return;
    }
    const account = await this.dataSource.getRepository(AccountEntity).findOneBy({ id: raw, workspaceId: ctx.workspaceId });
    if (!account) p.add(path, `account ${raw} does not exist in this workspace`);
    else if (account.connectorName !== manifest.name) p.add(path, `account "${account.name}" belongs to ${account.connectorName}, not ${manifest.name}`);
    else if (account.accountName !== needed) p.add(path, `account "${account.name}" is a "${account.accountName}" account; ${owner} needs a "${needed}" account`);
  }
}

interface Ctx {
  workspaceId: string;
  installs: Map<string, Promise<string | null>>;
}

function containsTemplate(value: unknown): boolean {
  if (typeof value === 'string') return templateExpressions(value).length > 0;
  if (Array.isArray(value)) return value.some(containsTemplate);
  if (isObj(value)) return Object.values(value).some(containsTemplate);
  return false;
}

/** The trigger's own props: Batch Size and External ID are fields of the trigger definition itself. */
function withoutStandardProps(schema: PropsSchema): PropsSchema {
  const properties: PropsSchema['properties'] = {};
  for (const [name, prop] of Object.entries(schema.properties)) if (prop['x-flowport-standard'] !== true) properties[name] = prop;
  return { ...schema, properties, required: schema.required.filter((r) => r in properties) };
}

/** ajv errors as `{ path: ".queue", key: "queue", message }`; errors under `skip` keys are dropped. */
function propsErrors(schema: JsonSchema, value: Obj, skip: Set<string>): Array<{ path: string; key: string; message: string }> {
  const text = JSON.stringify(schema);
  let validate = validators.get(text);
  if (!validate) {
    validate = ajv.compile(schema);
    validators.set(text, validate);
  }
  if (validate(structuredClone(value))) return [];
  const out: Array<{ path: string; key: string; message: string }> = [];
  for (const e of validate.errors ?? []) {
    const segments = e.instancePath.split('/').filter(Boolean).map(unescapePointer);
    if (e.keyword === 'required') segments.push((e.params as { missingProperty: string }).missingProperty);
    if (e.keyword === 'additionalProperties') segments.push((e.params as { additionalProperty: string }).additionalProperty);
    if (segments.length > 0 && skip.has(segments[0]) && e.keyword !== 'additionalProperties') continue;
    out.push({ path: segments.map((s) => (/^\d+$/.test(s) ? `[${s}]` : `.${s}`)).join(''), key: segments[0] ?? '', message: ajvMessage(e) });
  }
  return out;
}

const unescapePointer = (s: string) => s.replace(/~1/g, '/').replace(/~0/g, '~');

function ajvMessage(e: ErrorObject): string {
  switch (e.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not a prop of %s';
    case 'enum':
      return `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return e.message ?? 'is invalid';
  }
}

/** A trigger's optional External ID: JSONata as text; empty or null = none. */
function externalIdOf(raw: Obj, path: string, p: Problems, example: string): string | undefined {
  const value = raw.externalId;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    p.add(`${path}.externalId`, `External ID must be a JSONata expression as text, e.g. ${example} (got ${show(value)})`);
    return undefined;
  }
  if (value.trim() === '') return undefined;
  const problem = jsonataProblem(value);
  if (problem) p.add(`${path}.externalId`, `External ID ${problem}`);
  return value;
}

function schemaProblem(schema: unknown): string | null {
  if (!isObj(schema)) return `must be a JSON Schema object (got ${show(schema)})`;
  try {
    // Checked against the meta-schema only: compiling a user's schema would generate code on
    // the host and would register its $id in the shared instance.
    if (!ajv.validateSchema(schema)) return `is not a valid JSON Schema (draft 2020-12): ${ajv.errorsText(ajv.errors, { dataVar: 'inputSchema' })}`;
    return null;
  } catch (err) {
    return `is not a valid JSON Schema (draft 2020-12): ${(err as Error).message}`;
  }
}

function scheduleTrigger(raw: Obj, p: Problems): TriggerDef {
  const path = 'trigger';
  p.unknownKeys(raw, ['type', 'cron', 'timezone', 'at'], path, 'a schedule trigger');
  const trigger: TriggerDef = { type: 'schedule' };
  const hasCron = raw.cron !== undefined && raw.cron !== '';
  const hasAt = raw.at !== undefined && raw.at !== '';
  if (!hasCron && !hasAt) {
    p.add(`${path}.cron`, 'is required: a cron expression like "0 9 * * 1-5", or one ISO date-time in trigger.at for a single run');
    return trigger;
  }
  if (hasCron && hasAt) p.add(`${path}.at`, 'give either cron (repeating) or at (one run), not both');
  let zoneOk = true;
  if (raw.timezone !== undefined) {
    if (typeof raw.timezone !== 'string' || !isTimeZone(raw.timezone)) {
      zoneOk = false;
      p.add(`${path}.timezone`, `must be an IANA time zone such as Europe/Paris or UTC (got ${show(raw.timezone)})`);
    } else if (!hasCron) {
      p.add(`${path}.timezone`, 'applies to cron only; write the offset into trigger.at instead (e.g. 2026-12-01T09:00:00+01:00)');
    } else trigger.timezone = raw.timezone;
  }
  if (hasCron) {
    if (typeof raw.cron !== 'string') p.add(`${path}.cron`, `must be a cron expression as text (got ${show(raw.cron)})`);
    else {
      trigger.cron = raw.cron;
      const problem = cronProblem(raw.cron, zoneOk ? (raw.timezone as string | undefined) : undefined);
      if (problem) p.add(`${path}.cron`, problem);
    }
  }
  if (hasAt) {
    const at = raw.at;
    if (typeof at !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(at) || Number.isNaN(Date.parse(at))) {
      p.add(`${path}.at`, `must be an ISO date-time with an offset, like 2026-12-01T09:00:00Z (got ${show(at)})`);
    } else {
      trigger.at = at;
      if (Date.parse(at) <= Date.now()) p.add(`${path}.at`, `${at} is in the past; a one-time schedule needs a future time`);
    }
  }
  return trigger;
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function cronProblem(cron: string, timezone: string | undefined): string | null {
  let job: Cron | undefined;
  try {
    job = new Cron(cron, { timezone, paused: true });
    if (job.nextRun() === null) return `"${cron}" never fires: no date matches it`;
    return null;
  } catch (err) {
    return `"${cron}" is not a valid cron expression: ${(err as Error).message.replace(/^Cron\w*:\s*/, '')} (use 5 fields "minute hour day month weekday", or 6 with seconds first)`;
  } finally {
    job?.stop();
  }
}

function httpStep(raw: Obj, path: string, common: StepCommon, p: Problems): HttpStepDef {
  p.unknownKeys(raw, ['name', 'type', 'timeoutMs', 'retry', 'request'], path, 'an http step');
  const step: HttpStepDef = { ...common, type: 'http', request: { method: 'GET', url: '' } };
  const req = raw.request;
  if (!isObj(req)) {
    p.add(`${path}.request`, `is required: { "method": "GET", "url": "https://..." } (got ${show(req)})`);
    return step;
  }
  const rp = `${path}.request`;
  p.unknownKeys(req, ['method', 'url', 'headers', 'body'], rp, 'an http request');
  const method = typeof req.method === 'string' ? req.method.toUpperCase() : req.method;
  if (typeof method !== 'string' || !(HTTP_METHODS as readonly string[]).includes(method)) {
    p.add(`${rp}.method`, `must be one of ${HTTP_METHODS.join(', ')} (got ${show(req.method)})`);
  } else step.request.method = method;
  if (typeof req.url !== 'string' || req.url.trim() === '') {
    p.add(`${rp}.url`, req.url === undefined ? 'is required' : `must be a URL as text, may hold {{ expressions }} (got ${show(req.url)})`);
  } else {
    step.request.url = req.url;
    if (templateExpressions(req.url).length === 0 && !isHttpUrl(req.url)) p.add(`${rp}.url`, `must be an http or https URL (got ${show(req.url)})`);
    for (const t of templateProblems(req.url)) p.add(`${rp}.url`, t.message);
  }
  if (req.headers !== undefined) {
    if (!isObj(req.headers)) p.add(`${rp}.headers`, `must be an object of header names to values (got ${show(req.headers)})`);
    else {
      step.request.headers = req.headers as Record<string, JsonValue>;
      for (const t of templateProblems(req.headers as JsonValue)) p.add(`${rp}.headers${t.path}`, t.message);
    }
  }
  if (req.body !== undefined) {
    step.request.body = req.body as JsonValue;
    for (const t of templateProblems(req.body as JsonValue)) p.add(`${rp}.body${t.path}`, t.message);
  }
  return step;
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
