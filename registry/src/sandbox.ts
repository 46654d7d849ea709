import type { SandboxPool } from '@flowport/sandbox';

/**
 * What the registry and store use of `@flowport/sandbox` (docs/contracts.md section 1).
 * Injected through CONNECTOR_SANDBOX so one pool serves the whole process.
 */
export type ConnectorSandbox = Pick<SandboxPool, 'loadManifest' | 'call'>;

export const CONNECTOR_SANDBOX = Symbol('CONNECTOR_SANDBOX');
