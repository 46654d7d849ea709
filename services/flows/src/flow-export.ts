import type { ConnectorManifest, JsonSchema, JsonValue } from '@flowport/connector-sdk';
import type { ErrorDetail } from '@flowport/core';
import type { FlowDefinition } from './definition/flow-definition';

export const FLOW_EXPORT_FORMAT = 'flowport.flow/v1';

/** The portable JSON of a flow: no secrets, no account ids. */
export interface FlowExportDocument {
  format: typeof FLOW_EXPORT_FORMAT;
  exportedAt: string;
  name: string;
  description: string;
  /** The published version exported, or null for the draft. */
  sourceVersion: number | null;
  /** Account fields hold placeholder names listed in `accounts`; secret values are removed. */
  definition: FlowDefinition;
  connectors: Array<{ connector: string; version: string }>;
  /** Each placeholder must be given an account id of this workspace on import. */
  accounts: Array<{ placeholder: string; connector: string; account: string; usedBy: string[] }>;
  /** Paths whose secret values were removed; import takes them in `secrets`. */
  secrets: Array<{ path: string; description: string }>;
}

type ManifestOf = (connector: string, version: string) => Promise<ConnectorManifest | null>;

// Header names whose literal values are credentials rather than configuration.
const SECRET_HEADER = /^(authorization|proxy-authorization|cookie|x-api-key|api-key|apikey)$|token|secret|password/i;

function isSecretProp(schema: JsonSchema | undefined): boolean {
  return !!schema && (schema.writeOnly === true || schema['x-flowport-kind'] === 'secret' || schema.format === 'password');
}

const isExpression = (v: JsonValue | undefined) => typeof v === 'string' && /\{\{[\s\S]*?\}\}/.test(v);

/** Builds the export: accounts become placeholders (one per distinct account), secrets are cut out. */
export async function exportFlow(
  flow: { name: string; description: string },
  source: FlowDefinition,
  sourceVersion: number | null,
  manifestOf: ManifestOf,
  accountsById: Map<string, { connector: string; account: string }>,
): Promise<FlowExportDocument> {
  const definition = structuredClone(source);
  const placeholders = new Map<string, FlowExportDocument['accounts'][number]>();
  const secrets: FlowExportDocument['secrets'] = [];
  const connectors = new Map<string, string>();

  const placeholderFor = (accountId: string, connector: string, usedBy: string): string => {
    let entry = placeholders.get(accountId);
    if (!entry) {
      const known = accountsById.get(accountId);
      entry = { placeholder: `account_${placeholders.size + 1}`, connector, account: known?.account ?? '', usedBy: [] };
      placeholders.set(accountId, entry);
    }
    entry.usedBy.push(usedBy);
    return entry.placeholder;
  };
  const cutSecrets = (values: Record<string, JsonValue>, schema: JsonSchema | undefined, path: string) => {
    const properties = (schema?.properties ?? {}) as Record<string, JsonSchema>;
    for (const [key, value] of Object.entries(values)) {
      if (isSecretProp(properties[key]) && !isExpression(value)) {
        delete values[key];
        secrets.push({ path: `${path}.${key}`, description: String(properties[key].title ?? key) });
      }
    }
  };

  const t = definition.trigger;
  if (t.type === 'connector') {
    connectors.set(t.connector, t.version);
    if (t.account) t.account = placeholderFor(t.account, t.connector, 'trigger');
    const manifest = await manifestOf(t.connector, t.version);
    cutSecrets(t.props, manifest?.triggers.find((x) => x.name === t.trigger)?.props, 'trigger.props');
  }
  for (const [i, step] of definition.steps.entries()) {
    if (step.type === 'action') {
      connectors.set(step.connector, step.version);
      if (step.account) step.account = placeholderFor(step.account, step.connector, `steps[${i}]`);
      const manifest = await manifestOf(step.connector, step.version);
      cutSecrets(step.inputs, manifest?.actions.find((a) => a.name === step.action)?.props, `steps[${i}].inputs`);
    } else if (step.type === 'http' && step.request.headers) {
      for (const [name, value] of Object.entries(step.request.headers)) {
        if (SECRET_HEADER.test(name) && !isExpression(value)) {
          delete step.request.headers[name];
          secrets.push({ path: `steps[${i}].request.headers.${name}`, description: `${name} header` });
        }
      }
    }
  }
  return {
    format: FLOW_EXPORT_FORMAT,
    exportedAt: new Date().toISOString(),
    name: flow.name,
    description: flow.description,
    sourceVersion,
    definition,
    connectors: [...connectors].map(([connector, version]) => ({ connector, version })),
    accounts: [...placeholders.values()],
    secrets,
  };
}

/**
 * Turns an export back into a definition for this workspace: placeholders become the given
 * account ids and removed secrets are filled in. Returns the problems instead when any is missing.
 */
export function resolveImport(
  doc: unknown,
  accounts: Record<string, unknown>,
  secretValues: Record<string, unknown>,
): { definition?: { trigger: unknown; steps: unknown }; name?: string; description?: string; problems: ErrorDetail[] } {
  const problems: ErrorDetail[] = [];
  const d = doc as Partial<FlowExportDocument> | null;
  if (!d || typeof d !== 'object' || d.format !== FLOW_EXPORT_FORMAT) {
    problems.push({ path: 'flow.format', message: `must be "${FLOW_EXPORT_FORMAT}": pass the JSON from GET /api/v1/flows/{id}/export unchanged` });
    return { problems };
  }
  if (!d.definition || typeof d.definition !== 'object') {
    problems.push({ path: 'flow.definition', message: 'is required' });
    return { problems };
  }
  const definition = structuredClone(d.definition) as unknown as { trigger: Record<string, unknown>; steps: Array<Record<string, unknown>> };
  const mapping = new Map<string, string>();
  for (const entry of Array.isArray(d.accounts) ? d.accounts : []) {
    const id = accounts[entry.placeholder];
    if (typeof id !== 'string' || id === '') {
      problems.push({
        path: `accounts.${entry.placeholder}`,
        message: `is required: the id of a ${entry.connector} "${entry.account}" account in this workspace (used by ${entry.usedBy.join(', ')})`,
      });
    } else mapping.set(entry.placeholder, id);
  }
  for (const key of Object.keys(accounts)) {
    if (!(d.accounts ?? []).some((a) => a.placeholder === key)) problems.push({ path: `accounts.${key}`, message: 'is not an account placeholder of this export' });
  }
  const swap = (holder: Record<string, unknown> | undefined) => {
    if (holder && typeof holder.account === 'string' && mapping.has(holder.account)) holder.account = mapping.get(holder.account);
  };
  swap(definition.trigger);
  if (Array.isArray(definition.steps)) definition.steps.forEach((s) => swap(s));

  const listed = new Set((Array.isArray(d.secrets) ? d.secrets : []).map((s) => s.path));
  for (const path of listed) {
    if (!(path in secretValues)) problems.push({ path: `secrets["${path}"]`, message: 'is required: this secret was removed from the export' });
  }
  for (const [path, value] of Object.entries(secretValues)) {
    if (!listed.has(path)) {
      problems.push({ path: `secrets["${path}"]`, message: 'is not a secret removed from this export' });
      continue;
    }
    const target = secretTarget(definition, path);
    if (!target) problems.push({ path: `secrets["${path}"]`, message: 'does not point into the definition' });
    else target.holder[target.key] = value;
  }
  return { definition, name: d.name, description: d.description, problems };
}

const SECRET_PATH = /^(?:trigger\.props|steps\[(\d+)\]\.(inputs|request\.headers))\.(.+)$/;

function secretTarget(def: { trigger: Record<string, unknown>; steps: Array<Record<string, unknown>> }, path: string): { holder: Record<string, unknown>; key: string } | null {
  const m = SECRET_PATH.exec(path);
  if (!m) return null;
  const obj = (v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null);
  if (m[1] === undefined) {
    const props = obj(def.trigger?.props) ?? {};
    if (def.trigger) def.trigger.props = props;
    return { holder: props, key: m[3] };
  }
  const step = Array.isArray(def.steps) ? obj(def.steps[Number(m[1])]) : null;
  if (!step) return null;
  if (m[2] === 'inputs') {
    const inputs = obj(step.inputs) ?? {};
    step.inputs = inputs;
    return { holder: inputs, key: m[3] };
  }
  const request = obj(step.request);
  if (!request) return null;
  const headers = obj(request.headers) ?? {};
  request.headers = headers;
  return { holder: headers, key: m[3] };
}
