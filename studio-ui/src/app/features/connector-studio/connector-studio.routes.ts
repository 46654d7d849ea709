import { Routes } from '@angular/router';

export const CONNECTOR_STUDIO_ROUTES: Routes = [
  { path: '', title: 'Connector Studio · Flowport', loadComponent: () => import('./connector-studio.page').then((m) => m.ConnectorStudioPage) },
];
