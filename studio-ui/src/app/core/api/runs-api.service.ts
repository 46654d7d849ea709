import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { Observable } from 'rxjs';
import { queryParams } from './http-params';
import { Page } from './models';
import { Run, RunDetail, RunLogs, RunQuery, StartedRun } from './run-models';

/** Runs (executions): list and search, one run with its steps and messages, logs, replay. */
@Injectable({ providedIn: 'root' })
export class RunsApi {
  private readonly http = inject(HttpClient);

  list(query: RunQuery = {}): Observable<Page<Run>> {
    return this.http.get<Page<Run>>('/api/v1/runs', { params: queryParams({ ...query }) });
  }

  get(id: string): Observable<RunDetail> {
    return this.http.get<RunDetail>(`/api/v1/runs/${encodeURIComponent(id)}`);
  }

  logs(id: string): Observable<RunLogs> {
    return this.http.get<RunLogs>(`/api/v1/runs/${encodeURIComponent(id)}/logs`);
  }

  /** Re-runs a failed or dead-lettered run (all its messages, or only `messageIds`); answers the new run's id. */
  replay(id: string, messageIds?: string[]): Observable<StartedRun> {
    return this.http.post<StartedRun>(`/api/v1/runs/${encodeURIComponent(id)}/replay`, messageIds?.length ? { messageIds } : {});
  }
}
