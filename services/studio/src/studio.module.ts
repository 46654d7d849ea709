import { Module } from '@nestjs/common';
import { StudioController } from './studio.controller';
import { StudioService } from './studio.service';

/**
 * The Connector Studio API. Needs RegistryModule in the process (global: the sandbox pool and
 * the registry tables); uses the store's AccountsService for `accountId` when the store runs too.
 * No tables of its own, so no migrations.
 */
@Module({
  controllers: [StudioController],
  providers: [StudioService],
})
export class StudioModule {}
