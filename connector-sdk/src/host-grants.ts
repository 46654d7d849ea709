/**
 * Host grants: which hosts one connector call may reach through `ctx.http`. The manifest's
 * `allowedHosts` are fixed at build time; a prop marked `"x-flowport-host": true` (the SDK's
 * `grantsHost` option) adds the host of its URL value, for the call that carries that value
 * (the account's custom endpoint, a request URL the flow author typed). The platform (runtime
 * calls, the store's account Test, the Studio) and `flowport connector test` use these functions
 * so every op grants the same hosts; the sandbox's SSRF guard still applies to them.
 */
import { HOST_GRANT_KEYWORD } from './props';
import type { ConnectorManifest, GuestOp, JsonSchema, PropsSchema } from './types';

/** The call whose hosts are wanted: the op, its target and the values the guest receives. */
export type HostGrantCall = {
  op: GuestOp;
  /** Action or trigger name, account name for `account.validate`, `<action|trigger>:<name>:<prop>` for `props.options`. */
  target?: string;
  /** Account values (`input.account`). */
  account?: Record<string, unknown> | null;
  /** Props (`input.props`). */
  props?: Record<string, unknown> | null;
};

/** Names of the props whose values grant hosts. */
export function hostGrantFields(schema: PropsSchema | JsonSchema | undefined): string[] {
  const properties = schema && typeof schema.properties === 'object' && schema.properties !== null && !Array.isArray(schema.properties) ? (schema.properties as Record<string, unknown>) : {};
  return Object.entries(properties)
    .filter(([, prop]) => typeof prop === 'object' && prop !== null && (prop as JsonSchema)[HOST_GRANT_KEYWORD] === true && (prop as JsonSchema).type === 'string')
    .map(([name]) => name);
}

/**
 * The host of an http(s) URL, lowercase and without IPv6 brackets; undefined for anything else
 * (the connector's own checks report a malformed URL). A host with `*` is never a grant: a grant
 * is one host, not a wildcard.
 */
export function grantableHost(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  const host = url.hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.+$/, '');
  if (host === '' || host.includes('*')) return undefined;
  return host;
}

/** The account and props schemas a call's values belong to. */
function schemasOf(manifest: ConnectorManifest, call: HostGrantCall): { account?: PropsSchema; props?: PropsSchema } {
  const accountNamed = (name: string | null | undefined) => (name ? manifest.accounts.find((a) => a.name === name)?.props : undefined);
  const owner = (kind: 'action' | 'trigger', name: string | undefined) => {
    const found = kind === 'action' ? manifest.actions.find((a) => a.name === name) : manifest.triggers.find((t) => t.name === name);
    return found ? { account: accountNamed(found.account), props: found.props } : {};
  };
  switch (call.op) {
    case 'action.run':
      return owner('action', call.target);
    case 'account.validate':
      return { account: accountNamed(call.target) };
    case 'props.options': {
      const [kind, name] = (call.target ?? '').split(':');
      return kind === 'action' || kind === 'trigger' ? owner(kind, name) : {};
    }
    default:
      return owner('trigger', call.target);
  }
}

/** Hosts the call's own values grant (without the manifest's allowedHosts). */
export function grantedHosts(manifest: ConnectorManifest, call: HostGrantCall): string[] {
  const { account, props } = schemasOf(manifest, call);
  const hosts = new Set<string>();
  const add = (schema: PropsSchema | undefined, values: Record<string, unknown> | null | undefined) => {
    for (const field of hostGrantFields(schema)) {
      const given = values?.[field];
      // The guest falls back to the prop's default when no value is given; so does the grant.
      const value = given === undefined || given === null || given === '' ? schema!.properties[field].default : given;
      const host = grantableHost(value);
      if (host) hosts.add(host);
    }
  };
  add(account, call.account);
  add(props, call.props);
  return [...hosts];
}

/** Everything `ctx.http` may reach in this call: the manifest's allowedHosts plus the granted hosts. */
export function allowedHostsForCall(manifest: ConnectorManifest, call: HostGrantCall): string[] {
  return [...new Set([...(manifest.allowedHosts ?? []), ...grantedHosts(manifest, call)])];
}
