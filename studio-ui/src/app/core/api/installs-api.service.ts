import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { Observable } from 'rxjs';
import { queryParams } from './http-params';
import { Install, Page, PageQuery } from './models';

/** The workspace's installed connectors, each pinned to one version. */
@Injectable({ providedIn: 'root' })
export class InstallsApi {
  private readonly http = inject(HttpClient);

  list(query: PageQuery = {}): Observable<Page<Install>> {
    return this.http.get<Page<Install>>('/api/v1/installs', { params: queryParams({ ...query }) });
  }

  install(connector: string, version?: string): Observable<Install> {
    return this.http.post<Install>('/api/v1/installs', version ? { connector, version } : { connector });
  }

  changeVersion(connector: string, version: string): Observable<Install> {
    return this.http.patch<Install>(`/api/v1/installs/${encodeURIComponent(connector)}`, { version });
  }

  /** Fails with 409 and `error.details` naming the flows that still use the connector. */
  uninstall(connector: string): Observable<void> {
    return this.http.delete<void>(`/api/v1/installs/${encodeURIComponent(connector)}`);
  }
}
