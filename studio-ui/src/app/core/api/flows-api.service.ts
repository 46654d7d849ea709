import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { Observable } from 'rxjs';
import { queryParams } from './http-params';
import { Flow, FlowSummary, NewFlow, Page, PageQuery } from './models';

@Injectable({ providedIn: 'root' })
export class FlowsApi {
  private readonly http = inject(HttpClient);

  list(query: PageQuery = {}): Observable<Page<FlowSummary>> {
    return this.http.get<Page<FlowSummary>>('/api/v1/flows', { params: queryParams({ ...query }) });
  }

  get(id: string): Observable<Flow> {
    return this.http.get<Flow>(`/api/v1/flows/${encodeURIComponent(id)}`);
  }

  create(flow: NewFlow): Observable<Flow> {
    return this.http.post<Flow>('/api/v1/flows', flow);
  }
}
