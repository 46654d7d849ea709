import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { Observable } from 'rxjs';
import { queryParams } from './http-params';
import { Account, AccountTestResult, NewAccount, Page, PageQuery } from './models';

/** Connection credentials; the API masks secret values as "********" on the way out. */
@Injectable({ providedIn: 'root' })
export class AccountsApi {
  private readonly http = inject(HttpClient);

  list(query: PageQuery & { connector?: string } = {}): Observable<Page<Account>> {
    return this.http.get<Page<Account>>('/api/v1/accounts', { params: queryParams({ ...query }) });
  }

  create(account: NewAccount): Observable<Account> {
    return this.http.post<Account>('/api/v1/accounts', account);
  }

  remove(id: string): Observable<void> {
    return this.http.delete<void>(`/api/v1/accounts/${encodeURIComponent(id)}`);
  }

  test(id: string): Observable<AccountTestResult> {
    return this.http.post<AccountTestResult>(`/api/v1/accounts/${encodeURIComponent(id)}/test`, {});
  }
}
