/**
 * The Node entry of `@flowport/connector-sdk`: everything in the guest entry plus manifest
 * validation (ajv) and local test helpers. Other packages (registry, store, runtime) import the
 * manifest types from here.
 */
export * from './guest';
export { validateManifest, manifestSchema, MANIFEST_SCHEMA_PATH } from './validate';
export type { ManifestProblem, ManifestValidation } from './validate';
export { integrityOf } from './integrity';
export { allowedHostsForCall, grantableHost, grantedHosts, hostGrantFields } from './host-grants';
export type { HostGrantCall } from './host-grants';
export { createLocalContext, MemoryStore } from './local-context';
export type { LocalContextOptions } from './local-context';
export { buildConnector, checkConnectorFilePath, connectorTemplateFiles, ConnectorBuildError } from './build-connector';
export type { BuildConnectorInput, BuildConnectorResult, ConnectorBuildProblem } from './build-connector';
