import { JsonSchema, ManifestAction, ManifestTrigger } from './models';

/** Wire types of /api/v1/studio (services/studio). */
export type SourceFiles = Record<string, string>;

/** An account as the SDK's manifest declares it (`props` is its JSON Schema). */
export interface BuiltAccount {
  name: string;
  displayName: string;
  kind: string;
  props: JsonSchema;
  secretFields: string[];
}

/** The manifest exactly as the SDK builds it (services/studio returns it unchanged). */
export interface BuiltManifest {
  name: string;
  version: string;
  displayName: string;
  description?: string;
  allowedHosts?: string[];
  capabilities?: string[];
  accounts: BuiltAccount[];
  actions: ManifestAction[];
  triggers: Array<ManifestTrigger & { account?: string | null }>;
  [more: string]: unknown;
}

export interface StudioBuild {
  manifest: BuiltManifest;
  bundle: string;
  integrity: string;
  sourceMap: string | null;
  warnings: string[];
}

export interface StudioTestRequest {
  bundle: string;
  integrity: string;
  sourceMap?: string;
  op: 'action' | 'trigger';
  target: string;
  props: Record<string, unknown>;
  accountId?: string;
  account?: Record<string, unknown>;
}

export interface StudioLogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  at: string;
}

export interface StudioTestResult {
  ok: boolean;
  op: string;
  output: unknown;
  logs: StudioLogLine[];
  error: { name: string; message: string; stack: string; file?: string; line?: number; column?: number } | null;
  durationMs: number;
  state?: Record<string, unknown>;
}

export interface StudioConnectorVersion {
  version: string;
  deprecated: boolean;
  yanked: boolean;
  signed: boolean;
  publishedAt: string;
}

export interface StudioConnector {
  name: string;
  displayName: string;
  description: string;
  icon: string;
  latestVersion: string | null;
  highestVersion: string;
  updatedAt: string;
  versions: StudioConnectorVersion[];
}

export interface PublishedVersion {
  name: string;
  version: string;
  integrity: string;
  publishedAt: string;
}
