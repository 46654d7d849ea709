import { Routes } from '@angular/router';
import { authGuard } from './core/auth/auth.guard';

export const routes: Routes = [
  { path: 'sign-in', title: 'Sign in · Flowport', loadComponent: () => import('./features/sign-in/sign-in.page').then((m) => m.SignInPage) },
  {
    path: '',
    canActivate: [authGuard],
    loadComponent: () => import('./layout/shell').then((m) => m.Shell),
    children: [
      { path: '', pathMatch: 'full', redirectTo: 'store' },
      { path: 'studio', loadChildren: () => import('./features/connector-studio/connector-studio.routes').then((m) => m.CONNECTOR_STUDIO_ROUTES) },
      { path: 'store', loadChildren: () => import('./features/connector-store/connector-store.routes').then((m) => m.CONNECTOR_STORE_ROUTES) },
      { path: 'accounts', loadChildren: () => import('./features/accounts/accounts.routes').then((m) => m.ACCOUNTS_ROUTES) },
      { path: 'flows', loadChildren: () => import('./features/flows/flows.routes').then((m) => m.FLOWS_ROUTES) },
      { path: 'executions', loadChildren: () => import('./features/executions/executions.routes').then((m) => m.EXECUTIONS_ROUTES) },
      { path: '**', title: 'Not found · Flowport', loadComponent: () => import('./features/not-found/not-found.page').then((m) => m.NotFoundPage) },
    ],
  },
];
