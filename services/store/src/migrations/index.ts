import { StoreInit1764100002000 } from './1764100002000-store-init';

/** Needs core's and the registry's migrations before it (foreign keys). */
export const storeMigrations = [StoreInit1764100002000];
