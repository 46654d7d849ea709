import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { Observable } from 'rxjs';
import { queryParams } from './http-params';
import { Page, PageQuery } from './models';
import { PublishedVersion, SourceFiles, StudioBuild, StudioConnector, StudioTestRequest, StudioTestResult } from './studio-models';

/** Connector Studio: template, build, sandbox test, own connectors; publishing goes to the registry. */
@Injectable({ providedIn: 'root' })
export class StudioApi {
  private readonly http = inject(HttpClient);

  template(name: string): Observable<{ files: SourceFiles }> {
    return this.http.get<{ files: SourceFiles }>('/api/v1/studio/template', { params: queryParams({ name }) });
  }

  build(files: SourceFiles): Observable<StudioBuild> {
    return this.http.post<StudioBuild>('/api/v1/studio/build', { files });
  }

  test(request: StudioTestRequest): Observable<StudioTestResult> {
    return this.http.post<StudioTestResult>('/api/v1/studio/test', request);
  }

  connectors(query: PageQuery = {}): Observable<Page<StudioConnector>> {
    return this.http.get<Page<StudioConnector>>('/api/v1/studio/connectors', { params: queryParams({ ...query }) });
  }

  publish(build: Pick<StudioBuild, 'manifest' | 'bundle' | 'integrity'>): Observable<PublishedVersion> {
    return this.http.post<PublishedVersion>('/api/v1/registry/connectors', { manifest: build.manifest, bundle: build.bundle, integrity: build.integrity });
  }
}
