import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { httpConnector, page, prodAccount, settle, sqsConnector, sqsVersion } from '../../../../testing/fixtures';
import { IssuedWebhookTokens } from '../issued-webhook-tokens';
import { CreateFlowPage } from './create-flow.page';
import { CreateFlowStore } from './create-flow.store';

describe('CreateFlowPage (wizard)', () => {
  let fixture: ComponentFixture<CreateFlowPage>;
  let http: HttpTestingController;
  let el: HTMLElement;
  let navigate: jest.SpyInstance;

  async function start(account?: string) {
    fixture = TestBed.createComponent(CreateFlowPage);
    if (account) fixture.componentRef.setInput('account', account);
    el = fixture.nativeElement;
    await fixture.whenStable();
  }

  beforeEach(async () => {
    TestBed.configureTestingModule({ providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()] });
    http = TestBed.inject(HttpTestingController);
    navigate = jest.spyOn(TestBed.inject(Router), 'navigate').mockResolvedValue(true);
    await start();
  });

  afterEach(() => http.verify());

  const q = <T extends Element = HTMLElement>(selector: string) => el.querySelector<T & HTMLElement>(selector);
  const buttonNamed = (label: string) => [...el.querySelectorAll<HTMLButtonElement>('button')].find((b) => b.textContent?.trim() === label)!;
  const currentStep = () => q('[data-step]')?.getAttribute('data-step');
  async function type(selector: string, value: string) {
    const input = q<HTMLInputElement>(selector)!;
    input.value = value;
    input.dispatchEvent(new Event('input'));
    input.dispatchEvent(new Event('blur'));
    await fixture.whenStable();
  }
  async function click(target: HTMLElement) {
    target.click();
    await fixture.whenStable();
  }

  async function toStep2() {
    await type('#flow-name', 'Sync new orders');
    await click(buttonNamed('Continue'));
    http.expectOne((r) => r.url === '/api/v1/store/connectors').flush(page([sqsConnector, httpConnector]));
    await fixture.whenStable();
  }

  async function toStep3WithSqs(accounts = [prodAccount]) {
    await toStep2();
    await click(q('[data-connector="amazon-sqs"]')!);
    await click(buttonNamed('Continue'));
    http.expectOne('/api/v1/registry/connectors/amazon-sqs/versions/1.2.0').flush(sqsVersion());
    http.expectOne((r) => r.url === '/api/v1/accounts' && r.params.get('connector') === 'amazon-sqs').flush(page(accounts));
    await settle(fixture);
  }

  it('step 1 requires a name before continuing', async () => {
    expect(currentStep()).toBe('name');
    expect(q('[aria-current=step]')?.textContent).toContain('Name');
    await click(buttonNamed('Continue'));
    expect(currentStep()).toBe('name');
    expect(q('#flow-name-error')?.textContent).toContain('Flow name is required');
    expect(q('#flow-name')?.getAttribute('aria-invalid')).toBe('true');
    await toStep2();
    expect(currentStep()).toBe('source');
  });

  it('step 2 offers installed connectors and platform triggers and requires a choice', async () => {
    await toStep2();
    expect(el.querySelectorAll('[data-connector]')).toHaveLength(1); // HTTP is not installed
    expect([...el.querySelectorAll('[data-platform]')].map((c) => c.getAttribute('data-platform'))).toEqual(['manual', 'schedule', 'webhook', 'event']);
    await click(buttonNamed('Continue'));
    expect(el.textContent).toContain('Choose an installed connector or a platform trigger');
    const card = q('[data-connector="amazon-sqs"]')!;
    card.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }));
    await fixture.whenStable();
    expect(card.getAttribute('aria-checked')).toBe('true');
    await click(buttonNamed('Back'));
    expect(currentStep()).toBe('name');
    expect(q<HTMLInputElement>('#flow-name')!.value).toBe('Sync new orders');
  });

  it('step 3 shows the events with kind badges, the account, trigger props and batching with help', async () => {
    await toStep3WithSqs();
    expect(currentStep()).toBe('configure');
    const event = q('[data-trigger="listen-queue"]')!;
    expect(event.textContent).toContain('Listen Queue');
    expect(event.querySelector('.badge-kind-stream')).not.toBeNull();
    expect(q<HTMLInputElement>('[data-trigger="listen-queue"] input')!.checked).toBe(true);
    expect(q<HTMLSelectElement>('#flow-account')!.value).toBe('acc_1');
    expect(q('label[for="trigger-queueUrl"]')?.textContent).toContain('Queue URL');
    // Batch Size and External ID are rendered once, in their own section, not among the trigger's props.
    expect(q('#trigger-batchSize')).toBeNull();
    expect(q<HTMLInputElement>('#delivery-batchSize')!.value).toBe('1');
    expect(q('#delivery-externalId-help')?.textContent).toContain('An expression over one message, e.g. payload.orderId');
  });

  it('step 3 validates Batch Size and required props, then creates the flow and opens the designer', async () => {
    await toStep3WithSqs();
    await type('#delivery-batchSize', '0');
    expect(q('#delivery-batchSize-error')?.textContent).toBe('Batch Size must be between 1 and 1000 (got 0).');
    await click(buttonNamed('Create flow'));
    http.expectNone((r) => r.url === '/api/v1/flows');
    expect(q('#trigger-queueUrl-error')?.textContent).toBe('Queue URL is required.');

    await type('#trigger-queueUrl', 'https://sqs.eu-west-1.amazonaws.com/123/orders');
    await type('#delivery-batchSize', '10');
    await type('#delivery-externalId', 'payload.orderId');
    await click(buttonNamed('Create flow'));
    const req = http.expectOne('/api/v1/flows');
    expect(req.request.method).toBe('POST');
    expect(req.request.body).toEqual({
      name: 'Sync new orders',
      trigger: {
        type: 'connector',
        connector: 'amazon-sqs',
        version: '1.2.0',
        trigger: 'listen-queue',
        account: 'acc_1',
        props: { queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123/orders', visibilityTimeout: 30 },
        batchSize: 10,
        externalId: 'payload.orderId',
        batchWaitMs: 1000,
      },
      steps: [],
    });
    req.flush({ id: 'flow_1', name: 'Sync new orders', status: 'draft', trigger: req.request.body.trigger, steps: [], updatedAt: '' });
    await settle(fixture);
    expect(navigate).toHaveBeenCalledWith(['/flows', 'flow_1']);
  });

  it('asks for an account when the connector needs one and links to creating it', async () => {
    await toStep3WithSqs([]);
    await type('#trigger-queueUrl', 'https://sqs.eu-west-1.amazonaws.com/123/orders');
    await click(buttonNamed('Create flow'));
    http.expectNone((r) => r.url === '/api/v1/flows');
    expect(q('#flow-account-error')?.textContent).toBe('Choose an account, or create one for this connector.');
    const link = [...el.querySelectorAll('a')].find((a) => a.textContent?.trim() === 'Create account')!;
    expect(link.getAttribute('href')).toBe('/accounts/new?connector=amazon-sqs&returnUrl=%2Fflows%2Fnew');
  });

  it('selects the account created in the detour when coming back', async () => {
    await toStep3WithSqs([]);
    fixture.destroy();
    await start('acc_2');
    http.expectOne((r) => r.url === '/api/v1/accounts').flush(page([prodAccount, { ...prodAccount, id: 'acc_2', name: 'Staging AWS' }]));
    await settle(fixture);
    expect(currentStep()).toBe('configure');
    expect(q<HTMLSelectElement>('#flow-account')!.value).toBe('acc_2');
    expect(TestBed.inject(CreateFlowStore).name()).toBe('Sync new orders');
  });

  it('shows API validation details next to the trigger fields', async () => {
    await toStep3WithSqs();
    await type('#trigger-queueUrl', 'https://sqs.eu-west-1.amazonaws.com/123/missing');
    await click(buttonNamed('Create flow'));
    http.expectOne('/api/v1/flows').flush(
      {
        error: {
          code: 'validation',
          message: 'The trigger settings are invalid',
          details: [
            { path: '/trigger/props/queueUrl', message: 'Queue URL must point to an existing queue' },
            { path: '/trigger/externalId', message: 'External ID is not a valid expression: unexpected "."' },
          ],
        },
      },
      { status: 422, statusText: 'Unprocessable Entity' },
    );
    await settle(fixture);
    expect(q('#trigger-queueUrl-error')?.textContent).toBe('Queue URL must point to an existing queue');
    expect(q('#delivery-externalId-error')?.textContent).toBe('External ID is not a valid expression: unexpected "."');
    expect(q('.alert-error')?.textContent).toContain('The trigger settings are invalid');
    expect(navigate).not.toHaveBeenCalled();
  });

  it('configures a platform Schedule trigger with a validated cron expression', async () => {
    await toStep2();
    await click(q('[data-platform="schedule"]')!);
    await click(buttonNamed('Continue'));
    expect(currentStep()).toBe('configure');
    await type('#platform-cron', 'every morning');
    expect(q('#platform-cron-error')?.textContent).toBe(
      'Cron expression has the wrong format. Five fields: minute hour day-of-month month day-of-week, e.g. 0 8 * * 1-5 (08:00 on weekdays).',
    );
    await type('#platform-cron', '0 8 * * 1-5');
    await click(buttonNamed('Create flow'));
    const req = http.expectOne('/api/v1/flows');
    expect(req.request.body.trigger).toEqual({ type: 'schedule', cron: '0 8 * * 1-5' });
    req.flush({ id: 'flow_2' });
    await settle(fixture);
    expect(navigate).toHaveBeenCalledWith(['/flows', 'flow_2']);
  });

  it('configures a platform Webhook trigger with an optional External ID; the server\'s error on it shows on the field', async () => {
    await toStep2();
    await click(q('[data-platform="webhook"]')!);
    await click(buttonNamed('Continue'));
    expect(q('label[for="platform-externalId"]')?.textContent).toContain('External ID');
    await type('#platform-externalId', 'body.(');
    await click(buttonNamed('Create flow'));
    const refused = http.expectOne('/api/v1/flows');
    expect(refused.request.body.trigger).toEqual({ type: 'webhook', externalId: 'body.(' });
    refused.flush(
      {
        error: {
          code: 'VALIDATION_FAILED',
          message: 'Flow definition is invalid',
          details: [{ path: 'trigger.externalId', message: 'External ID is not a valid JSONata expression: Unexpected end of expression (at character 6)' }],
        },
      },
      { status: 400, statusText: 'Bad Request' },
    );
    await settle(fixture);
    expect(q('#platform-externalId-error')?.textContent).toBe('External ID is not a valid JSONata expression: Unexpected end of expression (at character 6)');
    expect(navigate).not.toHaveBeenCalled();

    await type('#platform-externalId', 'headers."x-delivery-id"');
    await click(buttonNamed('Create flow'));
    const req = http.expectOne('/api/v1/flows');
    expect(req.request.body.trigger).toEqual({ type: 'webhook', externalId: 'headers."x-delivery-id"' });
    req.flush({ id: 'flow_4', webhookToken: 'fpwh_idem' });
    await settle(fixture);
    expect(navigate).toHaveBeenCalledWith(['/flows', 'flow_4']);
  });

  it('hands the webhook token of a new webhook flow to the designer, once', async () => {
    await toStep2();
    await click(q('[data-platform="webhook"]')!);
    await click(buttonNamed('Continue'));
    await click(buttonNamed('Create flow'));
    const req = http.expectOne('/api/v1/flows');
    expect(req.request.body.trigger).toEqual({ type: 'webhook' });
    req.flush({ id: 'flow_3', webhookToken: 'fpwh_once' });
    await settle(fixture);
    expect(navigate).toHaveBeenCalledWith(['/flows', 'flow_3']);
    const tokens = TestBed.inject(IssuedWebhookTokens);
    expect(tokens.take('flow_3')).toBe('fpwh_once');
    expect(tokens.take('flow_3')).toBeNull();
  });
});
