import { FlowsInit1764100003000 } from './1764100003000-flows-init';

/** Needs core's migrations before it (workspaces); run with core, registry and store lists. */
export const flowsMigrations = [FlowsInit1764100003000];
