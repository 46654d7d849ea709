import type { PlatformRole } from '@flowport/core';
import { RegistryModule, registryMigrations } from '@flowport/registry';
import { StoreModule, storeMigrations } from '@flowport/store';
import type { DynamicModule, Type } from '@nestjs/common';

/**
 * Every package's migrations, in dependency order. All of them run whatever roles a process
 * has, so every process sees one schema version.
 */
export const allMigrations = [...registryMigrations, ...storeMigrations];

/** Roles that have no module in this build yet; named at start-up so nobody is surprised. */
export const PENDING_ROLES: PlatformRole[] = ['flows', 'runtime'];

/**
 * The Nest modules a process runs for its roles. Add the flows and runtime modules here
 * (e.g. `if (roles.includes('flows')) imports.push(FlowsModule)`) when those packages land.
 */
export function modulesForRoles(roles: PlatformRole[]): Array<Type | DynamicModule> {
  const imports: Array<Type | DynamicModule> = [];
  if (roles.includes('registry')) imports.push(RegistryModule.forRoot());
  if (roles.includes('store')) {
    // The store resolves installs through the registry service; without the registry role it
    // still needs that service, just not its routes.
    if (!roles.includes('registry')) imports.push(RegistryModule.forRoot({ http: false }));
    imports.push(StoreModule);
  }
  return imports;
}
