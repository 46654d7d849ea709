import { Routes } from '@angular/router';

export const EXECUTIONS_ROUTES: Routes = [
  { path: '', title: 'Executions · Flowport', loadComponent: () => import('./executions.page').then((m) => m.ExecutionsPage) },
  { path: ':runId', title: 'Run · Flowport', loadComponent: () => import('./run-detail.page').then((m) => m.RunDetailPage) },
];
