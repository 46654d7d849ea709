import { ChangeDetectionStrategy, Component, OnInit, inject, input } from '@angular/core';
import { Router, RouterLink } from '@angular/router';
import { JsonSchemaForm } from '../../shared/json-schema-form/json-schema-form';
import { ErrorAlert } from '../../shared/ui/error-alert';
import { RequestState } from '../../shared/ui/request-state';
import { AccountCreateStore } from './account-create.store';

@Component({
  selector: 'fp-account-create-page',
  imports: [RouterLink, JsonSchemaForm, ErrorAlert, RequestState],
  providers: [AccountCreateStore],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './account-create.page.html',
  styleUrl: './account-create.page.scss',
})
export class AccountCreatePage implements OnInit {
  protected readonly store = inject(AccountCreateStore);
  private readonly router = inject(Router);

  /** `?connector=` preselects a connector; `?returnUrl=` goes back there (e.g. the flow wizard) after saving. */
  readonly connector = input<string>();
  readonly returnUrl = input<string>();

  ngOnInit(): void {
    void this.store.init(this.connector() ?? '');
  }

  protected async submit(): Promise<void> {
    const account = await this.store.save();
    if (!account) return;
    const back = this.returnUrl();
    if (back && back.startsWith('/')) {
      const url = this.router.parseUrl(back);
      url.queryParams = { ...url.queryParams, account: account.id };
      await this.router.navigateByUrl(url);
    } else {
      await this.router.navigate(['/accounts'], { queryParams: { created: account.id, connector: account.connector } });
    }
  }
}
