import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { RunDetail } from '../../core/api/run-models';
import { settle } from '../../../testing/fixtures';
import { RunDetailPage } from './run-detail.page';
import { RunDetailStore } from './run-detail.store';

function detail(over: Partial<RunDetail> = {}): RunDetail {
  return {
    id: 'r5',
    flowId: 'f1',
    flowVersion: 2,
    status: 'failed',
    trigger: { type: 'connector' },
    messageCount: 2,
    replayOf: null,
    error: 'Step "notify" failed: HTTP 503',
    createdAt: '2026-11-25T10:00:00Z',
    startedAt: '2026-11-25T10:00:00Z',
    finishedAt: '2026-11-25T10:00:02Z',
    durationMs: 2100,
    messages: [
      { id: 'm1', externalId: 'order-7', messageId: 'sqs-1', status: 'accepted', payload: { orderId: 7 }, labels: null },
      { id: 'm2', externalId: 'order-8', messageId: 'sqs-2', status: 'accepted', payload: { orderId: 8 }, labels: null },
    ],
    steps: [
      { order: 1, name: 'shape', type: 'map', status: 'succeeded', attempts: 1, startedAt: '2026-11-25T10:00:00Z', finishedAt: '2026-11-25T10:00:00Z', durationMs: 12, input: { a: 1 }, output: { total: 15 }, error: null },
      { order: 2, name: 'notify', type: 'http', status: 'failed', attempts: 3, startedAt: '2026-11-25T10:00:00Z', finishedAt: '2026-11-25T10:00:02Z', durationMs: 2140, input: { url: 'https://x' }, output: null, error: 'HTTP 503' },
    ],
    ...over,
  };
}

describe('RunDetailPage', () => {
  let http: HttpTestingController;
  beforeEach(() => {
    TestBed.configureTestingModule({ providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()] });
    http = TestBed.inject(HttpTestingController);
  });
  afterEach(() => http.verify());

  async function open(run: RunDetail) {
    const fixture = TestBed.createComponent(RunDetailPage);
    fixture.componentRef.setInput('runId', run.id);
    await fixture.whenStable();
    http.expectOne(`/api/v1/runs/${run.id}`).flush(run);
    http.expectOne(`/api/v1/runs/${run.id}/logs`).flush({ runId: run.id, items: [{ step: 'notify', order: 2, level: 'warn', message: 'retrying after 503', at: '2026-11-25T10:00:01Z' }] });
    await settle(fixture);
    return { fixture, el: fixture.nativeElement as HTMLElement, store: fixture.debugElement.injector.get(RunDetailStore) };
  }

  it('shows the step timeline with status, start and duration, input/output JSON, logs and the batch messages', async () => {
    const { el } = await open(detail());
    expect(el.querySelector('[data-run-status]')?.textContent).toBe('failed');
    expect(el.querySelector('[data-duplicate-of]')).toBeNull();
    expect(el.querySelector('.alert-error')?.textContent).toContain('HTTP 503');
    const steps = [...el.querySelectorAll('.timeline [data-step]')] as HTMLElement[];
    expect(steps.map((s) => s.getAttribute('data-step'))).toEqual(['shape', 'notify']);
    expect(steps[0].querySelector('.badge-success')?.textContent).toBe('succeeded');
    expect(steps[0].querySelector('[data-duration]')?.textContent).toBe('12 ms');
    expect(steps[0].textContent).toContain('started');
    expect(steps[1].querySelector('[data-duration]')?.textContent).toBe('2.1 s');
    expect(steps[1].textContent).toContain('3 attempts');
    const details = [...steps[0].querySelectorAll('details')];
    expect(details.map((d) => d.querySelector('summary')?.textContent?.trim().split(' ')[0])).toEqual(['Input', 'Output']);
    expect(details[1].querySelector('pre')?.textContent).toContain('"total": 15');
    expect(details[1].open).toBe(false);
    expect(steps[1].querySelector('.logs')?.textContent).toContain('retrying after 503');
    expect(el.querySelector('[data-logs]')?.textContent).toContain('notify');
    expect([...el.querySelectorAll('[data-message]')].map((m) => m.getAttribute('data-message'))).toEqual(['order-7', 'order-8']);
  });

  it('replays a failed run and opens the new run', async () => {
    const { el, fixture } = await open(detail());
    const navigate = jest.spyOn(TestBed.inject(Router), 'navigate').mockResolvedValue(true);
    (el.querySelector('[data-action=replay]') as HTMLButtonElement).click();
    const req = http.expectOne('/api/v1/runs/r5/replay');
    expect(req.request.method).toBe('POST');
    expect(req.request.body).toEqual({});
    req.flush({ runId: 'r6' });
    await settle(fixture);
    expect(navigate).toHaveBeenCalledWith(['/executions', 'r6']);
  });

  it('offers no Replay for a succeeded run and says why no step ran for a duplicate', async () => {
    const { el } = await open(detail({ status: 'duplicate', error: null, steps: [], duplicateOf: 'r1' }));
    expect(el.querySelector('[data-action=replay]')).toBeNull();
    expect(el.querySelector('[data-no-steps]')?.textContent).toContain('duplicate');
    const original = el.querySelector('[data-duplicate-of]') as HTMLAnchorElement;
    expect(original.textContent).toBe('r1');
    expect(original.getAttribute('href')).toBe('/executions/r1');
  });

  it('refreshes a running run until it finishes', async () => {
    const { el, fixture, store } = await open(detail({ status: 'running', error: null, steps: [detail().steps[0]] }));
    expect(el.textContent).toContain('updating');
    const refresh = store.refresh();
    http.expectOne('/api/v1/runs/r5').flush(detail({ status: 'succeeded', error: null }));
    http.expectOne('/api/v1/runs/r5/logs').flush({ runId: 'r5', items: [] });
    await refresh;
    await settle(fixture);
    expect(el.querySelector('[data-run-status]')?.textContent).toBe('succeeded');
    expect(el.querySelectorAll('.timeline [data-step]')).toHaveLength(2);
    await store.refresh();
    http.expectNone('/api/v1/runs/r5');
  });

  it('shows an error state with retry when the run does not exist', async () => {
    const fixture = TestBed.createComponent(RunDetailPage);
    fixture.componentRef.setInput('runId', 'nope');
    await fixture.whenStable();
    http.expectOne('/api/v1/runs/nope').flush({ error: { code: 'RUN_NOT_FOUND', message: 'Run nope does not exist in this workspace', details: [] } }, { status: 404, statusText: 'Not Found' });
    http.expectOne('/api/v1/runs/nope/logs').flush({ error: { code: 'RUN_NOT_FOUND', message: 'Run nope does not exist in this workspace', details: [] } }, { status: 404, statusText: 'Not Found' });
    await settle(fixture);
    expect(fixture.nativeElement.querySelector('.alert-error')?.textContent).toContain('Run nope does not exist');
  });
});
