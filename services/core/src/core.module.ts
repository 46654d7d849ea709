import { DynamicModule, Global, Logger, Module, Provider } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { MixedList } from 'typeorm';
import { ApiKeyEntity } from './auth/api-key.entity';
import { ApiKeyGuard } from './auth/api-key.guard';
import { WorkspaceEntity } from './auth/workspace.entity';
import { WorkspacesController } from './auth/workspaces.controller';
import { WorkspacesService } from './auth/workspaces.service';
import { FLOWPORT_CONFIG, FlowportConfig } from './config/config';
import { SECRET_BOX, SecretBox } from './crypto/secret-box';
import { initializeWithMigrations } from './database/migrations';
import { createValidationPipe } from './errors/api-error';
import { ApiExceptionFilter } from './errors/api-exception.filter';
import { HealthController } from './health/health.controller';
import { ReadinessChecks } from './health/readiness';
import { MetricsController } from './metrics/metrics.controller';
import { MetricsService } from './metrics/metrics.service';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
type MigrationList = MixedList<Function | string>;

export interface CoreModuleOptions {
  config: FlowportConfig;
  databaseUrl: string;
  secretBox: SecretBox;
  /** Every package's migrations; TypeORM orders them by the timestamp in the class name. */
  migrations: MigrationList;
  /** Tests only: drop the pool quickly. */
  poolSize?: number;
}

/**
 * Shared infrastructure for every service: config, database (migrations run at start-up, one
 * process at a time), secrets, API-key auth (global guard), validation pipe, error filter,
 * health, readiness checks and Prometheus metrics (/metrics). Global, so feature modules inject FLOWPORT_CONFIG, SECRET_BOX, WorkspacesService without importing it.
 */
@Global()
@Module({})
export class CoreModule {
  static forRoot(options: CoreModuleOptions): DynamicModule {
    const providers: Provider[] = [
      { provide: FLOWPORT_CONFIG, useValue: options.config },
      { provide: SECRET_BOX, useValue: options.secretBox },
      WorkspacesService,
      MetricsService,
      ReadinessChecks,
      { provide: APP_GUARD, useClass: ApiKeyGuard },
      { provide: APP_PIPE, useFactory: createValidationPipe },
      { provide: APP_FILTER, useClass: ApiExceptionFilter },
    ];
    return {
      module: CoreModule,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => ({
            type: 'postgres',
            url: options.databaseUrl,
            autoLoadEntities: true,
            entities: [WorkspaceEntity, ApiKeyEntity],
            migrations: options.migrations,
            migrationsTransactionMode: 'each',
            synchronize: false,
            extra: { max: options.poolSize ?? 10 },
          }),
          // Migrations run here under a PostgreSQL advisory lock, so processes started at once
          // on a new database take turns instead of racing to create the schema.
          dataSourceFactory: (dataSourceOptions) =>
            initializeWithMigrations(dataSourceOptions!, { onWait: () => new Logger('Migrations').log('Another process is running migrations; waiting for it') }),
        }),
        TypeOrmModule.forFeature([WorkspaceEntity, ApiKeyEntity]),
        TerminusModule,
      ],
      controllers: [HealthController, MetricsController, WorkspacesController],
      providers,
      exports: [FLOWPORT_CONFIG, SECRET_BOX, WorkspacesService, MetricsService, ReadinessChecks, TypeOrmModule],
    };
  }
}
