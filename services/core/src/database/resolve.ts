import type { FlowportConfig } from '../config/config';
import { loadOrCreateLocalSecretKeys, parseSecretKeys, SecretBox } from '../crypto/secret-box';
import { startEmbeddedPostgres } from './embedded-postgres';

export interface ResolvedDatabase {
  url: string;
  embedded: boolean;
  /** Embedded only: this start created the data folder. */
  created: boolean;
  stop(): Promise<void>;
  describe: string;
}

/** DATABASE_URL when set, otherwise embedded PostgreSQL in FLOWPORT_HOME. */
export async function resolveDatabase(config: FlowportConfig, onLog?: (line: string) => void): Promise<ResolvedDatabase> {
  if (config.databaseUrl) {
    const safe = config.databaseUrl.replace(/:[^:@/]*@/, ':***@');
    return { url: config.databaseUrl, embedded: false, created: false, stop: async () => undefined, describe: `external PostgreSQL ${safe}` };
  }
  const db = await startEmbeddedPostgres({ home: config.home, port: config.embeddedPostgresPort, onLog });
  return {
    url: db.url,
    embedded: true,
    created: db.created,
    stop: db.stop,
    describe: `embedded PostgreSQL on 127.0.0.1:${config.embeddedPostgresPort}, data in ${db.dataDir}${db.created ? ' (new)' : ' (reused)'}`,
  };
}

/**
 * FLOWPORT_SECRET_KEYS when set; in embedded mode a generated key kept in FLOWPORT_HOME.
 * `note` tells the operator when a key file was created.
 */
export function resolveSecretBox(config: FlowportConfig): { box: SecretBox; note: string | null } {
  if (config.secretKeys) return { box: new SecretBox(parseSecretKeys(config.secretKeys)), note: null };
  const local = loadOrCreateLocalSecretKeys(config.home);
  return {
    box: new SecretBox(parseSecretKeys(local.raw)),
    note: local.created
      ? `Generated an account encryption key in ${local.file} (mode 0600). Back it up: accounts cannot be decrypted without it. Set FLOWPORT_SECRET_KEYS to manage keys yourself.`
      : null,
  };
}
