import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { Observable } from 'rxjs';
import { queryParams } from './http-params';
import { Flow, FlowSummary, NewFlow, Page, PageQuery } from './models';
import { ResyncBucket, StartedRun } from './run-models';

export interface PublishedVersion {
  flowId: string;
  version: number;
  active: boolean;
  createdAt: string;
}

/** Flows (services/flows) and the runtime's per-flow endpoints (runs, test, resync). */
@Injectable({ providedIn: 'root' })
export class FlowsApi {
  private readonly http = inject(HttpClient);

  list(query: PageQuery & { status?: string; q?: string } = {}): Observable<Page<FlowSummary>> {
    return this.http.get<Page<FlowSummary>>('/api/v1/flows', { params: queryParams({ ...query }) });
  }

  get(id: string): Observable<Flow> {
    return this.http.get<Flow>(this.path(id));
  }

  create(flow: NewFlow): Observable<Flow> {
    return this.http.post<Flow>('/api/v1/flows', flow);
  }

  /** Replaces the whole draft (name, description, trigger, steps). */
  save(id: string, flow: NewFlow): Observable<Flow> {
    return this.http.put<Flow>(this.path(id), flow);
  }

  publish(id: string): Observable<PublishedVersion> {
    return this.http.post<PublishedVersion>(`${this.path(id)}/publish`, {});
  }

  activate(id: string, version?: number): Observable<Flow> {
    return this.http.post<Flow>(`${this.path(id)}/activate`, version === undefined ? {} : { version });
  }

  deactivate(id: string): Observable<Flow> {
    return this.http.post<Flow>(`${this.path(id)}/deactivate`, {});
  }

  /** A new webhook token, shown only in this response; the previous one stops working. */
  rotateWebhookToken(id: string): Observable<{ flowId: string; webhookToken: string }> {
    return this.http.post<{ flowId: string; webhookToken: string }>(`${this.path(id)}/webhook-token`, {});
  }

  /** A manual run of the active version. */
  run(id: string, input: unknown): Observable<StartedRun> {
    return this.http.post<StartedRun>(`${this.path(id)}/runs`, { input });
  }

  /** One run of the draft on the trigger's sample data (or `input` when given). */
  test(id: string, input?: unknown): Observable<StartedRun> {
    return this.http.post<StartedRun>(`${this.path(id)}/test`, input === undefined ? {} : { input });
  }

  resync(id: string): Observable<ResyncBucket> {
    return this.http.get<ResyncBucket>(`${this.path(id)}/resync`);
  }

  private path(id: string): string {
    return `/api/v1/flows/${encodeURIComponent(id)}`;
  }
}
