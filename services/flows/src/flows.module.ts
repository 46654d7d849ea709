import { ConnectorVersionEntity } from '@flowport/registry';
import { AccountEntity, INSTALL_USAGE_CHECKER, InstallEntity } from '@flowport/store';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { FlowActivationEvents } from './activation-events';
import { FlowDefinitionValidator } from './definition/flow-validator';
import { FlowEntity, FlowVersionEntity } from './entities';
import { FlowsController } from './flows.controller';
import { FlowsService } from './flows.service';

/**
 * The flows role: definitions, drafts, immutable versions, activation. Reads the store's
 * installs/accounts and the registry's manifests (their modules must run in the same process,
 * as they do in every role set that serves the API). Exports FlowsService and
 * FlowActivationEvents for the runtime, and answers the store's INSTALL_USAGE_CHECKER.
 */
@Module({
  imports: [TypeOrmModule.forFeature([FlowEntity, FlowVersionEntity, InstallEntity, AccountEntity, ConnectorVersionEntity])],
  controllers: [FlowsController],
  providers: [FlowsService, FlowDefinitionValidator, FlowActivationEvents, { provide: INSTALL_USAGE_CHECKER, useExisting: FlowsService }],
  exports: [FlowsService, FlowActivationEvents, FlowDefinitionValidator, INSTALL_USAGE_CHECKER],
})
export class FlowsModule {}
