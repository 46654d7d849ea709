import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { page, prodAccount, settle, sqsVersion } from '../../../testing/fixtures';
import { FlowDesignerPage } from './designer/flow-designer.page';
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

  it('designer shows the trigger as the first node with its settings', async () => {
    const fixture = TestBed.createComponent(FlowDesignerPage);
    fixture.componentRef.setInput('id', 'flow_1');
    await fixture.whenStable();
    http.expectOne('/api/v1/flows/flow_1').flush(flow);
    await settle(fixture);
    http.expectOne('/api/v1/registry/connectors/amazon-sqs/versions/1.2.0').flush(sqsVersion());
    http.expectOne((r) => r.url === '/api/v1/accounts' && r.params.get('connector') === 'amazon-sqs').flush(page([prodAccount]));
    await settle(fixture);
    const node: HTMLElement = fixture.nativeElement.querySelector('[data-node=trigger]');
    expect(node.textContent).toContain('1 · Trigger');
    expect(node.querySelector('h2')?.textContent).toBe('Listen Queue');
    expect(node.querySelector('.badge-kind-stream')).not.toBeNull();
    expect(node.textContent).toContain('Queue URL');
    expect(node.textContent).toContain('payload.orderId');
    expect(node.textContent).toContain('10');
    expect(node.textContent).toContain('account Production AWS');
  });
});
