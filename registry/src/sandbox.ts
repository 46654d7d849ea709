import type { ConnectorManifest, JsonValue } from '@flowport/connector-sdk';

/** A bundle as the sandbox loads it: the script and its integrity (the cache key). */
export interface SandboxBundle {
  code: string;
  integrity: string;
}

export interface SandboxCallResult {
  ok: boolean;
  output?: unknown;
  error?: { name?: string; message: string; stack?: string };
  logs?: unknown[];
}

/**
 * What the registry and store need from `@flowport/sandbox` (docs/contracts.md section 1).
 * Injected through CONNECTOR_SANDBOX so one pool serves the whole process.
 */
export interface ConnectorSandbox {
  loadManifest(bundle: SandboxBundle): Promise<ConnectorManifest>;
  call(request: { bundle: SandboxBundle; op: string; target?: string; input: JsonValue; capabilities?: unknown }): Promise<SandboxCallResult>;
}

export const CONNECTOR_SANDBOX = Symbol('CONNECTOR_SANDBOX');
