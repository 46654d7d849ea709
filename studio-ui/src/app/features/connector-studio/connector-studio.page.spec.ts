import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { page, settle } from '../../../testing/fixtures';
import { StudioConnector } from '../../core/api/studio-models';
import { ConnectorStudioPage } from './connector-studio.page';

const acme: StudioConnector = {
  name: 'acme-crm',
  displayName: 'Acme CRM',
  description: 'Reads items from the Acme CRM API.',
  icon: '',
  latestVersion: '0.2.0',
  highestVersion: '0.3.0',
  updatedAt: '2026-11-26T03:00:00Z',
  versions: [
    { version: '0.3.0', deprecated: false, yanked: true, signed: false, publishedAt: '2026-11-26T03:00:00Z' },
    { version: '0.2.0', deprecated: false, yanked: false, signed: true, publishedAt: '2026-11-25T03:00:00Z' },
    { version: '0.1.0', deprecated: true, yanked: false, signed: false, publishedAt: '2026-11-24T03:00:00Z' },
  ],
};

describe('ConnectorStudioPage', () => {
  let fixture: ComponentFixture<ConnectorStudioPage>;
  let http: HttpTestingController;
  let el: HTMLElement;

  beforeEach(async () => {
    TestBed.configureTestingModule({ providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()] });
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(ConnectorStudioPage);
    el = fixture.nativeElement;
    await fixture.whenStable();
  });

  afterEach(() => http.verify());

  it("lists the workspace's connectors with each version's status", async () => {
    http.expectOne((r) => r.url === '/api/v1/studio/connectors' && r.params.get('limit') === '100').flush(page([acme]));
    await settle(fixture);
    const card = el.querySelector('[data-connector="acme-crm"]')!;
    expect(card.textContent).toContain('Acme CRM');
    const badges = (v: string) => [...card.querySelectorAll(`[data-version="${v}"] .badge`)].map((b) => b.textContent!.trim());
    expect(badges('0.3.0')).toEqual(['yanked']);
    expect(badges('0.2.0')).toEqual(['latest', 'signed']);
    expect(badges('0.1.0')).toEqual(['deprecated']);
    expect(el.querySelector('[data-test=new-connector]')!.getAttribute('href')).toBe('/studio/new');
  });

  it('says what to do when nothing is published yet, and offers a retry on errors', async () => {
    http.expectOne('/api/v1/studio/connectors?limit=100').flush({ error: { code: 'INTERNAL', message: 'down' } }, { status: 500, statusText: 'Error' });
    await settle(fixture);
    expect(el.textContent).toContain('Could not load your connectors');
    [...el.querySelectorAll('button')].find((b) => b.textContent?.includes('Try again'))!.click();
    await settle(fixture);
    http.expectOne('/api/v1/studio/connectors?limit=100').flush(page([]));
    await settle(fixture);
    expect(el.textContent).toContain('No connectors published yet');
  });
});
