import type { PlatformRole } from '@flowport/core';
import { FlowsModule, flowsMigrations } from '@flowport/flows';
import { RegistryModule, registryMigrations } from '@flowport/registry';
import { HostCapabilitiesModule, RuntimeModule, runtimeMigrations, type RuntimeModuleOptions } from '@flowport/runtime';
import { StoreModule, storeMigrations } from '@flowport/store';
import { StudioModule } from '@flowport/studio';
import type { DynamicModule, Type } from '@nestjs/common';

/**
 * Every package's migrations, in dependency order. All of them run whatever roles a process
 * has, so every process sees one schema version.
 */
export const allMigrations = [...registryMigrations, ...storeMigrations, ...flowsMigrations, ...runtimeMigrations];

/** Roles that have no module in this build yet; named at start-up so nobody is surprised. */
export const PENDING_ROLES: PlatformRole[] = [];

export type RoleModuleOptions = {
  /** Runtime settings (RABBITMQ_URL for run wake-ups, test intervals, ...). */
  runtime?: RuntimeModuleOptions;
};

/**
 * The Nest modules a process runs for its roles. Services that a role needs but does not
 * serve (the registry service of a store process) come without their routes. The `api` role
 * adds no module: it is the gateway (src/gateway.ts) and the studio.
 */
export function modulesForRoles(roles: PlatformRole[], options: RoleModuleOptions = {}): Array<Type | DynamicModule> {
  const imports: Array<Type | DynamicModule> = [];
  const needsRegistryService = roles.includes('store') || roles.includes('runtime');
  // The Connector Studio API (build, test, own connectors) sits with the registry it publishes to.
  if (roles.includes('registry')) imports.push(RegistryModule.forRoot(), StudioModule);
  else if (needsRegistryService) imports.push(RegistryModule.forRoot({ http: false }));
  // The store's account Test gets the runtime's host capabilities (sql, granted hosts) even in a
  // store-only process; RuntimeModule imports the same (global) module itself.
  if (roles.includes('store')) imports.push(StoreModule, HostCapabilitiesModule);
  if (roles.includes('flows')) imports.push(FlowsModule);
  // RuntimeModule imports the store and flows services it reads (installs, accounts, active flows).
  if (roles.includes('runtime')) imports.push(RuntimeModule.forRoot(options.runtime ?? {}));
  return imports;
}
