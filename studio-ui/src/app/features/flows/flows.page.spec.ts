import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { page } from '../../../testing/fixtures';
import { FlowsPage } from './flows.page';

const flow = {
  id: 'flow_1',
  name: 'Sync new orders',
  status: 'draft' as const,
  updatedAt: '2026-11-25T10:00:00Z',
  steps: [],
  trigger: {
    type: 'connector' as const,
    connector: 'amazon-sqs',
    version: '1.2.0',
    trigger: 'listen-queue',
    account: 'acc_1',
    props: { queueUrl: 'https://sqs.eu-west-1.amazonaws.com/1/orders' },
    batchSize: 10,
    externalId: 'payload.orderId',
    batchWaitMs: 1000,
  },
};

describe('Flows', () => {
  let http: HttpTestingController;
  beforeEach(() => {
    TestBed.configureTestingModule({ providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()] });
    http = TestBed.inject(HttpTestingController);
  });
  afterEach(() => http.verify());

  it('lists flows with their trigger and status', async () => {
    const fixture = TestBed.createComponent(FlowsPage);
    await fixture.whenStable();
    http.expectOne((r) => r.url === '/api/v1/flows').flush(page([flow, { ...flow, id: 'flow_2', name: 'Nightly', status: 'active', trigger: { type: 'schedule', cron: '0 2 * * *' } }]));
    await fixture.whenStable();
    const rows = [...fixture.nativeElement.querySelectorAll('[data-flow]')] as HTMLElement[];
    expect(rows).toHaveLength(2);
    expect(rows[0].textContent).toContain('amazon-sqs · listen-queue');
    expect(rows[0].querySelector('a')?.getAttribute('href')).toBe('/flows/flow_1');
    expect(rows[1].textContent).toContain('Schedule · 0 2 * * *');
    expect(rows[1].querySelector('.badge-success')?.textContent).toBe('active');
  });

  it('shows an empty state that leads to the wizard', async () => {
    const fixture = TestBed.createComponent(FlowsPage);
    await fixture.whenStable();
    http.expectOne((r) => r.url === '/api/v1/flows').flush(page([]));
    await fixture.whenStable();
    expect(fixture.nativeElement.querySelector('[data-empty] a')?.getAttribute('href')).toBe('/flows/new');
  });
});
