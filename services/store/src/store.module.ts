import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccountsController } from './accounts/accounts.controller';
import { AccountsService } from './accounts/accounts.service';
import { CatalogController } from './catalog/catalog.controller';
import { CatalogService } from './catalog/catalog.service';
import { AccountEntity, InstallEntity } from './entities';
import { InstallsController } from './installs/installs.controller';
import { InstallsService } from './installs/installs.service';

/**
 * The store role: catalog tabs, installs and accounts. Needs RegistryModule in the same
 * process (it is global; `RegistryModule.forRoot({ http: false })` when only the store runs).
 */
@Module({
  imports: [TypeOrmModule.forFeature([InstallEntity, AccountEntity])],
  controllers: [CatalogController, InstallsController, AccountsController],
  providers: [CatalogService, InstallsService, AccountsService],
  exports: [InstallsService, AccountsService],
})
export class StoreModule {}
