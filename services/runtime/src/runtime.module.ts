import { FlowsModule } from '@flowport/flows';
import { StoreModule } from '@flowport/store';
import { DynamicModule, Module, Provider } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { HostCapabilitiesModule } from './capabilities/host-capabilities';
import { ConnectorGateway } from './connectors/connector-gateway';
import { PgRunRecorder } from './delivery/pg-run-recorder';
import { createDefaultDriverRegistry, type StreamDriverRegistry } from './drivers/registry';
import { ExecutorService } from './executor/executor.service';
import { createRunEventsClient, RUN_EVENTS_CLIENT, RunDispatcher } from './executor/run-events';
import { RunEventsController } from './executor/run-events.controller';
import { StepRunner } from './executor/step-runner';
import { FlowCatalog } from './flows/flow-catalog';
import { RUNTIME_DB, RuntimeDb } from './runtime-db';
import { resolveRuntimeOptions, RUNTIME_OPTIONS, type RuntimeOptions } from './runtime-options';
import { DeduplicatedRunStore } from './runs/deduplicated-runs';
import { RunStore } from './runs/run-store';
import { EventsController, FlowRunsController, RunsController } from './runs/runs.controller';
import { RunsService } from './runs/runs.service';
import { RUN_RECORDER, STREAM_DRIVERS, TriggerManager } from './triggers/trigger-manager.service';
import { WebhooksController } from './webhooks/webhooks.controller';
import { WebhookFlowCache } from './webhooks/webhook-flows';
import { WebhooksService } from './webhooks/webhooks.service';

export type RuntimeModuleOptions = Partial<RuntimeOptions> & {
  /** Stream drivers by name; default amqp and sqs from the delivery library. */
  drivers?: StreamDriverRegistry;
  /** false: no HTTP routes (a runtime-only replica that just executes and runs triggers). */
  http?: boolean;
};

/**
 * The runtime role: executor, trigger manager, runs API, webhooks, manual/test/event runs.
 * Needs CoreModule, RegistryModule (global), StoreModule and FlowsModule in the same process;
 * its tables come from `runtimeMigrations`. Imports HostCapabilitiesModule (global), which also
 * gives the store's account Test the runtime's host capabilities.
 */
@Module({})
export class RuntimeModule {
  static forRoot(options: RuntimeModuleOptions = {}): DynamicModule {
    const { drivers, http, ...rest } = options;
    const resolved = resolveRuntimeOptions(rest);
    const providers: Provider[] = [
      { provide: RUNTIME_OPTIONS, useValue: resolved },
      { provide: RUNTIME_DB, inject: [getDataSourceToken()], useFactory: (ds: DataSource) => RuntimeDb.fromDataSource(ds, resolved.concurrency + 4) },
      { provide: RUN_RECORDER, inject: [RUNTIME_DB], useFactory: (db: RuntimeDb) => new PgRunRecorder(db.pool) },
      { provide: STREAM_DRIVERS, useValue: drivers ?? createDefaultDriverRegistry() },
      FlowCatalog,
      ConnectorGateway,
      RunStore,
      DeduplicatedRunStore,
      StepRunner,
      ExecutorService,
      { provide: RUN_EVENTS_CLIENT, useFactory: () => createRunEventsClient(resolved) },
      RunDispatcher,
      RunsService,
      WebhookFlowCache,
      WebhooksService,
      TriggerManager,
    ];
    return {
      module: RuntimeModule,
      imports: [StoreModule, FlowsModule, HostCapabilitiesModule],
      controllers: [RunEventsController, ...(http === false ? [] : [RunsController, FlowRunsController, EventsController, WebhooksController])],
      providers,
      exports: [RunsService, ExecutorService, TriggerManager, RunDispatcher, RUNTIME_OPTIONS],
    };
  }
}
