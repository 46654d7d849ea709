import { CoreInit1764100000000 } from './1764100000000-core-init';

/** Core's schema; the api process runs these together with every feature package's list. */
export const coreMigrations = [CoreInit1764100000000];
