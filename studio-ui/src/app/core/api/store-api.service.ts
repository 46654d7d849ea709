import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { Observable } from 'rxjs';
import { queryParams } from './http-params';
import { Page, PageQuery, StoreConnector, StoreTrigger, TriggerKind } from './models';

export interface ConnectorQuery extends PageQuery {
  q?: string;
  category?: string;
}

export interface TriggerQuery extends PageQuery {
  q?: string;
  kind?: TriggerKind | '';
  connector?: string;
}

/** The Connector Store's catalogue: what can be installed, searched across the registry. */
@Injectable({ providedIn: 'root' })
export class StoreApi {
  private readonly http = inject(HttpClient);

  connectors(query: ConnectorQuery = {}): Observable<Page<StoreConnector>> {
    return this.http.get<Page<StoreConnector>>('/api/v1/store/connectors', { params: queryParams({ ...query }) });
  }

  triggers(query: TriggerQuery = {}): Observable<Page<StoreTrigger>> {
    return this.http.get<Page<StoreTrigger>>('/api/v1/store/triggers', { params: queryParams({ ...query }) });
  }
}
