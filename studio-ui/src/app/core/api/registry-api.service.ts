import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { Observable } from 'rxjs';
import { RegistryConnector, RegistryConnectorVersion } from './models';

@Injectable({ providedIn: 'root' })
export class RegistryApi {
  private readonly http = inject(HttpClient);

  connector(name: string): Observable<RegistryConnector> {
    return this.http.get<RegistryConnector>(`/api/v1/registry/connectors/${encodeURIComponent(name)}`);
  }

  version(name: string, version: string): Observable<RegistryConnectorVersion> {
    return this.http.get<RegistryConnectorVersion>(
      `/api/v1/registry/connectors/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}`,
    );
  }
}
