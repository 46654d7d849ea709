export * from './entities';
export * from './store.module';
export * from './installs/install-usage';
export * from './installs/installs.service';
export * from './accounts/accounts.service';
export * from './accounts/account-values';
export * from './catalog/catalog.service';
export * from './migrations';
