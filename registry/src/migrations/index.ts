import { RegistryInit1764100001000 } from './1764100001000-registry-init';

export const registryMigrations = [RegistryInit1764100001000];
