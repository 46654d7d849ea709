/**
 * `defineConnector` assembles the manifest and the guest `invoke` dispatcher that the sandbox
 * calls for every op in docs/contracts.md section 1.
 */
import type { AnyAccount } from './account';
import type { AnyAction } from './action';
import { NAME_PATTERN, checkText } from './names';
import { HOST_GRANT_KEYWORD, resolveProps, type AnyProp, type PropsMap } from './props';
import type { AnyTrigger } from './trigger';
import { SDK_VERSION } from './version';
import type {
  Capability,
  ConnectorManifest,
  GuestContext,
  GuestExports,
  GuestOp,
  GuestRequest,
  JsonValue,
  PropsSchema,
  StreamMessage,
  WebhookRequest,
} from './types';
import { GUEST_OPS } from './types';

export interface ConnectorInput {
  /** Lowercase slug, unique in the registry, e.g. "amazon-sqs". */
  name: string;
  /** Semantic version of this connector release, e.g. "1.2.0". */
  version: string;
  displayName: string;
  description?: string;
  /** URL or data: URI of a square icon. */
  icon?: string;
  categories?: string[];
  /** Accounts; those referenced by actions and triggers are added automatically. */
  accounts?: AnyAccount[];
  actions?: AnyAction[];
  triggers?: AnyTrigger[];
  /** Host capabilities the connector uses. Default: log, plus http when allowedHosts is set or a prop grants a host, plus store for pooling triggers. */
  capabilities?: Capability[];
  /**
   * Hosts `ctx.http` may reach (exact names or "*.example.com"). Hosts known only at run time (an
   * account's custom endpoint, a URL prop) are granted per call by props with `grantsHost: true`.
   */
  allowedHosts?: string[];
}

export interface ConnectorDefinition extends GuestExports {
  readonly type: 'connector';
  readonly accounts: readonly AnyAccount[];
  readonly actions: readonly AnyAction[];
  readonly triggers: readonly AnyTrigger[];
}

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;
export { SEMVER as SEMVER_PATTERN };
const CAPABILITIES: readonly Capability[] = ['http', 'store', 'log', 'sql', 'amqp', 'kafka'];

export class InvokeError extends Error {
  override name = 'InvokeError';
}

function uniqueNames(kind: string, items: readonly { name: string }[]): void {
  const seen = new Set<string>();
  for (const item of items) {
    if (seen.has(item.name)) throw new Error(`Connector has two ${kind}s named "${item.name}"; ${kind} names must be unique`);
    seen.add(item.name);
  }
}

/** Values leave the guest as plain JSON: Dates become strings, undefined fields disappear. */
function toJson(value: unknown): JsonValue {
  if (value === undefined) return null;
  return JSON.parse(JSON.stringify(value)) as JsonValue;
}

function asObject(value: unknown, what: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new InvokeError(`${what} must be an object`);
  return value as Record<string, unknown>;
}

/**
 * The props of one account, action or trigger that grant their URL's host (`"x-flowport-host":
 * true`, the `grantsHost` option), as `<owner> prop "<name>"`. Throws for a keyword on anything
 * but a text prop, or with a value other than true: the platform reads the host from a URL string.
 */
function hostGrantProps(connector: string, where: string, props: PropsSchema): string[] {
  const found: string[] = [];
  for (const [name, schema] of Object.entries(props.properties)) {
    if (!(HOST_GRANT_KEYWORD in schema)) continue;
    const value = schema[HOST_GRANT_KEYWORD];
    if (value !== true) {
      throw new Error(`${connector}: prop "${name}" of ${where} has "${HOST_GRANT_KEYWORD}": ${JSON.stringify(value)}; it must be true (grantsHost: true) or left out`);
    }
    if (schema.type !== 'string') {
      const kind = typeof schema['x-flowport-kind'] === 'string' ? `a ${schema['x-flowport-kind']} prop` : `a prop of type ${JSON.stringify(schema.type ?? 'any')}`;
      throw new Error(`${connector}: prop "${name}" of ${where} grants a host but is ${kind}; grantsHost works only on text props (ShortText, LongText, Secret) holding a URL`);
    }
    found.push(`prop "${name}" of ${where}`);
  }
  return found;
}

function listNames(items: readonly { name: string }[]): string {
  return items.length === 0 ? '(none)' : items.map((i) => i.name).join(', ');
}

export function defineConnector(def: ConnectorInput): ConnectorDefinition {
  if (!def || typeof def.name !== 'string' || !NAME_PATTERN.test(def.name)) {
    throw new Error(`Connector name ${JSON.stringify(def?.name)} is invalid: use a lowercase slug like "amazon-sqs"`);
  }
  const owner = `Connector "${def.name}"`;
  if (typeof def.version !== 'string' || !SEMVER.test(def.version)) {
    throw new Error(`${owner}: version ${JSON.stringify(def.version)} is not a semantic version like 1.0.0`);
  }
  checkText(owner, 'displayName', def.displayName);
  const actions = [...(def.actions ?? [])];
  const triggers = [...(def.triggers ?? [])];
  for (const a of actions) if (a?.type !== 'action') throw new Error(`${owner}: actions must be made with defineAction()`);
  for (const t of triggers) if (t?.type !== 'trigger') throw new Error(`${owner}: triggers must be made with defineTrigger()`);
  uniqueNames('action', actions);
  uniqueNames('trigger', triggers);

  const accounts: AnyAccount[] = [];
  const addAccount = (account: AnyAccount | undefined) => {
    if (!account) return;
    const existing = accounts.find((a) => a.name === account.name);
    if (existing && existing !== account) throw new Error(`${owner} has two different accounts named "${account.name}"; account names must be unique`);
    if (!existing) accounts.push(account);
  };
  for (const a of def.accounts ?? []) addAccount(a);
  for (const a of actions) addAccount(a.account);
  for (const t of triggers) addAccount(t.account);

  const allowedHosts = [...(def.allowedHosts ?? [])];
  const hostGrants = [
    ...accounts.flatMap((a) => hostGrantProps(owner, `account "${a.name}"`, a.manifest.props)),
    ...actions.flatMap((a) => hostGrantProps(owner, `action "${a.name}"`, a.manifest.props)),
    ...triggers.flatMap((t) => hostGrantProps(owner, `trigger "${t.name}"`, t.manifest.props)),
  ];
  let capabilities: Capability[];
  if (def.capabilities) {
    for (const c of def.capabilities) {
      if (!CAPABILITIES.includes(c)) throw new Error(`${owner}: unknown capability "${c}"; use ${CAPABILITIES.join(', ')}`);
    }
    capabilities = [...new Set(def.capabilities)];
    if (triggers.some((t) => t.kind === 'pooling') && !capabilities.includes('store')) {
      throw new Error(`${owner}: pooling triggers keep their cursor in ctx.store; add "store" to capabilities`);
    }
    if (hostGrants.length > 0 && !capabilities.includes('http')) {
      throw new Error(`${owner}: ${hostGrants[0]} grants a host to ctx.http (grantsHost) but the capabilities leave out "http"; add "http" to capabilities`);
    }
  } else {
    capabilities = ['log'];
    if (allowedHosts.length > 0 || hostGrants.length > 0) capabilities.push('http');
    if (triggers.some((t) => t.kind === 'pooling')) capabilities.push('store');
  }

  const manifest: ConnectorManifest = {
    manifestVersion: 1,
    name: def.name,
    version: def.version,
    displayName: def.displayName,
    description: def.description ?? '',
    icon: def.icon ?? '',
    categories: [...(def.categories ?? [])],
    accounts: accounts.map((a) => a.manifest),
    actions: actions.map((a) => a.manifest),
    triggers: triggers.map((t) => t.manifest),
    capabilities,
    allowedHosts,
    sdkVersion: SDK_VERSION,
  };
  // A plain JSON copy, so the bundle's manifest and manifest.json are identical by construction.
  const frozenManifest = JSON.parse(JSON.stringify(manifest)) as ConnectorManifest;

  const findAction = (name: string | undefined) => {
    const action = actions.find((a) => a.name === name);
    if (!action) throw new InvokeError(`unknown action ${JSON.stringify(name)}; available: ${listNames(actions)}`);
    return action;
  };
  const findTrigger = (name: string | undefined, kind?: AnyTrigger['kind']) => {
    const trigger = triggers.find((t) => t.name === name);
    if (!trigger) throw new InvokeError(`unknown trigger ${JSON.stringify(name)}; available: ${listNames(triggers)}`);
    if (kind && trigger.kind !== kind) {
      throw new InvokeError(`trigger "${trigger.name}" is a ${trigger.kind} trigger; this op needs a ${kind} trigger`);
    }
    return trigger;
  };
  const resolveAccount = (account: AnyAccount | undefined, input: unknown) => (account ? account.resolve(input) : undefined);

  async function invoke(request: GuestRequest, ctx: GuestContext): Promise<unknown> {
    if (!request || typeof request !== 'object') throw new InvokeError('invoke needs a request { op, target, input }');
    const { op, target } = request;
    const input = asObject(request.input, `${op} input`);
    const caps = { http: ctx?.http, store: ctx?.store, log: ctx?.log, sql: ctx?.sql, amqp: ctx?.amqp, kafka: ctx?.kafka } as GuestContext;
    switch (op as GuestOp) {
      case 'action.run': {
        const action = findAction(target);
        const props = resolveProps(action.props, input.props, `Action "${action.name}"`);
        const account = resolveAccount(action.account, input.account);
        return toJson(await action.run({ ...caps, props, account }));
      }
      case 'trigger.poll': {
        const trigger = findTrigger(target, 'pooling');
        if (trigger.kind !== 'pooling') throw new InvokeError('unreachable');
        const props = resolveProps(trigger.props, input.props, `Trigger "${trigger.name}"`);
        const account = resolveAccount(trigger.account, input.account);
        const lastPollAt = typeof input.lastPollAt === 'string' ? input.lastPollAt : null;
        const items = await trigger.poll({ ...caps, props, account, lastPollAt });
        if (!Array.isArray(items)) throw new InvokeError(`Trigger "${trigger.name}": poll(ctx) must return an array of items`);
        return { items: toJson(items) };
      }
      case 'trigger.map': {
        const trigger = findTrigger(target, 'stream');
        if (trigger.kind !== 'stream') throw new InvokeError('unreachable');
        const props = resolveProps(trigger.props, input.props, `Trigger "${trigger.name}"`);
        const account = resolveAccount(trigger.account, input.account);
        const message = asObject(input.message, 'trigger.map input.message') as unknown as StreamMessage;
        const result = await trigger.map(message, { ...caps, props, account });
        if (!result || typeof result !== 'object' || !('payload' in result)) {
          throw new InvokeError(`Trigger "${trigger.name}": map(message, ctx) must return { payload, labels? }`);
        }
        const out: { payload: JsonValue; labels?: JsonValue } = { payload: toJson(result.payload) };
        if (result.labels !== undefined) out.labels = toJson(result.labels);
        return out;
      }
      case 'trigger.config': {
        const trigger = findTrigger(target, 'stream');
        if (trigger.kind !== 'stream') throw new InvokeError('unreachable');
        const props = resolveProps(trigger.props, input.props, `Trigger "${trigger.name}"`);
        const account = resolveAccount(trigger.account, input.account);
        return toJson(await trigger.config({ ...caps, props, account }));
      }
      case 'trigger.test': {
        const trigger = findTrigger(target);
        const props = resolveProps(trigger.props, input.props, `Trigger "${trigger.name}"`);
        const account = resolveAccount(trigger.account, input.account);
        if (!trigger.test) return trigger.manifest.sampleData === undefined ? [] : [trigger.manifest.sampleData];
        const items = await trigger.test({ ...caps, props, account });
        if (!Array.isArray(items)) throw new InvokeError(`Trigger "${trigger.name}": test(ctx) must return an array of items`);
        return toJson(items);
      }
      case 'trigger.webhook': {
        const trigger = findTrigger(target, 'webhook');
        if (trigger.kind !== 'webhook') throw new InvokeError('unreachable');
        const props = resolveProps(trigger.props, input.props, `Trigger "${trigger.name}"`);
        const account = resolveAccount(trigger.account, input.account);
        const req = asObject(input.request, 'trigger.webhook input.request') as unknown as WebhookRequest;
        const result = await trigger.handle(req, { ...caps, props, account });
        const payloads = result === undefined || result === null ? [] : Array.isArray(result) ? result : [result];
        return { payloads: toJson(payloads) };
      }
      case 'account.validate': {
        const account = accounts.find((a) => a.name === target);
        if (!account) throw new InvokeError(`unknown account ${JSON.stringify(target)}; available: ${listNames(accounts)}`);
        const values = account.resolve(input.account);
        if (!account.validate) return { ok: true };
        const result = await account.validate({ ...caps, account: values });
        if (result === false) throw new InvokeError(`Account "${account.displayName}": the credentials were rejected`);
        if (result && typeof result === 'object' && result.ok === false) {
          throw new InvokeError(`Account "${account.displayName}": ${result.message}`);
        }
        return { ok: true };
      }
      case 'props.options': {
        const [kind, name, propName, ...rest] = (target ?? '').split(':');
        if ((kind !== 'action' && kind !== 'trigger') || !name || !propName || rest.length > 0) {
          throw new InvokeError(`props.options target must be "<action|trigger>:<name>:<prop>" (got ${JSON.stringify(target)})`);
        }
        const owner = kind === 'action' ? findAction(name) : findTrigger(name);
        const prop = (owner.props as PropsMap)[propName] as AnyProp | undefined;
        if (!prop) throw new InvokeError(`${kind} "${name}" has no prop "${propName}"; props: ${Object.keys(owner.props).join(', ')}`);
        if (!prop.loadOptions) throw new InvokeError(`prop "${propName}" of ${kind} "${name}" is not a dynamic select; its options are in the manifest`);
        // The user is still filling the form: pass what is there, unchecked, rather than failing on required props.
        const account = owner.account ? owner.account.resolve(input.account) : undefined;
        const options = await prop.loadOptions({ ...caps, props: asObject(input.props, 'props') as Record<string, JsonValue>, account: account as never });
        if (!Array.isArray(options)) throw new InvokeError(`prop "${propName}": options(ctx) must return [{ label, value }]`);
        return toJson(options.map((o) => ({ label: String(o.label), value: o.value })));
      }
      default:
        throw new InvokeError(`unknown op ${JSON.stringify(op)}; available: ${GUEST_OPS.join(', ')}`);
    }
  }

  return {
    type: 'connector',
    manifest: frozenManifest,
    invoke,
    accounts,
    actions,
    triggers,
  };
}

/** True for what `defineConnector` returns (also across bundle realms). */
export function isConnectorDefinition(value: unknown): value is ConnectorDefinition {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { type?: unknown }).type === 'connector' &&
    typeof (value as { invoke?: unknown }).invoke === 'function' &&
    typeof (value as { manifest?: unknown }).manifest === 'object'
  );
}

/**
 * Sets `globalThis.__flowport__` from a connector module's exports. The build's entry calls it;
 * it is the only global a bundle creates.
 */
export function exposeConnector(moduleExports: Record<string, unknown>): GuestExports {
  const candidates = [moduleExports.default, ...Object.values(moduleExports)].filter(isConnectorDefinition);
  const found = [...new Set(candidates)];
  if (found.length === 0) {
    throw new Error('src/index.ts must export the connector: export default defineConnector({ ... })');
  }
  if (found.length > 1) throw new Error('src/index.ts exports more than one connector; export exactly one defineConnector({ ... })');
  const connector = found[0];
  const exports: GuestExports = { manifest: connector.manifest, invoke: connector.invoke };
  (globalThis as { __flowport__?: GuestExports }).__flowport__ = exports;
  return exports;
}
