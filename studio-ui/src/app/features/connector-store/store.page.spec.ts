import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, TestRequest, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { httpConnector, listenQueue, newRecords, page, sqsConnector } from '../../../testing/fixtures';
import { StorePage } from './store.page';

describe('StorePage', () => {
  let fixture: ComponentFixture<StorePage>;
  let http: HttpTestingController;
  let el: HTMLElement;

  async function create(tab?: string) {
    TestBed.configureTestingModule({ providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()] });
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(StorePage);
    if (tab) fixture.componentRef.setInput('tab', tab);
    el = fixture.nativeElement;
    await fixture.whenStable();
  }

  const connectorsReq = (): TestRequest => http.expectOne((r) => r.url === '/api/v1/store/connectors');
  const triggersReq = (): TestRequest => http.expectOne((r) => r.url === '/api/v1/store/triggers');
  const text = () => el.textContent ?? '';
  const tab = (name: string) => el.querySelector<HTMLButtonElement>(`#store-tab-${name}`)!;

  afterEach(() => http.verify());

  it('lists connectors with their installed state', async () => {
    await create();
    expect(el.querySelector('[role=status]')?.textContent).toContain('Loading');
    connectorsReq().flush(page([sqsConnector, httpConnector]));
    await fixture.whenStable();
    const cards = el.querySelectorAll('[data-connector]');
    expect(cards).toHaveLength(2);
    expect(cards[0].querySelector('[data-installed]')?.textContent).toContain('Installed v1.2.0');
    expect(cards[1].querySelector('[data-installed]')).toBeNull();
    expect(cards[0].querySelector('a')?.getAttribute('href')).toBe('/store/amazon-sqs');
    expect(tab('connectors').getAttribute('aria-selected')).toBe('true');
  });

  it('switches to the Triggers tab and shows kind badges', async () => {
    await create();
    connectorsReq().flush(page([sqsConnector]));
    await fixture.whenStable();
    tab('triggers').click();
    await fixture.whenStable();
    expect(tab('triggers').getAttribute('aria-selected')).toBe('true');
    expect(tab('connectors').getAttribute('aria-selected')).toBe('false');
    triggersReq().flush(page([listenQueue, newRecords]));
    await fixture.whenStable();
    const cards = el.querySelectorAll('[data-trigger]');
    expect(cards).toHaveLength(2);
    expect(cards[0].textContent).toContain('Listen Queue');
    expect(cards[0].querySelector('.badge-kind-stream')?.textContent?.trim()).toBe('Stream');
    expect(cards[1].querySelector('.badge-kind-pooling')?.textContent?.trim()).toBe('Pooling');
    // Trigger settings are listed without the platform's batching props.
    expect(cards[0].textContent).toContain('Settings: Queue URL, Visibility timeout (s)');
    expect(cards[0].textContent).not.toContain('Batch Size');
  });

  it('opens on the Triggers tab from ?tab=triggers and filters by kind', async () => {
    await create('triggers');
    triggersReq().flush(page([listenQueue]));
    await fixture.whenStable();
    el.querySelector<HTMLButtonElement>('.chip-webhook')!.click();
    await fixture.whenStable();
    const req = triggersReq();
    expect(req.request.params.get('kind')).toBe('webhook');
    req.flush(page([]));
    await fixture.whenStable();
    expect(el.querySelector('.chip-webhook')?.getAttribute('aria-pressed')).toBe('true');
    expect(el.querySelector('[data-empty]')?.textContent).toContain('No triggers match');
    el.querySelector<HTMLButtonElement>('[data-empty] button')!.click();
    await fixture.whenStable();
    expect(triggersReq().request.params.has('kind')).toBe(false);
  });

  it('searches after typing stops and filters by category', async () => {
    await create();
    connectorsReq().flush(page([sqsConnector, httpConnector]));
    await fixture.whenStable();
    const categories = [...el.querySelectorAll('#store-category option')].map((o) => o.textContent);
    expect(categories).toEqual(['All categories', 'AWS', 'Developer tools', 'Messaging']);

    const search = el.querySelector<HTMLInputElement>('#store-search')!;
    search.value = 'sq';
    search.dispatchEvent(new Event('input'));
    search.value = 'sqs';
    search.dispatchEvent(new Event('input'));
    http.expectNone((r) => r.url === '/api/v1/store/connectors');
    await new Promise((r) => setTimeout(r, 300));
    const searched = connectorsReq();
    expect(searched.request.params.get('q')).toBe('sqs');
    searched.flush(page([sqsConnector]));

    const select = el.querySelector<HTMLSelectElement>('#store-category')!;
    select.value = 'Messaging';
    select.dispatchEvent(new Event('change'));
    const filtered = connectorsReq();
    expect(filtered.request.params.get('category')).toBe('Messaging');
    expect(filtered.request.params.get('q')).toBe('sqs');
    filtered.flush(page([sqsConnector]));
  });

  it('shows the API error with a retry that reloads', async () => {
    await create();
    connectorsReq().flush({ error: { code: 'unavailable', message: 'Registry is not reachable' } }, { status: 503, statusText: 'Service Unavailable' });
    await fixture.whenStable();
    expect(el.querySelector('[role=alert]')?.textContent).toContain('Registry is not reachable');
    el.querySelector<HTMLButtonElement>('[role=alert] button')!.click();
    await fixture.whenStable();
    connectorsReq().flush(page([sqsConnector]));
    await fixture.whenStable();
    expect(el.querySelectorAll('[data-connector]')).toHaveLength(1);
  });

  it('shows an empty state when nothing is published', async () => {
    await create();
    connectorsReq().flush(page([]));
    await fixture.whenStable();
    expect(text()).toContain('No connectors published yet');
  });

  it('follows nextCursor with Load more', async () => {
    await create();
    connectorsReq().flush(page([sqsConnector], 'next-1'));
    await fixture.whenStable();
    [...el.querySelectorAll<HTMLButtonElement>('button')].find((b) => b.textContent?.includes('Load more'))!.click();
    const more = connectorsReq();
    expect(more.request.params.get('cursor')).toBe('next-1');
    more.flush(page([httpConnector]));
    await fixture.whenStable();
    expect(el.querySelectorAll('[data-connector]')).toHaveLength(2);
  });

  it('moves between tabs with the arrow keys', async () => {
    await create();
    connectorsReq().flush(page([sqsConnector]));
    await fixture.whenStable();
    tab('connectors').dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true }));
    await fixture.whenStable();
    expect(tab('triggers').getAttribute('aria-selected')).toBe('true');
    expect(tab('triggers').getAttribute('tabindex')).toBe('0');
    triggersReq().flush(page([]));
  });
});
