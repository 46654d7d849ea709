import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, TestRequest, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { Flow, RegistryConnectorVersion } from '../../../core/api/models';
import { page, prodAccount, settle, sqsConnector, sqsVersion } from '../../../../testing/fixtures';
import { IssuedWebhookTokens } from '../issued-webhook-tokens';
import { FlowDesignerPage } from './flow-designer.page';

const sqsTrigger = {
  type: 'connector' as const,
  connector: 'amazon-sqs',
  version: '1.2.0',
  trigger: 'listen-queue',
  account: 'acc_1',
  props: { queueUrl: 'https://sqs.eu-west-1.amazonaws.com/1/orders' },
  batchSize: 10,
  externalId: 'payload.orderId',
  batchWaitMs: 1000,
};

function flowDetail(over: Partial<Flow> = {}): Flow {
  return {
    id: 'flow_1',
    name: 'Sync new orders',
    description: '',
    status: 'draft',
    activeVersion: null,
    latestVersion: null,
    trigger: { type: 'connector', label: 'amazon-sqs@1.2.0 listen-queue', connector: 'amazon-sqs', version: '1.2.0', trigger: 'listen-queue' },
    updatedAt: '2026-11-25T10:00:00Z',
    draft: { trigger: sqsTrigger, steps: [] },
    versions: [],
    hasWebhookToken: false,
    ...over,
  };
}

/** The SQS manifest with sample data on the trigger and an action with real props. */
function manifest(): RegistryConnectorVersion {
  const v = sqsVersion();
  v.manifest.triggers[0].sampleData = [{ orderId: 42, customer: { email: 'ada@example.com' } }];
  v.manifest.actions = [
    {
      name: 'send-message',
      displayName: 'Send Message',
      description: 'Sends a message to a queue.',
      account: 'aws',
      props: { type: 'object', required: ['queueUrl'], properties: { queueUrl: { type: 'string', title: 'Queue URL' }, delaySeconds: { type: 'integer', title: 'Delay (s)', minimum: 0 } } },
    },
  ];
  return v;
}

describe('FlowDesignerPage', () => {
  let http: HttpTestingController;
  beforeEach(() => {
    TestBed.configureTestingModule({ providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()] });
    http = TestBed.inject(HttpTestingController);
  });
  afterEach(() => http.verify());

  async function open(flow: Flow = flowDetail()) {
    const fixture = TestBed.createComponent(FlowDesignerPage);
    fixture.componentRef.setInput('id', flow.id);
    await fixture.whenStable();
    http.expectOne(`/api/v1/flows/${flow.id}`).flush(flow);
    await settle(fixture);
    http.expectOne((r) => r.url === '/api/v1/store/connectors').flush(page([sqsConnector]));
    if (flow.draft.trigger.type === 'connector') {
      http.match('/api/v1/registry/connectors/amazon-sqs/versions/1.2.0').forEach((r) => r.flush(manifest()));
      http.match((r) => r.url === '/api/v1/accounts').forEach((r) => r.flush(page([prodAccount])));
    }
    await settle(fixture);
    const el: HTMLElement = fixture.nativeElement;
    const q = <T extends Element = HTMLElement>(sel: string) => el.querySelector<T & Element>(sel) as T | null;
    const click = async (sel: string) => {
      const target = q<HTMLElement>(sel);
      if (!target) throw new Error(`No element ${sel}`);
      target.click();
      await settle(fixture);
    };
    const type = async (sel: string, value: string) => {
      const input = q<HTMLInputElement>(sel);
      if (!input) throw new Error(`No field ${sel}`);
      input.value = value;
      input.dispatchEvent(new Event('input'));
      await settle(fixture);
    };
    const stepNames = () => [...el.querySelectorAll('[data-step]')].map((n) => n.getAttribute('data-step'));
    return { fixture, el, q, click, type, stepNames };
  }

  const savedBody = (req: TestRequest) => req.request.body as { name: string; trigger: unknown; steps: Array<Record<string, unknown>> };

  it('shows the trigger as the first node with its settings', async () => {
    const { q } = await open();
    const node = q('[data-node=trigger]')!;
    expect(node.textContent).toContain('1 · Trigger');
    expect(node.querySelector('h2')?.textContent).toBe('Listen Queue');
    expect(node.querySelector('.badge-kind-stream')).not.toBeNull();
    expect(node.textContent).toContain('Queue URL');
    expect(node.textContent).toContain('payload.orderId');
    expect(node.textContent).toContain('account Production AWS');
    expect(q('[data-add-step]')?.textContent).toContain('Start with an action or a map');
  });

  it('adds, reorders and deletes steps and saves the full definition with PUT', async () => {
    const { q, click, type, stepNames } = await open();
    await click('[data-add=map]');
    await click('[data-add=filter]');
    await click('[data-add=http]');
    expect(stepNames()).toEqual(['map_1', 'filter_1', 'http_1']);
    // The new step is open in the editor.
    expect(q('[data-step-editor]')?.getAttribute('data-step-editor')).toBe('http_1');
    await click('[data-step="filter_1"] button');
    await type('[data-step-editor] input[id$="-condition"]', 'trigger.messages[0].payload.total > 100');

    await click('[data-step="filter_1"] [data-move="-1"]');
    expect(stepNames()).toEqual(['filter_1', 'map_1', 'http_1']);
    expect(q<HTMLButtonElement>('[data-step="filter_1"] [data-move="-1"]')?.disabled).toBe(true);
    await click('[data-step="http_1"] [data-remove]');
    expect(stepNames()).toEqual(['filter_1', 'map_1']);
    expect(q('.badge-warning')?.textContent).toContain('unsaved');

    await click('.actions button:not([data-action])');
    const req = http.expectOne('/api/v1/flows/flow_1');
    expect(req.request.method).toBe('PUT');
    expect(savedBody(req)).toEqual({
      name: 'Sync new orders',
      description: '',
      trigger: sqsTrigger,
      steps: [
        { type: 'filter', name: 'filter_1', condition: 'trigger.messages[0].payload.total > 100' },
        { type: 'map', name: 'map_1', expression: '' },
      ],
    });
    req.flush(flowDetail({ draft: { trigger: sqsTrigger, steps: savedBody(req).steps as never } }));
  });

  it('inserts trigger sample paths and earlier step names from the expression picker', async () => {
    const { q, click, el, fixture } = await open();
    await click('[data-add=map]');
    const picker = () => [...el.querySelectorAll('[data-step-editor] [data-path]')].map((b) => b.getAttribute('data-path'));
    expect(picker()).toEqual(
      expect.arrayContaining(['trigger.messages[0].payload', 'trigger.messages[0].payload.orderId', 'trigger.messages[0].payload.customer.email']),
    );
    const area = q<HTMLTextAreaElement>('[data-step-editor] textarea[id$="-expression"]')!;
    // Picking before a field has focus explains what to do.
    await click('[data-step-editor] [data-path="trigger.messages[0].payload.orderId"]');
    expect(q('[data-step-editor] [role=status]')?.textContent).toContain('Click into the field');
    area.dispatchEvent(new FocusEvent('focusin', { bubbles: true }));
    area.value = 'id: ';
    area.setSelectionRange(4, 4);
    await click('[data-step-editor] [data-path="trigger.messages[0].payload.orderId"]');
    expect(area.value).toBe('id: {{ trigger.messages[0].payload.orderId }}');

    await click('[data-add=http]');
    await fixture.whenStable();
    expect(picker()).toContain('steps.map_1');
    await click('.actions button:not([data-action])');
    const req = http.expectOne('/api/v1/flows/flow_1');
    expect(savedBody(req).steps[0]).toEqual({ type: 'map', name: 'map_1', expression: 'id: {{ trigger.messages[0].payload.orderId }}' });
    req.flush(flowDetail());
  });

  it('configures an action step: connector, action, account and inputs with an expression', async () => {
    const { q, click, type, fixture } = await open();
    await click('[data-add=action]');
    const connector = q<HTMLSelectElement>('[data-step-editor] select[id$="-connector"]')!;
    connector.value = 'amazon-sqs';
    connector.dispatchEvent(new Event('change'));
    await settle(fixture);
    const action = q<HTMLSelectElement>('[data-step-editor] select[id$="-action"]')!;
    action.value = 'send-message';
    action.dispatchEvent(new Event('change'));
    await settle(fixture);
    // The only AWS account is chosen; inputs come from the action's props schema.
    expect(q<HTMLSelectElement>('[data-step-editor] select[id$="-account"]')?.value).toBe('acc_1');
    expect(q('[data-step-editor] label[for$="input-queueUrl"]')?.textContent).toContain('Queue URL');
    await type('[data-step-editor] input[id$="input-delaySeconds"]', '5');
    await click('[data-step-editor] [aria-label="Set Queue URL with an expression"]');
    expect(q('[data-step-editor] input[id$="input-queueUrl"]')).toBeNull();
    await type('[data-step-editor] [data-expr-input="queueUrl"] input', '{{ steps.lookup.queueUrl }}');

    await click('.actions button:not([data-action])');
    const req = http.expectOne('/api/v1/flows/flow_1');
    expect(savedBody(req).steps).toEqual([
      { type: 'action', name: 'action_1', connector: 'amazon-sqs', version: '1.2.0', action: 'send-message', account: 'acc_1', inputs: { delaySeconds: 5, queueUrl: '{{ steps.lookup.queueUrl }}' } },
    ]);
    req.flush(flowDetail());
  });

  it('shows API validation errors next to the step and the field', async () => {
    const { q, click, fixture } = await open(flowDetail({ draft: { trigger: sqsTrigger, steps: [{ type: 'map', name: 'shape', expression: '$$$(' }] } }));
    await click('[data-add=filter]');
    await click('.actions button:not([data-action])');
    http.expectOne('/api/v1/flows/flow_1').flush(
      { error: { code: 'VALIDATION_FAILED', message: 'The flow definition is invalid', details: [{ path: 'steps[0].expression', message: 'JSONata does not compile: unexpected ( at 3' }] } },
      { status: 400, statusText: 'Bad Request' },
    );
    await settle(fixture);
    await click('[data-step="shape"] button');
    expect(q('[data-step="shape"] [data-step-errors]')?.textContent).toContain('unexpected ( at 3');
    expect(q('[data-step="filter_1"] [data-step-errors]')).toBeNull();
    const field = q('[data-step-editor] textarea[id$="-expression"]')!;
    expect(field.getAttribute('aria-invalid')).toBe('true');
    expect(field.parentElement?.querySelector('.field-error')?.textContent).toContain('unexpected ( at 3');
    expect(q('.alert-error')?.textContent).toContain('shown next to the steps');
  });

  it('publishes (saving unsaved edits first), activates and deactivates', async () => {
    const { q, click, fixture } = await open();
    await click('[data-add=map]');
    await click('[data-action=publish]');
    const save = http.expectOne('/api/v1/flows/flow_1');
    expect(save.request.method).toBe('PUT');
    save.flush(flowDetail());
    await settle(fixture);
    const publish = http.expectOne('/api/v1/flows/flow_1/publish');
    expect(publish.request.method).toBe('POST');
    publish.flush({ flowId: 'flow_1', version: 1, active: false, createdAt: '2026-11-25T11:00:00Z' });
    await settle(fixture);
    expect(q('[data-notice]')?.textContent).toContain('Published version 1');

    await click('[data-action=activate]');
    const activate = http.expectOne('/api/v1/flows/flow_1/activate');
    expect(activate.request.method).toBe('POST');
    activate.flush(flowDetail({ status: 'active', activeVersion: 1, latestVersion: 1 }));
    await settle(fixture);
    expect(q('[data-flow-status]')?.textContent).toBe('active');
    expect(q('[data-action=activate]')).toBeNull();

    await click('[data-action=deactivate]');
    http.expectOne('/api/v1/flows/flow_1/deactivate').flush(flowDetail({ status: 'inactive' }));
    await settle(fixture);
    expect(q('[data-flow-status]')?.textContent).toBe('inactive');
  });

  it('shows why an activation was refused', async () => {
    const { q, click, fixture } = await open();
    await click('[data-action=activate]');
    http.expectOne('/api/v1/flows/flow_1/activate').flush(
      { error: { code: 'NOT_PUBLISHED', message: "Flow 'Sync new orders' has no published version: publish the draft first", details: [] } },
      { status: 409, statusText: 'Conflict' },
    );
    await settle(fixture);
    expect(q('.alert-error')?.textContent).toContain('publish the draft first');
  });

  it('disables Run for a stream-triggered flow with a tooltip that says why, and Test runs the sample data', async () => {
    const { q, click, fixture } = await open(flowDetail({ status: 'active', activeVersion: 1 }));
    const run = q<HTMLButtonElement>('[data-action=run]')!;
    expect(run.getAttribute('aria-disabled')).toBe('true');
    const tooltip = q(`#${run.getAttribute('aria-describedby')}`);
    expect(tooltip?.getAttribute('role')).toBe('tooltip');
    expect(tooltip?.textContent).toContain('stream trigger');
    expect(tooltip?.textContent).toContain('cannot be run by hand');
    await click('[data-action=run]');
    expect(q('#run-input')).toBeNull();
    http.expectNone('/api/v1/flows/flow_1/runs');

    await click('[data-action=test]');
    const test = http.expectOne('/api/v1/flows/flow_1/test');
    expect(test.request.method).toBe('POST');
    expect(test.request.body).toEqual({});
    test.flush({ runId: 'run_9' });
    await settle(fixture);
    expect(q('[data-notice] a')?.getAttribute('href')).toBe('/executions/run_9');
  });

  it('runs an active manual flow with JSON input', async () => {
    const manual = flowDetail({ status: 'active', activeVersion: 2, trigger: { type: 'manual', label: 'manual' }, draft: { trigger: { type: 'manual' }, steps: [] } });
    const { q, click, type } = await open(manual);
    expect(q('[data-action=run]')?.getAttribute('aria-disabled')).toBeNull();
    await click('[data-action=run]');
    await type('#run-input', '{ "orderId": ');
    await click('.run-panel .btn-primary');
    expect(q('.run-panel .field-error')?.textContent).toContain('Run input must be valid JSON');
    await type('#run-input', '{ "orderId": 7 }');
    await click('.run-panel .btn-primary');
    const req = http.expectOne('/api/v1/flows/flow_1/runs');
    expect(req.request.body).toEqual({ input: { orderId: 7 } });
    req.flush({ runId: 'run_1' });
  });

  it('says a draft manual flow must be published and activated before Run', async () => {
    const { q } = await open(flowDetail({ trigger: { type: 'manual', label: 'manual' }, draft: { trigger: { type: 'manual' }, steps: [] } }));
    expect(q('[data-action=run]')?.getAttribute('aria-disabled')).toBe('true');
    expect(q('#run-disabled-reason')?.textContent).toContain('publish the draft and activate');
  });

  it('shows the webhook URL and the token issued at creation once, and rotates it', async () => {
    TestBed.inject(IssuedWebhookTokens).keep('flow_1', 'fpwh_first');
    const hook = flowDetail({ hasWebhookToken: true, trigger: { type: 'webhook', label: 'webhook' }, draft: { trigger: { type: 'webhook' }, steps: [] } });
    const { q, click, fixture } = await open(hook);
    expect(q<HTMLInputElement>('#webhook-url')?.value).toBe(`${location.origin}/hooks/flow_1`);
    expect(q<HTMLInputElement>('#webhook-token')?.value).toBe('fpwh_first');
    expect(q('[data-action=run]')?.getAttribute('aria-disabled')).toBe('true');
    expect(TestBed.inject(IssuedWebhookTokens).take('flow_1')).toBeNull();

    await click('[data-webhook] > button');
    const rotate = http.expectOne('/api/v1/flows/flow_1/webhook-token');
    expect(rotate.request.method).toBe('POST');
    rotate.flush({ flowId: 'flow_1', webhookToken: 'fpwh_second' });
    await settle(fixture);
    expect(q<HTMLInputElement>('#webhook-token')?.value).toBe('fpwh_second');
  });

  it('shows a webhook trigger\'s External ID among its settings', async () => {
    const hook = flowDetail({ hasWebhookToken: true, trigger: { type: 'webhook', label: 'webhook' }, draft: { trigger: { type: 'webhook', externalId: 'body.id' }, steps: [] } });
    const { q } = await open(hook);
    const rows = [...(q('.dl')?.querySelectorAll('dt') ?? [])].map((dt) => [dt.textContent, dt.nextElementSibling?.textContent]);
    expect(rows).toEqual([['External ID', 'body.id']]);
  });
});
