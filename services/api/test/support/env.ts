import { randomBytes } from 'node:crypto';

export const AMQP_URL = process.env.FLOWPORT_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** Environment of a platform process on an external (test) database. */
export function platformEnv(databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    FLOWPORT_SECRET_KEYS: `v1:${randomBytes(32).toString('base64')}`,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    FLOWPORT_PRINT_BOOTSTRAP_KEY: 'false',
    FLOWPORT_SEED_CONNECTORS: 'false',
    ...extra,
  };
}

export async function waitUntil<T>(what: string, check: () => Promise<T | undefined | false | null>, timeoutMs = 20_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
