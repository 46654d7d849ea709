import { allowedHostsForCall, type ConnectorManifest, type GuestOp, type JsonValue } from '@flowport/connector-sdk';
import type { CallCapabilities } from '@flowport/sandbox';

/** One connector call as the platform grants it capabilities: the op, its target and the values the guest receives. */
export type CapabilityCall = {
  op: GuestOp;
  target?: string;
  /** Decrypted account values (`input.account`), or null when the call has no account. */
  account: Record<string, JsonValue> | null;
  /** The op's props (`input.props`). */
  props?: Record<string, JsonValue>;
};

/**
 * What a connector call may use on the host besides `log`: its allowed hosts (the manifest's
 * plus those its URL fields grant) and host capabilities such as `sql`. Implemented by the
 * runtime's HostCapabilities (@flowport/runtime); the platform provides it under
 * CONNECTOR_CAPABILITIES so the store's account Test gets exactly what runtime calls get,
 * while the store does not depend on the runtime.
 */
export interface ConnectorCapabilities {
  forCall(manifest: ConnectorManifest, call: CapabilityCall): CallCapabilities;
}

export const CONNECTOR_CAPABILITIES = Symbol('CONNECTOR_CAPABILITIES');

/**
 * Without a provider (a store used on its own, e.g. in its tests): hosts only, no `sql`. The
 * account check never gets a durable store (nothing to keep between checks).
 */
export const hostOnlyCapabilities: ConnectorCapabilities = {
  forCall: (manifest, call) => ({ allowedHosts: allowedHostsForCall(manifest, call) }),
};

/** The capabilities of `account.validate` for one account's values. */
export function accountTestCapabilities(
  manifest: ConnectorManifest,
  accountName: string,
  values: Record<string, JsonValue>,
  provider: ConnectorCapabilities = hostOnlyCapabilities,
): CallCapabilities {
  return provider.forCall(manifest, { op: 'account.validate', target: accountName, account: values });
}
