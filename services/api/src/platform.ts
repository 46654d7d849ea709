import * as fs from 'node:fs';
import * as path from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { coreMigrations, createPlatformApp, loadConfig, MetricsService, PinoNestLogger, ReadinessChecks, resolveDatabase, resolveSecretBox, WorkspacesService } from '@flowport/core';
import type { FlowportConfig } from '@flowport/core';
import type { SandboxPool } from '@flowport/sandbox';
import { CONNECTOR_SANDBOX } from '@flowport/registry';
import { resolveRuntimeOptions, runEventsRmqOptions, TriggerManager, type RuntimeModuleOptions } from '@flowport/runtime';
import { HealthIndicatorService } from '@nestjs/terminus';
import { createGateway, type Gateway } from './gateway';
import { allMigrations, modulesForRoles, PENDING_ROLES } from './roles';
import { seedBuiltInConnectors, type SeedReport } from './seed/seed-connectors';
import { checkRabbitMq } from './transport-health';

export interface StartedPlatform {
  app: NestExpressApplication;
  config: FlowportConfig;
  url: string;
  /** Set only on the first start (the key is printed once and never stored). */
  ownerKey: string | null;
  /** What seeding the built-in connectors did (empty when this process does not seed). */
  seeded: SeedReport[];
  /**
   * Graceful stop: stop consuming, let in-flight batches and runs finish, close connections,
   * stop embedded PostgreSQL. Resolves `true` when done within `timeoutMs` (default
   * FLOWPORT_SHUTDOWN_TIMEOUT_MS), `false` when the bound ran out first.
   */
  stop(timeoutMs?: number): Promise<boolean>;
}

/** The repository root: connectors/ and connector-sdk/ are found from here. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

/** Where `npm run build` of studio-ui puts the app; served when present. */
export function defaultStudioDir(): string {
  return path.resolve(__dirname, '..', '..', '..', 'studio-ui', 'dist', 'browser');
}

/**
 * Starts the platform: config -> database (embedded or external) -> secrets -> Nest modules
 * and migrations -> first-start bootstrap -> HTTP. `print` receives the phase report.
 */
export async function startPlatform(
  options: { env?: NodeJS.ProcessEnv; argv?: string[]; print?: (line: string) => void; runtime?: RuntimeModuleOptions } = {},
): Promise<StartedPlatform> {
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

    const logger = new PinoNestLogger({ level: config.logLevel, base: { roles: config.roles.join(',') } });
    const runtime: RuntimeModuleOptions = { rabbitmqUrl: config.rabbitmqUrl, runEventsQueue: config.runEventsQueue, ...options.runtime };
    const gateway = config.roles.includes('api') ? createGateway(config, config.roles) : null;
    const app = await phase('modules + migrations', async () => {
      const a = await createPlatformApp({
        config,
        databaseUrl: db.url,
        secretBox: secrets.box,
        migrations: [...coreMigrations, ...allMigrations],
        imports: modulesForRoles(config.roles, { runtime }),
        logger,
        beforeBodyParser: gateway ? [gateway.handle as never] : [],
      });
      // Run wake-ups between replicas: this process's executor listens on the RabbitMQ queue.
      const runtimeOptions = config.roles.includes('runtime') ? resolveRuntimeOptions(runtime) : null;
      if (runtimeOptions?.rabbitmqUrl && runtimeOptions.executor) a.connectMicroservice(runEventsRmqOptions(runtimeOptions.rabbitmqUrl, runtimeOptions.runEventsQueue), { inheritAppConfig: true });
      await a.init();
      if (runtimeOptions?.rabbitmqUrl && runtimeOptions.executor) await a.startAllMicroservices();
      observe(a, config, gateway);
      return a;
    });
    const boot = await phase('bootstrap', () => app.get(WorkspacesService).bootstrap(), (b) => (b ? 'created workspace "Default" and its owner key' : 'workspaces exist'));
    let seeded: SeedReport[] = [];
    if (config.seedConnectors && config.roles.includes('store')) {
      seeded = await phase('built-in connectors', () => seedBuiltInConnectors(app, REPO_ROOT, print), (r) => {
        const failed = r.filter((x) => x.phases.includes('failed')).length;
        return `${r.length - failed} ready${failed > 0 ? `, ${failed} failed (see above)` : ''}`;
      });
    }
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

    let stopping: Promise<boolean> | null = null;
    return {
      app,
      config,
      url,
      ownerKey: boot?.key.key ?? null,
      seeded,
      stop: (timeoutMs = config.shutdownTimeoutMs) => {
        stopping ??= (async () => {
          let timer: NodeJS.Timeout | undefined;
          const bound = new Promise<false>((resolve) => {
            timer = setTimeout(() => resolve(false), timeoutMs);
          });
          // app.close(): triggers stop consuming and wait for their batches to be recorded and
          // acked, executors finish their runs, then pools and broker connections close.
          const closed = await Promise.race([app.close().then(() => true as const), bound]);
          clearTimeout(timer);
          gateway?.close();
          await db.stop().catch(() => undefined);
          return closed;
        })();
        return stopping;
      },
    };
  } catch (err) {
    await db.stop().catch(() => undefined);
    throw err;
  }
}

/** Metrics and readiness checks that need the process's own parts (sandbox pool, transport, triggers). */
function observe(app: NestExpressApplication, config: FlowportConfig, gateway: Gateway | null): void {
  const metrics = app.get(MetricsService);
  const sandbox = optional(() => app.get<Partial<Pick<SandboxPool, 'stats' | 'call'>>>(CONNECTOR_SANDBOX, { strict: false }));
  if (sandbox?.stats) metrics.watchSandbox(() => sandbox.stats!());
  if (sandbox?.call) {
    // Every connector call of the process (registry checks, account tests, triggers, steps,
    // code and http steps) goes through the one pool: time them there.
    const call = sandbox.call.bind(sandbox);
    sandbox.call = async (request) => {
      const result = await call(request);
      metrics.sandboxCallTimed(request.op, result.ok, result.durationMs);
      return result;
    };
  }

  const readiness = app.get(ReadinessChecks);
  const indicators = app.get(HealthIndicatorService, { strict: false });
  if (config.rabbitmqUrl) {
    const url = config.rabbitmqUrl;
    readiness.add(async () => {
      const check = indicators.check('transport');
      const problem = await checkRabbitMq(url, 1500);
      return problem ? check.down({ transport: 'rabbitmq', message: problem }) : check.up({ transport: 'rabbitmq' });
    });
  } else {
    readiness.add(() => indicators.check('transport').up({ transport: 'in-process' }));
  }
  if (gateway && Object.keys(gateway.status()).length > 0) {
    readiness.add(async () => {
      // Informational: the gateway still serves the studio and the other roles when every
      // process of one role is down (those requests get 502 UPSTREAM_UNREACHABLE).
      const upstreams = await gateway.probe();
      return indicators.check('upstreams').up(upstreams);
    });
  }
  if (config.roles.includes('runtime')) {
    const triggers = app.get(TriggerManager, { strict: false });
    readiness.add(() => {
      // Informational: a user's broker being down must not take the replica out of rotation.
      const running = triggers.status();
      return indicators.check('drivers').up({ running: running.length, kinds: [...new Set(running.map((t) => t.kind))] });
    });
  }
}

/** A provider of a role this process may not run (the flows and api roles have no sandbox). */
function optional<T>(get: () => T): T | undefined {
  try {
    return get();
  } catch {
    return undefined;
  }
}
