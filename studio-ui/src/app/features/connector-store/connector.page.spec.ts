import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { page, sqsInstall, sqsRegistry, sqsVersion } from '../../../testing/fixtures';
import { ConnectorPage } from './connector.page';

describe('ConnectorPage', () => {
  let fixture: ComponentFixture<ConnectorPage>;
  let http: HttpTestingController;
  let el: HTMLElement;

  async function open(installs: unknown[]) {
    TestBed.configureTestingModule({ providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()] });
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(ConnectorPage);
    fixture.componentRef.setInput('name', 'amazon-sqs');
    el = fixture.nativeElement;
    await fixture.whenStable();
    http.expectOne('/api/v1/registry/connectors/amazon-sqs').flush(sqsRegistry);
    http.expectOne((r) => r.url === '/api/v1/installs').flush(page(installs));
    await fixture.whenStable();
  }

  const button = (label: string) => [...el.querySelectorAll<HTMLButtonElement>('button')].find((b) => b.textContent?.trim() === label);

  afterEach(() => http.verify());

  it('shows description, versions, triggers with kind and props, and actions of the latest version', async () => {
    await open([]);
    http.expectOne('/api/v1/registry/connectors/amazon-sqs/versions/1.3.0').flush(sqsVersion('1.3.0'));
    await fixture.whenStable();
    expect(el.querySelector('h1')?.textContent).toContain('Amazon SQS');
    expect(el.textContent).toContain('Send and receive messages');
    const trigger = el.querySelector('[data-trigger="listen-queue"]')!;
    expect(trigger.querySelector('.badge-kind-stream')).not.toBeNull();
    expect(trigger.textContent).toContain('Queue URL');
    expect(trigger.textContent).toContain('Batch Size');
    expect(trigger.textContent).toContain('integer · 1–1000');
    expect(el.textContent).toContain('Send Message');
    // Yanked versions are listed but cannot be picked for install.
    const options = [...el.querySelectorAll<HTMLOptionElement>('#version-picker option')].map((o) => o.value);
    expect(options).toEqual(['1.3.0', '1.2.0']);
    expect(el.querySelector('.versions')?.textContent).toContain('yanked');
  });

  it('installs the version picked in the version picker', async () => {
    await open([]);
    http.expectOne('/api/v1/registry/connectors/amazon-sqs/versions/1.3.0').flush(sqsVersion('1.3.0'));
    await fixture.whenStable();
    const picker = el.querySelector<HTMLSelectElement>('#version-picker')!;
    picker.value = '1.2.0';
    picker.dispatchEvent(new Event('change'));
    http.expectOne('/api/v1/registry/connectors/amazon-sqs/versions/1.2.0').flush(sqsVersion('1.2.0'));
    await fixture.whenStable();
    button('Install')!.click();
    const req = http.expectOne('/api/v1/installs');
    expect(req.request.method).toBe('POST');
    expect(req.request.body).toEqual({ connector: 'amazon-sqs', version: '1.2.0' });
    req.flush(sqsInstall);
    await fixture.whenStable();
    expect(el.querySelector('[data-installed]')?.textContent).toContain('Installed v1.2.0');
    expect(el.querySelector('.alert-success')?.textContent).toContain('Installed Amazon SQS v1.2.0');
    expect(button('Uninstall')).toBeDefined();
  });

  it('lists the flows that block an uninstall', async () => {
    await open([sqsInstall]);
    http.expectOne('/api/v1/registry/connectors/amazon-sqs/versions/1.2.0').flush(sqsVersion());
    await fixture.whenStable();
    button('Uninstall')!.click();
    http.expectOne('/api/v1/installs/amazon-sqs').flush(
      {
        error: {
          code: 'conflict',
          message: 'Amazon SQS is used by 2 flows',
          details: [
            { path: 'flows.f1', message: 'Sync orders' },
            { path: 'flows.f2', message: 'Refunds' },
          ],
        },
      },
      { status: 409, statusText: 'Conflict' },
    );
    await fixture.whenStable();
    const alert = el.querySelector('[data-blocking-flows]')!;
    expect(alert.textContent).toContain('Amazon SQS is used by 2 flows');
    expect([...alert.querySelectorAll('li strong')].map((s) => s.textContent)).toEqual(['Sync orders', 'Refunds']);
    expect(el.querySelector('[data-installed]')).not.toBeNull();
  });

  it('switches an installed connector to another version', async () => {
    await open([sqsInstall]);
    http.expectOne('/api/v1/registry/connectors/amazon-sqs/versions/1.2.0').flush(sqsVersion());
    await fixture.whenStable();
    expect(button('Use this version')!.disabled).toBe(true);
    const picker = el.querySelector<HTMLSelectElement>('#version-picker')!;
    expect(picker.value).toBe('1.2.0'); // the installed version, not the first option
    picker.value = '1.3.0';
    picker.dispatchEvent(new Event('change'));
    http.expectOne('/api/v1/registry/connectors/amazon-sqs/versions/1.3.0').flush(sqsVersion('1.3.0'));
    await fixture.whenStable();
    button('Use this version')!.click();
    const req = http.expectOne('/api/v1/installs/amazon-sqs');
    expect(req.request.method).toBe('PATCH');
    expect(req.request.body).toEqual({ version: '1.3.0' });
    req.flush({ ...sqsInstall, version: '1.3.0' });
    await fixture.whenStable();
    expect(el.querySelector('[data-installed]')?.textContent).toContain('v1.3.0');
  });

  it('shows a not-found error from the registry', async () => {
    TestBed.configureTestingModule({ providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()] });
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(ConnectorPage);
    fixture.componentRef.setInput('name', 'nope');
    el = fixture.nativeElement;
    await fixture.whenStable();
    http.expectOne('/api/v1/registry/connectors/nope').flush({ error: { code: 'not_found', message: 'Connector "nope" is not in the registry' } }, { status: 404, statusText: 'Not Found' });
    http.expectOne((r) => r.url === '/api/v1/installs').flush(page([]));
    await fixture.whenStable();
    expect(el.querySelector('[role=alert]')?.textContent).toContain('Connector "nope" is not in the registry');
  });
});
