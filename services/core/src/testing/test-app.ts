import * as os from 'node:os';
import * as path from 'node:path';
import type { DynamicModule, LoggerService, Type } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { FlowportConfig, loadConfig } from '../config/config';
import { generateSecretKeyEntry, parseSecretKeys, SecretBox } from '../crypto/secret-box';
import { WorkspacesService } from '../auth/workspaces.service';
import { createPlatformApp } from '../http/create-app';
import { coreMigrations } from '../migrations';
import { createTestDatabase, TestDatabase } from './test-database';

export interface TestApp {
  app: NestExpressApplication;
  /** supertest target */
  server: ReturnType<NestExpressApplication['getHttpServer']>;
  db: TestDatabase;
  config: FlowportConfig;
  secretBox: SecretBox;
  /** Owner key of the default workspace created on start. */
  ownerKey: string;
  workspaceId: string;
  close(): Promise<void>;
}

/**
 * The real platform app on a fresh database with every given migration applied; for HTTP
 * tests of any service: `createTestApp({ imports: [StoreModule], migrations: [...] })`.
 */
export async function createTestApp(options: {
  imports: Array<Type | DynamicModule>;
  /** Feature migrations; core's are added first. */
  migrations?: Array<Type>;
  env?: Record<string, string>;
  secretKeys?: string;
  label?: string;
  /** Run against an existing database (e.g. a second process with other keys); not dropped on close. */
  database?: TestDatabase;
  /** The app's logger, e.g. a PinoNestLogger writing to an array; default: errors only, to the console. */
  logger?: LoggerService;
}): Promise<TestApp> {
  const owned = !options.database;
  const db = options.database ?? (await createTestDatabase(options.label));
  const config = loadConfig({ FLOWPORT_HOME: path.join(os.tmpdir(), `flowport-test-${db.name}`), LOG_LEVEL: 'error', ...options.env }, []);
  const secretBox = new SecretBox(parseSecretKeys(options.secretKeys ?? generateSecretKeyEntry('v1')));
  try {
    const app = await createPlatformApp({
      config,
      databaseUrl: db.url,
      secretBox,
      migrations: [...coreMigrations, ...(options.migrations ?? [])],
      imports: options.imports,
      poolSize: 4,
      logger: options.logger ?? ['error', 'fatal'],
    });
    await app.init();
    const boot = await app.get(WorkspacesService).bootstrap();
    if (!boot && owned) throw new Error('test database was not empty');
    return {
      app,
      server: app.getHttpServer(),
      db,
      config,
      secretBox,
      // A second app on a shared database did not create the workspace: it has no key.
      ownerKey: boot?.key.key ?? '',
      workspaceId: boot?.workspace.id ?? '',
      close: async () => {
        await app.close();
        if (owned) await db.drop();
      },
    };
  } catch (err) {
    if (owned) await db.drop();
    throw err;
  }
}
