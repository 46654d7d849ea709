import { Routes } from '@angular/router';

export const CONNECTOR_STORE_ROUTES: Routes = [
  { path: '', title: 'Connector Store · Flowport', loadComponent: () => import('./store.page').then((m) => m.StorePage) },
  { path: ':name', title: 'Connector · Flowport', loadComponent: () => import('./connector.page').then((m) => m.ConnectorPage) },
];
