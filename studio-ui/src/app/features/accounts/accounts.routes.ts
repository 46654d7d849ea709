import { Routes } from '@angular/router';

export const ACCOUNTS_ROUTES: Routes = [
  { path: '', title: 'Accounts · Flowport', loadComponent: () => import('./accounts.page').then((m) => m.AccountsPage) },
  { path: 'new', title: 'New account · Flowport', loadComponent: () => import('./account-create.page').then((m) => m.AccountCreatePage) },
];
