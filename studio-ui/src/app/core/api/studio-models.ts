import { ConnectorManifest } from './models';

/** Wire types of /api/v1/studio (services/studio). */
export type SourceFiles = Record<string, string>;

/** The manifest as the build returns it: the Studio reads more of it than the Store does. */
export interface BuiltManifest extends ConnectorManifest {
  name: string;
  version: string;
  displayName: string;
  description?: string;
  allowedHosts?: string[];
  capabilities?: string[];
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
