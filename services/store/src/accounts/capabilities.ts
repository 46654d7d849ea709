import type { ConnectorManifest } from '@flowport/connector-sdk';
import type { CallCapabilities } from '@flowport/sandbox';

/**
 * An account check may reach only the hosts its connector declares; it gets no durable store
 * (nothing to keep between checks).
 */
export function accountTestCapabilities(manifest: ConnectorManifest): CallCapabilities {
  return { allowedHosts: manifest.allowedHosts };
}
