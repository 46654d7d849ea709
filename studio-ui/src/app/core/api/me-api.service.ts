import { HttpClient, HttpHeaders } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { Observable } from 'rxjs';
import { Me } from './models';

@Injectable({ providedIn: 'root' })
export class MeApi {
  private readonly http = inject(HttpClient);

  /** With `apiKey`, checks a key that is not stored yet (sign-in); without, uses the session's key. */
  me(apiKey?: string): Observable<Me> {
    const headers = apiKey ? new HttpHeaders({ Authorization: `Bearer ${apiKey}` }) : undefined;
    return this.http.get<Me>('/api/v1/me', { headers });
  }
}
