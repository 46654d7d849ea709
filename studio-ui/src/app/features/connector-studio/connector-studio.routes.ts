import { Routes } from '@angular/router';

export const CONNECTOR_STUDIO_ROUTES: Routes = [
  { path: '', title: 'Connector Studio · Flowport', loadComponent: () => import('./connector-studio.page').then((m) => m.ConnectorStudioPage) },
  { path: 'new', title: 'New connector · Connector Studio · Flowport', loadComponent: () => import('./editor/connector-editor.page').then((m) => m.ConnectorEditorPage) },
];
