import { RuntimeInit1764100004000 } from './1764100004000-runtime-init';
import { RunOwnerByKey1764900000000 } from './1764900000000-run-owner-by-key';

/** The runtime's schema; run after core's (no foreign keys to other packages' tables). */
export const runtimeMigrations = [RuntimeInit1764100004000, RunOwnerByKey1764900000000];
