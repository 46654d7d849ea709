import * as fs from 'node:fs';
import * as path from 'node:path';
import { DynamicModule, LoggerService, LogLevel as NestLogLevel, Module, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { CoreModule, CoreModuleOptions } from '../core.module';

export interface PlatformAppOptions extends CoreModuleOptions {
  /** Feature modules for the roles this process runs. */
  imports: Array<Type | DynamicModule>;
  logger?: LoggerService | NestLogLevel[] | false;
  /**
   * Express middleware that must see requests before the JSON body parser, e.g. the api
   * role's gateway, which streams bodies unchanged to another process.
   */
  beforeBodyParser?: Array<(req: never, res: never, next: () => void) => void>;
}

/** JSON bodies must hold a whole bundle as an escaped string plus its manifest. */
export function jsonBodyLimit(maxBundleBytes: number): number {
  return maxBundleBytes * 2 + 1024 * 1024;
}

const NEST_LEVELS: Record<string, NestLogLevel[]> = {
  fatal: ['fatal'],
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  info: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug'],
  trace: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
};

/**
 * Builds the Nest application every process and every HTTP test uses: CoreModule + the given
 * feature modules, JSON body limit, OpenAPI at /api/docs (+ /api/docs-json) and the studio UI.
 * Does not listen; call `app.listen()` or hand `app.getHttpServer()` to supertest.
 */
export async function createPlatformApp(options: PlatformAppOptions): Promise<NestExpressApplication> {
  @Module({ imports: [CoreModule.forRoot(options), ...options.imports] })
  class PlatformModule {}

  const app = await NestFactory.create<NestExpressApplication>(PlatformModule, {
    bodyParser: false,
    logger: options.logger ?? NEST_LEVELS[options.config.logLevel],
    abortOnError: false,
    // Webhook signatures are computed over the exact bytes the sender signed, not a re-serialisation.
    rawBody: true,
  });
  for (const middleware of options.beforeBodyParser ?? []) app.use(middleware);
  app.useBodyParser('json', { limit: jsonBodyLimit(options.config.maxBundleBytes) });
  app.disable('x-powered-by');
  app.set('etag', false);

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Flowport API')
      .setDescription('Connector registry, store, installs and accounts. Send `Authorization: Bearer fp_...` on every /api/v1 call.')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });

  if (options.config.studioDir) serveStudio(app, options.config.studioDir);
  return app;
}

/** Serves the built studio at / with history-API fallback (deep links load index.html). */
function serveStudio(app: NestExpressApplication, dir: string): void {
  const index = path.join(dir, 'index.html');
  if (!fs.existsSync(index)) return;
  app.useStaticAssets(dir, { index: false });
  // sendFile with `root`: express ignores any path with a dot segment (e.g. a studio under
  // ~/.flowport/), so only the file name relative to the studio folder is checked.
  app.use((req: { method: string; path: string; headers: Record<string, string | undefined> }, res: { sendFile(p: string, o: { root: string }): void }, next: () => void) => {
    const isApi = req.path.startsWith('/api/') || req.path === '/health' || req.path === '/ready' || req.path === '/metrics' || req.path.startsWith('/hooks/');
    if (req.method !== 'GET' || isApi || path.extname(req.path) !== '' || (req.path !== '/' && !(req.headers.accept ?? '').includes('text/html'))) return next();
    res.sendFile('index.html', { root: dir });
  });
}
