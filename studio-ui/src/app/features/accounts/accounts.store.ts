import { Injectable, inject, signal } from '@angular/core';
import { AccountsApi } from '../../core/api/accounts-api.service';
import { ApiError } from '../../core/api/api-error';
import { InstallsApi } from '../../core/api/installs-api.service';
import { Account, AccountTestResult, Install } from '../../core/api/models';
import { PagedList, allPages } from '../../core/api/paged-list';
import { call } from '../../core/api/remote';

export type TestState = { status: 'running' } | { status: 'done'; result: AccountTestResult } | { status: 'failed'; error: ApiError };

/** The accounts list with its connector filter, per-account test results and deletions. */
@Injectable()
export class AccountsStore {
  private readonly api = inject(AccountsApi);
  private readonly installsApi = inject(InstallsApi);

  readonly connector = signal('');
  readonly accounts = new PagedList<Account>();
  readonly installs = signal<Install[]>([]);
  readonly tests = signal<Record<string, TestState>>({});
  readonly deleting = signal<string | null>(null);
  readonly actionError = signal<ApiError | null>(null);

  async init(connector: string): Promise<void> {
    this.connector.set(connector);
    await Promise.all([this.load(), this.loadInstalls()]);
  }

  setConnector(connector: string): Promise<void> {
    this.connector.set(connector);
    return this.load();
  }

  load(): Promise<void> {
    const connector = this.connector();
    return this.accounts.reload((cursor) => this.api.list({ connector, limit: 50, cursor }));
  }

  async test(id: string): Promise<void> {
    this.setTest(id, { status: 'running' });
    try {
      this.setTest(id, { status: 'done', result: await call(this.api.test(id)) });
    } catch (err) {
      this.setTest(id, { status: 'failed', error: err as ApiError });
    }
  }

  async remove(id: string): Promise<boolean> {
    this.deleting.set(id);
    this.actionError.set(null);
    try {
      await call(this.api.remove(id));
      this.accounts.update((items) => items.filter((a) => a.id !== id));
      return true;
    } catch (err) {
      this.actionError.set(err as ApiError);
      return false;
    } finally {
      this.deleting.set(null);
    }
  }

  private async loadInstalls(): Promise<void> {
    try {
      this.installs.set(await call(allPages((cursor) => this.installsApi.list({ limit: 100, cursor }))));
    } catch {
      this.installs.set([]);
    }
  }

  private setTest(id: string, state: TestState): void {
    this.tests.update((all) => ({ ...all, [id]: state }));
  }
}
