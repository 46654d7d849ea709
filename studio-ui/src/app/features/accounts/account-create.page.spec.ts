import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { page, settle, prodAccount, sqsInstall, sqsVersion } from '../../../testing/fixtures';
import { AccountCreatePage } from './account-create.page';

describe('AccountCreatePage', () => {
  let fixture: ComponentFixture<AccountCreatePage>;
  let http: HttpTestingController;
  let el: HTMLElement;
  let navigate: jest.SpyInstance;

  beforeEach(async () => {
    TestBed.configureTestingModule({ providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()] });
    http = TestBed.inject(HttpTestingController);
    navigate = jest.spyOn(TestBed.inject(Router), 'navigate').mockResolvedValue(true);
    fixture = TestBed.createComponent(AccountCreatePage);
    fixture.componentRef.setInput('connector', 'amazon-sqs');
    el = fixture.nativeElement;
    await fixture.whenStable();
    http.expectOne((r) => r.url === '/api/v1/installs').flush(page([sqsInstall]));
    await fixture.whenStable();
    http.expectOne('/api/v1/registry/connectors/amazon-sqs/versions/1.2.0').flush(sqsVersion());
    await fixture.whenStable();
  });

  afterEach(() => http.verify());

  const set = async (selector: string, value: string, event = 'input') => {
    const input = el.querySelector<HTMLInputElement | HTMLSelectElement>(selector)!;
    input.value = value;
    input.dispatchEvent(new Event(event));
    input.dispatchEvent(new Event('blur'));
    await fixture.whenStable();
  };
  const choose = async (selector: string, label: string) => {
    const select = el.querySelector<HTMLSelectElement>(selector)!;
    select.selectedIndex = [...select.options].findIndex((o) => o.textContent?.trim() === label);
    select.dispatchEvent(new Event('change'));
    await fixture.whenStable();
  };
  const submit = async () => {
    el.querySelector<HTMLButtonElement>('button[type=submit]')!.click();
    await fixture.whenStable();
  };

  it("renders the connector's account schema with the secret as a password field", () => {
    expect(el.querySelector<HTMLSelectElement>('#account-connector')!.value).toBe('amazon-sqs');
    expect(el.querySelector('#account-region')?.tagName).toBe('SELECT');
    expect(el.querySelector<HTMLInputElement>('#account-secretAccessKey')!.type).toBe('password');
    expect(el.querySelectorAll('.required-marker').length).toBeGreaterThanOrEqual(4);
  });

  it('validates before sending anything', async () => {
    await submit();
    http.expectNone((r) => r.method === 'POST');
    expect(el.querySelector('#account-name-error')?.textContent).toContain('Name is required');
    expect(el.querySelector('#account-region-error')?.textContent).toBe('Region is required.');
    await set('#account-accessKeyId', 'AKIA');
    expect(el.querySelector('#account-accessKeyId-error')?.textContent).toBe('Access key ID must be at least 16 characters (got 4).');
  });

  it('creates the account and returns to the list', async () => {
    await set('#account-name', 'Production AWS');
    await choose('#account-region', 'eu-west-1');
    await set('#account-accessKeyId', 'AKIAEXAMPLE12345');
    await set('#account-secretAccessKey', 'wJalrXUtnFEMI');
    await submit();
    const req = http.expectOne((r) => r.url === '/api/v1/accounts' && r.method === 'POST');
    expect(req.request.body).toEqual({
      connector: 'amazon-sqs',
      account: 'aws',
      name: 'Production AWS',
      values: { region: 'eu-west-1', accessKeyId: 'AKIAEXAMPLE12345', secretAccessKey: 'wJalrXUtnFEMI' },
    });
    req.flush(prodAccount);
    await settle(fixture);
    expect(navigate).toHaveBeenCalledWith(['/accounts'], { queryParams: { created: 'acc_1', connector: 'amazon-sqs' } });
  });

  it('shows API validation details next to the fields', async () => {
    await set('#account-name', 'Production AWS');
    await choose('#account-region', 'us-east-1');
    await set('#account-accessKeyId', 'AKIAEXAMPLE12345');
    await set('#account-secretAccessKey', 'x');
    await submit();
    http.expectOne((r) => r.url === '/api/v1/accounts' && r.method === 'POST').flush(
      {
        error: {
          code: 'validation',
          message: 'Account values do not match the AWS access key schema',
          details: [
            { path: '/values/secretAccessKey', message: 'Secret access key must be 40 characters' },
            { path: 'name', message: 'An account named "Production AWS" already exists' },
          ],
        },
      },
      { status: 422, statusText: 'Unprocessable Entity' },
    );
    await settle(fixture);
    expect(el.querySelector('.alert-error')?.textContent).toContain('Account values do not match the AWS access key schema');
    expect(el.querySelector('#account-secretAccessKey-error')?.textContent).toBe('Secret access key must be 40 characters');
    expect(el.querySelector('#account-name-error')?.textContent).toContain('already exists');
    expect(navigate).not.toHaveBeenCalled();
  });
});
