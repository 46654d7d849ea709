import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { page, settle, prodAccount, sqsInstall } from '../../../testing/fixtures';
import { AccountsPage } from './accounts.page';

describe('AccountsPage', () => {
  let fixture: ComponentFixture<AccountsPage>;
  let http: HttpTestingController;
  let el: HTMLElement;

  beforeEach(async () => {
    TestBed.configureTestingModule({ providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()] });
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(AccountsPage);
    el = fixture.nativeElement;
    await fixture.whenStable();
    http.expectOne((r) => r.url === '/api/v1/installs').flush(page([sqsInstall]));
  });

  afterEach(() => http.verify());

  const accountsReq = () => http.expectOne((r) => r.url === '/api/v1/accounts' && r.method === 'GET');
  const row = () => el.querySelector('[data-account="acc_1"]')!;
  const rowButton = (label: string) => [...row().querySelectorAll<HTMLButtonElement>('button')].find((b) => b.textContent?.trim() === label)!;

  it('lists accounts with masked secrets', async () => {
    accountsReq().flush(page([prodAccount]));
    await fixture.whenStable();
    expect(row().textContent).toContain('Production AWS');
    expect(row().textContent).toContain('secretAccessKey: ********');
  });

  it('filters by connector', async () => {
    accountsReq().flush(page([prodAccount]));
    await fixture.whenStable();
    const select = el.querySelector<HTMLSelectElement>('#accounts-connector')!;
    select.value = 'amazon-sqs';
    select.dispatchEvent(new Event('change'));
    expect(accountsReq().request.params.get('connector')).toBe('amazon-sqs');
  });

  it('tests an account and shows success or the failure message', async () => {
    accountsReq().flush(page([prodAccount]));
    await fixture.whenStable();
    rowButton('Test').click();
    await fixture.whenStable();
    expect(row().textContent).toContain('Testing…');
    http.expectOne('/api/v1/accounts/acc_1/test').flush({ ok: true });
    await settle(fixture);
    expect(row().querySelector('.badge-success')?.textContent).toContain('Connected');
    rowButton('Test').click();
    http.expectOne('/api/v1/accounts/acc_1/test').flush({ ok: false, error: { message: 'The security token included in the request is invalid' } });
    await settle(fixture);
    expect(row().querySelector('.badge-danger')?.textContent).toContain('The security token included in the request is invalid');
  });

  it('deletes an account after confirmation', async () => {
    accountsReq().flush(page([prodAccount]));
    await fixture.whenStable();
    const confirm = jest.spyOn(window, 'confirm').mockReturnValue(true);
    rowButton('Delete').click();
    expect(confirm).toHaveBeenCalled();
    http.expectOne((r) => r.url === '/api/v1/accounts/acc_1' && r.method === 'DELETE').flush(null);
    await settle(fixture);
    expect(el.querySelector('[data-account="acc_1"]')).toBeNull();
    expect(el.querySelector('[data-empty]')?.textContent).toContain('No accounts yet');
  });

  it('keeps the account when deletion is cancelled', async () => {
    accountsReq().flush(page([prodAccount]));
    await fixture.whenStable();
    jest.spyOn(window, 'confirm').mockReturnValue(false);
    rowButton('Delete').click();
    http.expectNone((r) => r.method === 'DELETE');
    expect(row()).not.toBeNull();
  });

  it('shows an empty state with a create link', async () => {
    accountsReq().flush(page([]));
    await fixture.whenStable();
    expect(el.querySelector('[data-empty]')?.textContent).toContain('No accounts yet');
    expect(el.querySelector('[data-empty] a')?.getAttribute('href')).toBe('/accounts/new');
  });
});
