import { RuntimeInit1764100004000 } from './1764100004000-runtime-init';

/** The runtime's schema; run after core's (no foreign keys to other packages' tables). */
export const runtimeMigrations = [RuntimeInit1764100004000];
