import { Routes } from '@angular/router';

export const FLOWS_ROUTES: Routes = [
  { path: '', title: 'Flows · Flowport', loadComponent: () => import('./flows.page').then((m) => m.FlowsPage) },
  { path: 'new', title: 'Create flow · Flowport', loadComponent: () => import('./create-flow/create-flow.page').then((m) => m.CreateFlowPage) },
  { path: ':id/executions', title: 'Flow executions · Flowport', loadComponent: () => import('../executions/executions.page').then((m) => m.ExecutionsPage) },
  { path: ':id', title: 'Flow designer · Flowport', loadComponent: () => import('./designer/flow-designer.page').then((m) => m.FlowDesignerPage) },
];
