import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { settle } from '../../../testing/fixtures';
import { SignInPage } from './sign-in.page';

describe('SignInPage', () => {
  let fixture: ComponentFixture<SignInPage>;
  let http: HttpTestingController;
  let el: HTMLElement;
  let navigateByUrl: jest.SpyInstance;

  beforeEach(async () => {
    sessionStorage.clear();
    TestBed.configureTestingModule({ providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()] });
    http = TestBed.inject(HttpTestingController);
    navigateByUrl = jest.spyOn(TestBed.inject(Router), 'navigateByUrl').mockResolvedValue(true);
    fixture = TestBed.createComponent(SignInPage);
    el = fixture.nativeElement;
    await fixture.whenStable();
  });

  afterEach(() => http.verify());

  async function submitKey(key: string) {
    const input = el.querySelector<HTMLInputElement>('#api-key')!;
    input.value = key;
    input.dispatchEvent(new Event('input'));
    await fixture.whenStable();
    el.querySelector<HTMLButtonElement>('button[type=submit]')!.click();
    await fixture.whenStable();
  }

  it('requires a key', async () => {
    await submitKey('');
    http.expectNone('/api/v1/me');
    expect(el.querySelector('#api-key-error')?.textContent).toContain('API key is required');
  });

  it('signs in and goes to the page the user asked for', async () => {
    fixture.componentRef.setInput('returnUrl', '/flows');
    await submitKey('fp_live_abc');
    http.expectOne('/api/v1/me').flush({ workspace: { id: 'w', name: 'Acme' }, role: 'admin', keyName: 'k' });
    await settle(fixture);
    expect(sessionStorage.getItem('flowport.apiKey')).toBe('fp_live_abc');
    expect(navigateByUrl).toHaveBeenCalledWith('/flows');
  });

  it('explains a rejected key next to the field', async () => {
    await submitKey('wrong');
    http.expectOne('/api/v1/me').flush({ error: { code: 'unauthorized', message: 'Unknown API key' } }, { status: 401, statusText: 'Unauthorized' });
    await settle(fixture);
    expect(el.querySelector('.alert-error')?.textContent).toContain('This API key was not accepted');
    expect(el.querySelector('#api-key-error')?.textContent).toContain('Unknown API key');
    expect(navigateByUrl).not.toHaveBeenCalled();
  });

  it('says when the API cannot be reached', async () => {
    await submitKey('fp_live_abc');
    http.expectOne('/api/v1/me').error(new ProgressEvent('error'), { status: 0 });
    await settle(fixture);
    expect(el.querySelector('.alert-error')?.textContent).toContain('could not be reached');
  });
});
