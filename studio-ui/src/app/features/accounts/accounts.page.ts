import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, OnInit, inject, input } from '@angular/core';
import { Router, RouterLink } from '@angular/router';
import { Account } from '../../core/api/models';
import { ErrorAlert } from '../../shared/ui/error-alert';
import { RequestState } from '../../shared/ui/request-state';
import { AccountsStore } from './accounts.store';

@Component({
  selector: 'fp-accounts-page',
  imports: [RouterLink, DatePipe, RequestState, ErrorAlert],
  providers: [AccountsStore],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './accounts.page.html',
  styleUrl: './accounts.page.scss',
})
export class AccountsPage implements OnInit {
  protected readonly store = inject(AccountsStore);
  private readonly router = inject(Router);

  /** `?connector=` filter and `?created=` (id of an account just created), from the router. */
  readonly connector = input<string>();
  readonly created = input<string>();

  ngOnInit(): void {
    void this.store.init(this.connector() ?? '');
  }

  protected onConnector(connector: string): void {
    void this.store.setConnector(connector);
    void this.router.navigate([], { queryParams: { connector: connector || null }, replaceUrl: true });
  }

  protected summary(account: Account): string {
    return Object.entries(account.values ?? {})
      .slice(0, 3)
      .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
      .join(' · ');
  }

  protected async remove(account: Account): Promise<void> {
    if (!confirm(`Delete the account "${account.name}"? Flows that use it stop working until they get another account.`)) return;
    await this.store.remove(account.id);
  }
}
