import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConsoleLogger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { coreMigrations, createPlatformApp, loadConfig, resolveDatabase, resolveSecretBox, WorkspacesService } from '@flowport/core';
import type { FlowportConfig } from '@flowport/core';
import { allMigrations, modulesForRoles, PENDING_ROLES } from './roles';

export interface StartedPlatform {
  app: NestExpressApplication;
  config: FlowportConfig;
  url: string;
  /** Set only on the first start (the key is printed once and never stored). */
  ownerKey: string | null;
  stop(): Promise<void>;
}

// Nest's per-route and per-module start-up lines drown the phase report; kept at LOG_LEVEL=debug.
const NOISY = new Set(['RoutesResolver', 'RouterExplorer', 'InstanceLoader', 'NestFactory', 'NestApplication']);
class PlatformLogger extends ConsoleLogger {
  override log(message: unknown, context?: string): void {
    if (context && NOISY.has(context) && !this.isLevelEnabled('debug')) return;
    super.log(message, context);
  }
}

const NEST_LEVELS = {
  fatal: ['fatal'],
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  info: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug'],
  trace: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
} as const;

/** Where `npm run build` of studio-ui puts the app; served when present. */
export function defaultStudioDir(): string {
  return path.resolve(__dirname, '..', '..', '..', 'studio-ui', 'dist', 'browser');
}

/**
 * Starts the platform: config -> database (embedded or external) -> secrets -> Nest modules
 * and migrations -> first-start bootstrap -> HTTP. `print` receives the phase report.
 */
export async function startPlatform(options: { env?: NodeJS.ProcessEnv; argv?: string[]; print?: (line: string) => void } = {}): Promise<StartedPlatform> {
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const phase = async <T>(name: string, fn: () => Promise<T> | T, describe?: (r: T) => string): Promise<T> => {
    const started = performance.now();
    const result = await fn();
    const ms = Math.round(performance.now() - started);
    print(`  ${name.padEnd(22)} ${String(ms).padStart(6)} ms${describe ? `  ${describe(result)}` : ''}`);
    return result;
  };

  const config = await phase('config', () => {
    const c = loadConfig(options.env ?? process.env, options.argv ?? process.argv.slice(2));
    return c.studioDir ? c : { ...c, studioDir: defaultStudioDir() };
  }, (c) => `roles ${c.roles.join(', ')}`);
  const pending = config.roles.filter((r) => PENDING_ROLES.includes(r));
  if (pending.length > 0) print(`  note: role${pending.length > 1 ? 's' : ''} ${pending.join(', ')} ha${pending.length > 1 ? 've' : 's'} no module in this build yet`);

  const db = await phase('database', () => resolveDatabase(config), (d) => d.describe);
  try {
    const secrets = await phase('secrets', () => resolveSecretBox(config), (s) => `key version ${s.box.currentVersion}${config.secretKeys ? ' from FLOWPORT_SECRET_KEYS' : ` from ${path.join(config.home, 'secret-keys')}`}`);
    if (secrets.note) print(`  note: ${secrets.note}`);

    const logger = new PlatformLogger('Flowport', { logLevels: [...NEST_LEVELS[config.logLevel]] });
    const app = await phase('modules + migrations', async () => {
      const a = await createPlatformApp({
        config,
        databaseUrl: db.url,
        secretBox: secrets.box,
        migrations: [...coreMigrations, ...allMigrations],
        imports: modulesForRoles(config.roles),
        logger,
      });
      await a.init();
      return a;
    });
    const boot = await phase('bootstrap', () => app.get(WorkspacesService).bootstrap(), (b) => (b ? 'created workspace "Default" and its owner key' : 'workspaces exist'));
    await phase('http', () => app.listen(config.port, config.host), () => `port ${config.port}`);

    const address = app.getHttpServer().address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
    const url = `http://${host}:${port}`;
    print(`Flowport is ready at ${url}  (API docs ${url}/api/docs, health ${url}/health${fs.existsSync(path.join(config.studioDir!, 'index.html')) ? `, studio ${url}/` : ''})`);
    if (boot && config.printBootstrapKey) {
      print('');
      print(`First start: owner API key of workspace "Default" (shown once; it is stored only as a hash):`);
      print(`  ${boot.key.key}`);
      print('Use it as "Authorization: Bearer <key>" or sign in to the studio with it.');
    }

    let stopped = false;
    return {
      app,
      config,
      url,
      ownerKey: boot?.key.key ?? null,
      stop: async () => {
        if (stopped) return;
        stopped = true;
        await app.close();
        await db.stop();
      },
    };
  } catch (err) {
    await db.stop().catch(() => undefined);
    throw err;
  }
}
