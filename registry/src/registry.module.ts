import { DynamicModule, Module, Provider } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConnectorEntity, ConnectorVersionEntity, PublisherKeyEntity } from './entities';
import { RegistryController } from './registry.controller';
import { RegistryService } from './registry.service';
import { CONNECTOR_SANDBOX } from './sandbox';
import { SandboxProvider } from './sandbox.provider';

/**
 * The registry role: publishing and reading connector versions. `forRoot({ http: false })`
 * gives the service without routes (a store-only process still resolves installs through it).
 */
@Module({})
export class RegistryModule {
  static forRoot(options: { http?: boolean; sandbox?: Provider } = {}): DynamicModule {
    return {
      module: RegistryModule,
      global: true,
      imports: [TypeOrmModule.forFeature([ConnectorEntity, ConnectorVersionEntity, PublisherKeyEntity])],
      controllers: options.http === false ? [] : [RegistryController],
      providers: [RegistryService, options.sandbox ?? SandboxProvider],
      exports: [RegistryService, CONNECTOR_SANDBOX],
    };
  }
}
